// The one API client: every URL the reading page uses comes from the page's data attributes
// (rendered by Django from its URL conf) or from the API's own answers. Same-origin only.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }

  get fields() {
    return this.body?.error?.fields || {};
  }
}

// The network is unreachable (offline, server down): the caller keeps its data and retries.
export class OfflineError extends Error {}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : '';
}

async function request(method, url, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['X-CSRFToken'] = csrfToken();
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new OfflineError(error.message);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: { message: text.slice(0, 200) } };
  }
  if (response.status >= 500 || response.status === 0) throw new OfflineError(`HTTP ${response.status}`);
  if (!response.ok) throw new ApiError(response.status, data);
  return { status: response.status, data };
}

export const getJson = async (url) => (await request('GET', url)).data;
export const putJson = (url, body) => request('PUT', url, body);
export const postJson = (url, body) => request('POST', url, body);

/** The URLs Django put on the mount element. */
export function pageUrls(element) {
  const d = element.dataset;
  return {
    code: d.code,
    assignment: d.assignmentUrl,
    draft: d.draftUrl,
    submit: d.submitUrl,
    worklist: d.worklistUrl,
    read: (code) => d.readUrl.replace('__code__', encodeURIComponent(code)),
  };
}

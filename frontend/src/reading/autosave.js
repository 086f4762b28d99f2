// Every change is saved to the server at once (debounced), and kept in localStorage until the
// server has it: a crash, a reload or a lost connection loses nothing. While the server is
// unreachable the page says so and retries with backoff.

import { ApiError, OfflineError, putJson } from '../api.js';

const DEBOUNCE_MS = 300;
const MAX_BACKOFF_MS = 15000;
const HEARTBEAT_MS = 30000; // active time reaches the server even while nothing changes

export function backupKey(code) {
  return `readerstudy:draft:${code}`;
}

/** The newer of the server's draft and the local backup (a save that never reached it). */
export function newestDraft(code, serverDraft) {
  let local = null;
  try {
    local = JSON.parse(localStorage.getItem(backupKey(code)) || 'null');
  } catch {
    local = null;
  }
  if (local && (!serverDraft || (local.saved_at || '') > (serverDraft.saved_at || ''))) {
    return { draft: local, fromBackup: true };
  }
  return { draft: serverDraft, fromBackup: false };
}

export function createAutosave({ url, code, activeSeconds, onState }) {
  let pending = null; // the latest draft not yet confirmed by the server
  let revision = 0;
  let inflight = false;
  let timer = null;
  let backoff = 1000;
  let stopped = false;
  let lastSentSeconds = -1;
  let latest = null;

  const state = (name, detail) => onState?.(name, detail);

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(flush, delay);
  }

  async function flush() {
    if (stopped || inflight || pending === null) return;
    inflight = true;
    const sending = pending;
    const sentRevision = revision;
    const seconds = Math.round(activeSeconds() * 10) / 10;
    state('saving');
    try {
      await putJson(url, { draft: sending, active_seconds: seconds });
      lastSentSeconds = seconds;
      backoff = 1000;
      if (revision === sentRevision) {
        pending = null;
        localStorage.removeItem(backupKey(code));
        state('saved');
      }
    } catch (error) {
      if (error instanceof OfflineError) {
        state('offline', `retrying in ${Math.round(backoff / 1000)} s`);
        schedule(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        return;
      }
      if (error instanceof ApiError && error.status === 409) {
        stopped = true;
        state('submitted');
        return;
      }
      state('error', error.message); // kept locally; the next change tries again
      return;
    } finally {
      inflight = false;
    }
    if (pending !== null) schedule(0);
  }

  const heartbeat = setInterval(() => {
    if (!stopped && latest && pending === null && Math.abs(activeSeconds() - lastSentSeconds) >= 5) {
      pending = latest;
      flush();
    }
  }, HEARTBEAT_MS);
  const online = () => schedule(0);
  window.addEventListener('online', online);

  return {
    save(draft) {
      if (stopped) return;
      latest = pending = { ...draft, saved_at: new Date().toISOString() };
      revision += 1;
      try {
        localStorage.setItem(backupKey(code), JSON.stringify(pending));
      } catch {
        // storage full or disabled: the server copy is still being sent
      }
      state('unsaved');
      schedule(DEBOUNCE_MS);
    },
    flushNow: () => {
      clearTimeout(timer);
      return flush();
    },
    get hasUnsaved() {
      return pending !== null;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
      window.removeEventListener('online', online);
    },
  };
}

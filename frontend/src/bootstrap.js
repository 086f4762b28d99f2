// Cornerstone3D is global state (one cache, one tool registry, one loader configuration), so it is
// initialised here exactly once and every viewer awaits initCornerstone() before touching it.
import { init as coreInit, setUseCPURendering } from '@cornerstonejs/core';
import { init as toolsInit, addTool } from '@cornerstonejs/tools';
import { init as dicomImageLoaderInit } from '@cornerstonejs/dicom-image-loader';

import { TOOL_CLASSES } from './viewer/tools.js';

let initialised = null;
// Read by beforeSend on every frame request, so a later call can replace the headers
// (for example after a token refresh) without initialising again.
let requestHeaders = {};

// Tests load the page with ?cpu=1 to get deterministic CPU rendering instead of WebGL.
function cpuRequestedByPage() {
  return new URLSearchParams(globalThis.location?.search ?? '').get('cpu') === '1';
}

/**
 * Initialise cornerstone core, the DICOM image loader and the tools, once.
 *
 * @param {object} [options]
 * @param {boolean} [options.cpu] force CPU rendering; defaults to the page's ?cpu=1 flag
 * @param {Record<string, string>} [options.authHeaders] added to every DICOMweb frame request;
 *   session cookies are sent anyway because the frames are same-origin
 * @returns {Promise<void>}
 */
export function initCornerstone({ cpu, authHeaders } = {}) {
  if (authHeaders) {
    requestHeaders = { ...authHeaders };
  }
  if (!initialised) {
    initialised = initialise(cpu ?? cpuRequestedByPage());
  }
  return initialised;
}

async function initialise(cpu) {
  // Must precede coreInit: init() chooses the rendering path once.
  if (cpu) {
    setUseCPURendering(true);
  }
  await coreInit();
  dicomImageLoaderInit({
    maxWebWorkers: 2,
    beforeSend: () => ({ ...requestHeaders }),
  });
  toolsInit();
  for (const ToolClass of TOOL_CLASSES) {
    addTool(ToolClass);
  }
}

// The reading workstation's entry point: initialise cornerstone once, then mount the reading
// page on #reading-app. Tests and the browser benchmark use window.readerStudy.

import { initCornerstone } from './bootstrap.js';
import { pageUrls } from './api.js';
import { startReading } from './reading/app.js';
import './reading/reading.css';

async function main() {
  const root = document.getElementById('reading-app');
  if (!root) return;
  const handle = { loaded: false, app: null, firstImageAt: null, error: null };
  window.readerStudy = handle;
  try {
    // CPU rendering for deterministic tests: ?cpu=1, or a flag a test sets before loading.
    const cpu =
      new URLSearchParams(window.location.search).has('cpu') ||
      window.localStorage.getItem('readerstudy:cpu') === '1';
    await initCornerstone({ cpu });
    handle.app = await startReading(root, pageUrls(root));
    await handle.app.viewer.firstImageRendered;
    handle.firstImageAt = Date.now();
    handle.loaded = true;
  } catch (error) {
    handle.error = String(error?.stack || error);
    root.querySelector('[data-message]')?.replaceChildren(`The case could not be loaded: ${error.message}`);
    throw error;
  }
}

main();

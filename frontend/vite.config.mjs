// Vite builds the reading workstation into frontend/dist, which Django serves as static files
// under the prefix "viewer" (STATICFILES_DIRS). See README.md and the imaging handbook §3.2–3.3.
import { defineConfig } from 'vite';

export default defineConfig({
  // Every URL Vite writes into the bundle (chunks, the decode worker, WASM codecs) is absolute
  // under Django's STATIC_URL + "viewer/", so the worker and codecs load same-origin.
  base: '/static/viewer/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // django-vite reads .vite/manifest.json to map src/main.js to the hashed file names.
    manifest: true,
    // Cornerstone (core, tools, vtk.js) is one ~3.3 MB chunk (~0.9 MB gzip) by nature; the codecs
    // and the decode worker are split off and load lazily. Warn only well above that.
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      // No index.html: Django templates include the entry through django-vite.
      input: { main: 'src/main.js' },
    },
  },
  worker: {
    // The DICOM image loader starts its decode worker as a module worker.
    format: 'es',
  },
  optimizeDeps: {
    // Dev server only. Pre-bundling the loader breaks its worker URL, and a pre-bundled second
    // copy of @cornerstonejs/metadata makes every image fail ("no pixel data in NATURALIZED").
    exclude: ['@cornerstonejs/dicom-image-loader', '@cornerstonejs/metadata'],
    // dicom-parser is UMD and the codec factories are CommonJS: convert them up front,
    // otherwise the dev server reports "does not provide an export named 'default'".
    include: [
      'dicom-parser',
      '@cornerstonejs/codec-charls/decodewasmjs',
      '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
      '@cornerstonejs/codec-openjpeg/decodewasmjs',
      '@cornerstonejs/codec-openjph/wasmjs',
    ],
  },
});

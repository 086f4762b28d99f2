// Text drawn over a viewport: series label, slice position and window. Plain DOM above the canvas,
// so it costs nothing to render and never ends up in cornerstone's annotation state.
import { utilities as csUtils } from '@cornerstonejs/core';

export function createOverlay(element) {
  const root = document.createElement('div');
  root.className = 'rs-viewer-overlay';
  const label = document.createElement('div');
  label.className = 'rs-viewer-overlay__label';
  const slice = document.createElement('div');
  slice.className = 'rs-viewer-overlay__slice';
  const voi = document.createElement('div');
  voi.className = 'rs-viewer-overlay__voi';
  root.append(label, slice, voi);
  element.append(root);
  return {
    update({ seriesLabel, index, count, window }) {
      label.textContent = seriesLabel ?? '';
      slice.textContent = count ? `Im ${index + 1}/${count}` : '';
      if (window) {
        // Shown as DICOM Window Width/Center, the numbers a radiologist knows from the header.
        const { windowWidth, windowCenter } = csUtils.windowLevel.toWindowLevel(
          window.lower,
          window.upper
        );
        voi.textContent = `W ${Math.round(windowWidth)} L ${Math.round(windowCenter)}`;
      } else {
        voi.textContent = '';
      }
    },
    remove() {
      root.remove();
    },
  };
}

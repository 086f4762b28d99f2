// The two-viewport MR viewer of the reading page: sagittal series on the left, axial on the right,
// with stack navigation, window presets, reference lines and point/box marks.
import { Enums, eventTarget, RenderingEngine } from '@cornerstonejs/core';
import {
  annotation as csAnnotation,
  Enums as ToolEnums,
  utilities as toolUtils,
} from '@cornerstonejs/tools';

import { initCornerstone } from '../bootstrap.js';
import { imageToPatient } from './coordinates.js';
import { annotationFromMark, isMarkAnnotation, markFromAnnotation, setMarkStyle } from './marks.js';
import { createOverlay } from './overlay.js';
import { loadStack } from './stacks.js';
import {
  createToolGroup,
  destroyToolGroup,
  enableReferenceLines,
  IDS,
  setToolMode,
  TOOL_MODES,
} from './tools.js';
import { PRESET_NAMES, pixelRangeOf, presetRange } from './voi.js';
import './viewer.css';

const VIEWPORT_NAMES = ['sagittal', 'axial'];
const PREFERRED_FIRST_SERIES = { sagittal: 'SAG T2' };
const PAGE_STEP = 5;

export { PRESET_NAMES, TOOL_MODES };

function viewportNameOf(label) {
  if (label.startsWith('SAG')) return 'sagittal';
  if (label.startsWith('AX')) return 'axial';
  return null;
}

const pointsKey = (annotation) => JSON.stringify(annotation.data.handles.points);

/**
 * Create the viewer in two page-sized elements and show the first series of each.
 *
 * @param {object} options
 * @param {HTMLElement} options.sagittalElement
 * @param {HTMLElement} options.axialElement
 * @param {string} options.studyInstanceUid
 * @param {string} options.dicomwebRoot absolute, no trailing slash
 * @param {{series_instance_uid: string, label: string, metadata_url: string,
 *   instances: number}[]} options.series
 * @param {(url: string) => Promise<any>} options.fetchJson
 * @param {(mark: object) => void} [options.onMarkDrawn]
 * @param {(markId: string) => void} [options.onMarkRemoved]
 * @param {() => void} [options.onChange]
 * @returns {Promise<Viewer>}
 */
export async function createViewer(options) {
  await initCornerstone();
  const viewer = new Viewer(options);
  await viewer.start();
  return viewer;
}

class Viewer {
  constructor({
    sagittalElement,
    axialElement,
    studyInstanceUid,
    dicomwebRoot,
    series,
    fetchJson,
    onMarkDrawn = () => {},
    onMarkRemoved = () => {},
    onChange = () => {},
  }) {
    this.context = { studyInstanceUid, dicomwebRoot, fetchJson };
    this.callbacks = { onMarkDrawn, onMarkRemoved, onChange };
    this.seriesByLabel = new Map(series.map((s) => [s.label, s]));
    this.stackPromises = new Map(); // label → Promise<stack>, so metadata is fetched once
    this.sopIndex = new Map(); // SOPInstanceUID → {label, index, imageId}
    this.imageIndex = new Map(); // imageId → SOPInstanceUID
    this.marks = new Map(); // annotationUID → {color, locked}
    this.reported = new Map(); // annotationUID → handle positions last given to onMarkDrawn
    this.tool = 'none';
    this.referenceLinesOn = false;

    this.engine = new RenderingEngine(IDS.renderingEngine);
    const elements = { sagittal: sagittalElement, axial: axialElement };
    this.engine.setViewports(
      VIEWPORT_NAMES.map((name) => ({
        viewportId: IDS.viewports[name],
        type: Enums.ViewportType.STACK,
        element: elements[name],
        defaultOptions: { background: [0, 0, 0] },
      }))
    );
    this.views = {};
    for (const name of VIEWPORT_NAMES) {
      const element = elements[name];
      const labels = series.map((s) => s.label).filter((l) => viewportNameOf(l) === name);
      this.views[name] = {
        name,
        element,
        viewport: this.engine.getViewport(IDS.viewports[name]),
        labels,
        stack: null, // the stack on screen
        ticket: 0, // guards against an older showSeries finishing after a newer one
        preset: 'Auto',
        overlay: createOverlay(element),
      };
    }
    this.toolGroup = createToolGroup();
    this.listeners = [];
    this.firstImageRendered = Promise.all(
      VIEWPORT_NAMES.filter((name) => this.views[name].labels.length).map((name) =>
        this.nextRender(this.views[name].element)
      )
    ).then(() => undefined);
    this.wireEvents();
  }

  async start() {
    await Promise.all(
      VIEWPORT_NAMES.map((name) => {
        const { labels } = this.views[name];
        const first = labels.includes(PREFERRED_FIRST_SERIES[name])
          ? PREFERRED_FIRST_SERIES[name]
          : labels[0];
        return first ? this.showSeries(first) : null;
      })
    );
    // The remaining series' metadata, so addMark and jumpTo find any SOP instance quickly.
    this.allStacks = Promise.all([...this.seriesByLabel.keys()].map((l) => this.loadStack(l)));
    this.allStacks.catch(() => {}); // reported when a caller awaits it
  }

  // ---- series ----

  loadStack(label) {
    if (!this.stackPromises.has(label)) {
      const series = this.seriesByLabel.get(label);
      if (!series) {
        throw new Error(`No series labelled "${label}"`);
      }
      const promise = loadStack({ series, ...this.context }).then((stack) => {
        stack.imageIds.forEach((imageId, index) => {
          const sop = stack.sopInstanceUids[index];
          this.sopIndex.set(sop, { label, index, imageId });
          this.imageIndex.set(imageId, sop);
        });
        return stack;
      });
      // A failed fetch may be retried by the next showSeries.
      promise.catch(() => this.stackPromises.delete(label));
      this.stackPromises.set(label, promise);
    }
    return this.stackPromises.get(label);
  }

  /** Put a series into its viewport, at the slice it was left on, or the middle one. */
  async showSeries(label, index) {
    const name = viewportNameOf(label);
    const view = this.views[name];
    if (!view) {
      throw new Error(`Series "${label}" belongs to no viewport (labels start with SAG or AX)`);
    }
    const ticket = ++view.ticket;
    const stack = await this.loadStack(label);
    if (ticket !== view.ticket) {
      return;
    }
    const { viewport } = view;
    if (view.stack === stack) {
      if (index !== undefined) {
        await viewport.setImageIdIndex(index);
      }
      return;
    }
    if (view.stack) {
      view.stack.lastIndex = viewport.getCurrentImageIdIndex();
    }
    const startIndex = index ?? stack.lastIndex ?? Math.floor((stack.imageIds.length - 1) / 2);
    await viewport.setStack(stack.imageIds, startIndex);
    if (ticket !== view.ticket) {
      return;
    }
    view.stack = stack;
    view.preset = 'Auto';
    stack.pixelRange ??= pixelRangeOf(viewport.getCornerstoneImage());
    viewport.render();
    toolUtils.stackPrefetch.enable(view.element);
    this.maybeEnableReferenceLines();
    this.refresh(name);
  }

  seriesOf(viewportName) {
    return this.views[viewportName]?.stack?.label ?? null;
  }

  labels(viewportName) {
    return [...(this.views[viewportName]?.labels ?? [])];
  }

  /** Show the series holding this SOP instance, at its slice. */
  async jumpTo(sopInstanceUid) {
    const entry = await this.findInstance(sopInstanceUid);
    await this.showSeries(entry.label, entry.index);
  }

  async findInstance(sopInstanceUid) {
    if (!this.sopIndex.has(sopInstanceUid)) {
      await this.allStacks;
    }
    const entry = this.sopIndex.get(sopInstanceUid);
    if (!entry) {
      throw new Error(`SOP instance ${sopInstanceUid} is in none of this study's series`);
    }
    return entry;
  }

  maybeEnableReferenceLines() {
    const ready = VIEWPORT_NAMES.every((name) => this.views[name].stack);
    if (ready && !this.referenceLinesOn) {
      enableReferenceLines(this.toolGroup);
      this.referenceLinesOn = true;
    }
  }

  // ---- navigation and display ----

  scrollBy(name, delta) {
    const { viewport, stack } = this.views[name];
    if (!stack) return;
    const last = stack.imageIds.length - 1;
    const target = Math.min(last, Math.max(0, viewport.getCurrentImageIdIndex() + delta));
    viewport.setImageIdIndex(target);
  }

  /** Reset zoom, pan and window of one viewport, or of both. */
  reset(viewportName) {
    for (const name of viewportName ? [viewportName] : VIEWPORT_NAMES) {
      const view = this.views[name];
      if (!view.stack) continue;
      view.viewport.resetCamera();
      view.viewport.resetProperties();
      view.preset = 'Auto';
      view.viewport.render();
      this.refresh(name);
    }
  }

  presets() {
    return [...PRESET_NAMES];
  }

  /** Apply a window preset to one viewport, or to both. */
  setPreset(name, viewportName) {
    for (const viewName of viewportName ? [viewportName] : VIEWPORT_NAMES) {
      const view = this.views[viewName];
      if (!view.stack) continue;
      const imageId = view.viewport.getCurrentImageId();
      const range = view.stack.pixelRange ?? pixelRangeOf(view.viewport.getCornerstoneImage());
      view.viewport.setProperties({ voiRange: presetRange(name, range, imageId) });
      view.preset = name;
      view.viewport.render();
      this.refresh(viewName);
    }
  }

  setTool(mode) {
    setToolMode(this.toolGroup, mode);
    this.tool = mode;
    this.callbacks.onChange();
  }

  refresh(name) {
    const view = this.views[name];
    const { viewport, stack } = view;
    view.overlay.update({
      seriesLabel: stack?.label,
      index: stack ? viewport.getCurrentImageIdIndex() : 0,
      count: stack?.imageIds.length ?? 0,
      window: stack ? viewport.getProperties().voiRange : null,
    });
    this.callbacks.onChange();
  }

  state() {
    const viewState = (name) => {
      const { viewport, stack, preset } = this.views[name];
      if (!stack) {
        return { label: null, index: -1, count: 0, voi: null, sopInstanceUid: null, preset };
      }
      const index = viewport.getCurrentImageIdIndex();
      const { lower, upper } = viewport.getProperties().voiRange ?? {};
      return {
        label: stack.label,
        index,
        count: stack.imageIds.length,
        voi: { lower, upper },
        sopInstanceUid: stack.sopInstanceUids[index],
        preset,
        zoom: viewport.getZoom(),
      };
    };
    return {
      sagittal: viewState('sagittal'),
      axial: viewState('axial'),
      tool: this.tool,
      referenceLines: this.referenceLinesOn,
      marks: [...this.marks.keys()]
        .map((id) => csAnnotation.state.getAnnotation(id))
        .filter(Boolean)
        .map((annotation) => ({
          ...this.markOf(annotation),
          locked: Boolean(annotation.isLocked),
          visible: annotation.isVisible !== false,
        })),
    };
  }

  /**
   * Client (CSS pixel) position of an image pixel on the viewport's current image, for tests
   * that must click a known pixel. Image coordinates use the marks' convention.
   */
  pixelToClient(viewportName, imageXY) {
    const { viewport } = this.views[viewportName];
    const [x, y] = viewport.worldToCanvas(imageToPatient(viewport.getCurrentImageId(), imageXY));
    const rect = viewport.canvas.getBoundingClientRect();
    return [rect.left + x, rect.top + y];
  }

  // ---- marks ----

  /** Draw a saved mark (a reader's draft, or a locked AI mark) on its image. */
  async addMark(mark) {
    const { imageId } = await this.findInstance(mark.sopInstanceUid);
    const id = String(mark.id);
    this.removeMark(id);
    const annotation = annotationFromMark({ ...mark, id }, imageId);
    csAnnotation.state.addAnnotation(annotation, annotation.metadata.FrameOfReferenceUID);
    csAnnotation.locking.setAnnotationLocked(id, Boolean(mark.locked));
    csAnnotation.visibility.setAnnotationVisibility(id, mark.visible !== false);
    this.marks.set(id, { color: mark.color, locked: Boolean(mark.locked) });
    setMarkStyle(id, { color: mark.color });
    if (!mark.locked) {
      // The reader may move a restored draft; that is reported like a new drawing.
      this.reported.set(id, pointsKey(annotation));
    }
    this.renderMarks();
  }

  removeMark(id) {
    const key = String(id);
    // Forget it first: removal by the page is not reported back through onMarkRemoved.
    this.reported.delete(key);
    this.marks.delete(key);
    if (csAnnotation.state.getAnnotation(key)) {
      csAnnotation.state.removeAnnotation(key);
      setMarkStyle(key, {});
      this.renderMarks();
    }
  }

  setMarksVisible(ids, visible) {
    for (const id of ids) {
      if (this.marks.has(String(id))) {
        csAnnotation.visibility.setAnnotationVisibility(String(id), visible);
      }
    }
    this.renderMarks();
  }

  highlightMarks(ids) {
    const wanted = new Set(ids.map(String));
    for (const [id, { color }] of this.marks) {
      setMarkStyle(id, { color, highlighted: wanted.has(id) });
    }
    this.renderMarks();
  }

  renderMarks() {
    toolUtils.triggerAnnotationRenderForViewportIds(Object.values(IDS.viewports));
  }

  markOf(annotation) {
    const sopInstanceUid = this.imageIndex.get(annotation.metadata.referencedImageId);
    return markFromAnnotation(annotation, sopInstanceUid);
  }

  reportDrawn(annotation) {
    this.reported.set(annotation.annotationUID, pointsKey(annotation));
    this.callbacks.onMarkDrawn(this.markOf(annotation));
  }

  deleteSelectedMarks() {
    for (const id of csAnnotation.selection.getAnnotationsSelected()) {
      const annotation = csAnnotation.state.getAnnotation(id);
      if (isMarkAnnotation(annotation) && !annotation.isLocked) {
        // The ANNOTATION_REMOVED listener reports it.
        csAnnotation.state.removeAnnotation(id);
      }
    }
    this.renderMarks();
  }

  // ---- events ----

  listen(target, type, handler) {
    target.addEventListener(type, handler);
    this.listeners.push(() => target.removeEventListener(type, handler));
  }

  nextRender(element) {
    return new Promise((resolve) => {
      element.addEventListener(Enums.Events.IMAGE_RENDERED, () => resolve(), { once: true });
    });
  }

  wireEvents() {
    const ToolEvents = ToolEnums.Events;
    this.listen(eventTarget, ToolEvents.ANNOTATION_COMPLETED, ({ detail }) => {
      const { annotation } = detail;
      const id = annotation?.annotationUID;
      // A point dropped outside the image is removed again before this event arrives.
      if (isMarkAnnotation(annotation) && csAnnotation.state.getAnnotation(id)) {
        this.marks.set(id, { locked: false });
        this.reportDrawn(annotation);
      }
    });
    this.listen(eventTarget, ToolEvents.ANNOTATION_REMOVED, ({ detail }) => {
      const id = detail.annotation?.annotationUID;
      // Only marks the reader owns: the Delete key, or a handle dragged off the image.
      if (this.reported.has(id)) {
        this.reported.delete(id);
        this.marks.delete(id);
        this.callbacks.onMarkRemoved(id);
      }
    });

    for (const name of VIEWPORT_NAMES) {
      const { element } = this.views[name];
      element.classList.add('rs-viewer-viewport');
      element.tabIndex = 0;
      this.listen(element, 'pointerdown', () => element.focus({ preventScroll: true }));
      // Right drag zooms; the browser's context menu would interrupt it.
      this.listen(element, 'contextmenu', (event) => event.preventDefault());
      this.listen(element, 'keydown', (event) => this.onKeyDown(name, event));
      this.listen(element, Enums.Events.STACK_NEW_IMAGE, () => this.refresh(name));
      this.listen(element, Enums.Events.VOI_MODIFIED, () => this.refresh(name));
      // Moving or resizing an existing mark fires no "completed" event; compare on release,
      // which cornerstone reports as a click when it comes within 200 ms of the press.
      this.listen(element, ToolEvents.MOUSE_UP, () => this.reportMovedMarks());
      this.listen(element, ToolEvents.MOUSE_CLICK, () => this.reportMovedMarks());
    }

    let pending = 0;
    this.resizeObserver = new ResizeObserver(() => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => this.engine.resize(true, true));
    });
    for (const name of VIEWPORT_NAMES) {
      this.resizeObserver.observe(this.views[name].element);
    }
  }

  reportMovedMarks() {
    for (const [id, key] of this.reported) {
      const annotation = csAnnotation.state.getAnnotation(id);
      if (annotation && pointsKey(annotation) !== key) {
        this.reportDrawn(annotation);
      }
    }
  }

  onKeyDown(name, event) {
    const actions = {
      ArrowUp: () => this.scrollBy(name, -1),
      ArrowDown: () => this.scrollBy(name, 1),
      PageUp: () => this.scrollBy(name, -PAGE_STEP),
      PageDown: () => this.scrollBy(name, PAGE_STEP),
      Home: () => this.scrollBy(name, -Infinity),
      End: () => this.scrollBy(name, Infinity),
      Delete: () => this.deleteSelectedMarks(),
      Backspace: () => this.deleteSelectedMarks(),
    };
    const action = actions[event.key];
    if (action && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault(); // keep the page from scrolling
      action();
    }
  }

  destroy() {
    this.resizeObserver.disconnect();
    this.listeners.forEach((remove) => remove());
    this.listeners = [];
    for (const name of VIEWPORT_NAMES) {
      const { element, overlay } = this.views[name];
      toolUtils.stackPrefetch.disable(element);
      overlay.remove();
      element.classList.remove('rs-viewer-viewport');
    }
    // Annotations live in cornerstone's global state; a next viewer must start clean.
    csAnnotation.state.removeAllAnnotations();
    destroyToolGroup();
    this.engine.destroy();
    // The engine leaves its last frame behind in the page's elements.
    for (const name of VIEWPORT_NAMES) {
      this.views[name].element.querySelector(':scope > .viewport-element')?.remove();
    }
  }
}

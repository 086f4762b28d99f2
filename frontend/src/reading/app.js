// The reading page: loads the case payload, puts the viewer, the grid and the panels on the
// page, and turns what the reader does into autosaved drafts and one submission.

import { ApiError, OfflineError, getJson, postJson } from '../api.js';
import { createViewer } from '../viewer/index.js';
import { backupKey, createAutosave, newestDraft } from './autosave.js';
import { createGrid } from './grid.js';
import { renderAi, renderMarks } from './panels.js';
import { completeness, gridShape } from './protocol.js';
import { createActiveTimer } from './timing.js';

const SAVE_LABELS = {
  saved: 'All changes saved',
  saving: 'Saving…',
  unsaved: 'Unsaved changes',
  offline: 'Offline: changes kept on this computer',
  error: 'Not saved',
  submitted: 'Submitted',
};

function layout(root) {
  root.innerHTML = `
    <div class="rs-app">
      <header class="rs-bar">
        <a class="back" data-worklist>← Worklist</a>
        <span class="case" data-case></span>
        <span class="save-state" data-save-state role="status" aria-live="polite"></span>
        <span class="timer" data-timer title="Active reading time"></span>
        <button type="button" class="primary" data-submit title="Submit (Ctrl+Enter)">Submit</button>
      </header>
      <div class="rs-main">
        <section class="rs-viewers">
          <div class="rs-toolbar">
            <span class="group" data-series="sagittal"></span>
            <span class="group" data-series="axial"></span>
            <span class="group tools">
              <button type="button" data-tool="none" title="Window/level (Esc)">W/L</button>
              <button type="button" data-tool="point" title="Point mark (P)">Point</button>
              <button type="button" data-tool="box" title="Box mark (B)">Box</button>
            </span>
            <span class="group"><select data-preset title="Window preset"></select>
              <button type="button" data-reset title="Reset view (R)">Reset</button></span>
          </div>
          <div class="rs-viewports">
            <div class="vp" data-viewport="sagittal"></div>
            <div class="vp" data-viewport="axial"></div>
          </div>
        </section>
        <aside class="rs-panel">
          <div data-banner class="banner" hidden></div>
          <div data-grid></div>
          <div data-marks class="marks-panel"></div>
          <div data-ai class="ai-panel" hidden></div>
          <div data-message class="message" role="alert"></div>
        </aside>
      </div>
    </div>`;
  const $ = (selector) => root.querySelector(selector);
  return { $, root };
}

export async function startReading(root, urls) {
  const { $ } = layout(root);
  const payload = await getJson(urls.assignment);
  const protocol = payload.protocol;
  const shape = gridShape(protocol);
  const readOnly = payload.status === 'submitted';

  let grades = {};
  let marks = [];
  let activeSite = null;
  if (readOnly) {
    for (const g of payload.submitted.grades) grades[g.site] = g.grade === null ? 'na' : g.grade;
    marks = payload.submitted.marks.map((m, i) => ({ ...m, id: `read-${i}` }));
    localStorage.removeItem(backupKey(urls.code));
  } else {
    const { draft, fromBackup } = newestDraft(urls.code, payload.draft);
    if (draft) {
      grades = { ...(draft.grades || {}) };
      marks = [...(draft.marks || [])];
      activeSite = draft.active_site || null;
    }
    if (fromBackup) queueMicrotask(() => changed()); // send what never reached the server
  }

  $('[data-worklist]').href = urls.worklist;
  $('[data-case]').textContent =
    `Case ${payload.code} · session ${payload.session} ` +
    `${payload.arm === 'ai_assisted' ? 'AI-assisted' : 'unaided'} · #${payload.position}`;

  const timer = createActiveTimer(payload.active_seconds || 0);
  let saveState = readOnly ? 'submitted' : 'saved';
  const showSaveState = (name, detail) => {
    saveState = name;
    const el = $('[data-save-state]');
    el.textContent = SAVE_LABELS[name] + (detail ? ` (${detail})` : '');
    el.dataset.state = name;
  };
  showSaveState(saveState);
  const autosave = readOnly
    ? null
    : createAutosave({
        url: urls.draft,
        code: urls.code,
        activeSeconds: () => timer.seconds(),
        onState: showSaveState,
      });

  const message = (text, kind = 'error') => {
    const el = $('[data-message]');
    el.textContent = text || '';
    el.dataset.kind = kind;
  };

  let viewer = null; // callbacks may fire while it is being created
  viewer = await createViewer({
    sagittalElement: $('[data-viewport="sagittal"]'),
    axialElement: $('[data-viewport="axial"]'),
    studyInstanceUid: payload.study_instance_uid,
    dicomwebRoot: payload.dicomweb_root,
    series: payload.series,
    fetchJson: getJson,
    onMarkDrawn: (mark) => {
      if (readOnly) {
        viewer.removeMark(mark.id);
        return;
      }
      // A mark moved after drawing (or restored from a draft) keeps its id and its site.
      const existing = marks.find((m) => m.id === mark.id);
      const stored = {
        id: mark.id,
        site: existing ? existing.site : grid.active.code,
        kind: mark.kind,
        sop_instance_uid: mark.sopInstanceUid,
        frame: mark.frame,
        image_xy: mark.imageXY,
        box_xyxy: mark.boxXYXY,
      };
      marks = existing ? marks.map((m) => (m.id === mark.id ? stored : m)) : [...marks, stored];
      changed();
    },
    onMarkRemoved: (id) => {
      if (!marks.some((m) => m.id === id)) return;
      marks = marks.filter((m) => m.id !== id);
      changed();
    },
    onChange: () => viewer && renderToolbar(),
  });

  for (const mark of marks) {
    await viewer.addMark({
      id: mark.id,
      kind: mark.kind,
      sopInstanceUid: mark.sop_instance_uid,
      frame: mark.frame,
      imageXY: mark.image_xy,
      boxXYXY: mark.box_xyxy,
      locked: readOnly,
    });
  }

  // The AI overlay exists only when the server sent one (AI-assisted sessions).
  const ai = payload.ai_output;
  let aiVisible = Boolean(ai);
  const aiIds = [];
  for (const [i, mark] of (ai?.marks || []).entries()) {
    const id = `ai-${i}`;
    aiIds.push(id);
    await viewer.addMark({
      id,
      kind: mark.kind,
      sopInstanceUid: mark.sop_instance_uid,
      frame: mark.frame,
      imageXY: mark.image_xy,
      boxXYXY: mark.box_xyxy,
      color: '#f5a623',
      locked: true,
      visible: aiVisible,
    });
  }
  const setAiVisible = (visible) => {
    aiVisible = visible;
    viewer.setMarksVisible(aiIds, visible);
    renderPanels();
  };

  const grid = createGrid($('[data-grid]'), {
    protocol,
    shape,
    readOnly,
    onSelect: (site) => {
      const label = site.region.series_label;
      const inView = [viewer.seriesOf('sagittal'), viewer.seriesOf('axial')];
      if (label && !inView.includes(label) && payload.series.some((s) => s.label === label)) {
        viewer.showSeries(label).then(renderToolbar);
      }
      renderPanels();
      if (!readOnly) autosave.save(draft());
    },
    onGrade: (site, value) => {
      if (value === undefined) delete grades[site.code];
      else grades[site.code] = value;
      changed();
      if (value !== undefined) grid.next();
    },
  });

  function draft() {
    return { version: 1, grades, marks, active_site: grid.active.code };
  }

  function changed() {
    grid.update(grades, marks);
    renderPanels();
    message('');
    autosave?.save(draft());
  }

  function renderPanels() {
    renderMarks($('[data-marks]'), {
      site: grid.active,
      marks,
      readOnly,
      onRemove: (mark) => {
        viewer.removeMark(mark.id);
        marks = marks.filter((m) => m.id !== mark.id);
        changed();
      },
      onShow: (mark) => viewer.jumpTo(mark.sop_instance_uid),
    });
    renderAi($('[data-ai]'), {
      ai,
      site: grid.active,
      protocol,
      visible: aiVisible,
      onToggle: setAiVisible,
      onShow: (mark) => {
        if (!aiVisible) setAiVisible(true);
        viewer.jumpTo(mark.sop_instance_uid).then(renderToolbar);
      },
    });
  }

  function renderToolbar() {
    for (const viewportName of ['sagittal', 'axial']) {
      const group = $(`[data-series="${viewportName}"]`);
      const current = viewer.seriesOf(viewportName);
      group.replaceChildren(
        ...viewer.labels(viewportName).map((label) => {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = label;
          button.className = label === current ? 'on' : '';
          button.addEventListener('click', () => viewer.showSeries(label).then(renderToolbar));
          return button;
        }),
      );
    }
    const tool = viewer.state().tool || 'none';
    for (const button of root.querySelectorAll('[data-tool]')) {
      button.classList.toggle('on', button.dataset.tool === tool);
      button.disabled = readOnly && button.dataset.tool !== 'none';
    }
  }

  const presetSelect = $('[data-preset]');
  for (const name of viewer.presets()) presetSelect.add(new Option(name, name));
  presetSelect.addEventListener('change', () => viewer.setPreset(presetSelect.value));
  $('[data-reset]').addEventListener('click', () => viewer.reset());
  for (const button of root.querySelectorAll('[data-tool]')) {
    button.addEventListener('click', () => {
      viewer.setTool(button.dataset.tool);
      renderToolbar();
    });
  }

  async function submit() {
    if (readOnly) return;
    const missing = completeness(protocol, shape, grades, marks);
    if (!missing.complete) {
      const parts = [];
      if (missing.ungraded.length) parts.push(`${missing.ungraded.length} site(s) not graded`);
      if (missing.needMark.length) parts.push(`marks required on ${missing.needMark.join(', ')}`);
      message(`Not yet complete: ${parts.join('; ')}.`);
      grid.select(missing.ungraded[0] || missing.needMark[0]);
      return;
    }
    const body = {
      grades: shape.sites.map((s) => ({
        site: s.code,
        grade: grades[s.code] === 'na' ? null : grades[s.code],
      })),
      marks: marks.map(({ site, kind, sop_instance_uid, frame, image_xy, box_xyxy }) => ({
        site,
        kind,
        sop_instance_uid,
        frame,
        image_xy,
        box_xyxy: kind === 'box' ? box_xyxy : null,
      })),
      active_seconds: Math.round(timer.seconds() * 10) / 10,
    };
    const button = $('[data-submit]');
    button.disabled = true;
    message('Submitting…', 'info');
    try {
      const { data } = await postJson(urls.submit, body);
      autosave.stop();
      localStorage.removeItem(backupKey(urls.code));
      showSaveState('submitted');
      window.location.assign(data.next ? urls.read(data.next) : urls.worklist);
    } catch (error) {
      button.disabled = false;
      if (error instanceof OfflineError) {
        message('The server cannot be reached: nothing was submitted. Your grades are kept; try again.');
      } else if (error instanceof ApiError) {
        const fields = Object.values(error.fields).flat().join(' ');
        message(`${error.message} ${fields}`.trim());
      } else {
        throw error;
      }
    }
  }

  $('[data-submit]').hidden = readOnly;
  $('[data-submit]').addEventListener('click', submit);
  if (readOnly) {
    const banner = $('[data-banner]');
    banner.hidden = false;
    banner.textContent = 'Submitted: this read is read-only.';
  }

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.target.closest?.('input, select, textarea')) return;
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      submit();
    } else if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    } else if ((event.key === 'p' || event.key === 'P') && !readOnly) {
      viewer.setTool('point');
    } else if ((event.key === 'b' || event.key === 'B') && !readOnly) {
      viewer.setTool('box');
    } else if (event.key === 'Escape') {
      viewer.setTool('none');
    } else if (event.key === 'r' || event.key === 'R') {
      viewer.reset();
    } else if ((event.key === 'a' || event.key === 'A') && ai) {
      setAiVisible(!aiVisible);
    } else {
      return;
    }
    renderToolbar();
    event.preventDefault();
  });

  window.addEventListener('beforeunload', (event) => {
    if (autosave?.hasUnsaved) event.preventDefault(); // the local copy survives anyway
  });
  setInterval(() => {
    const s = Math.round(timer.seconds());
    $('[data-timer]').textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }, 1000);

  if (activeSite) grid.select(activeSite);
  grid.update(grades, marks);
  renderPanels();
  renderToolbar();
  grid.focus();

  return {
    viewer,
    grid,
    submit,
    state: () => ({
      code: payload.code,
      status: readOnly ? 'submitted' : payload.status,
      arm: payload.arm,
      grades: { ...grades },
      marks: marks.map((m) => ({ ...m })),
      activeSite: grid.active.code,
      saveState,
      activeSeconds: timer.seconds(),
      ai: ai ? { visible: aiVisible, marks: aiIds.length, grades: ai.grades.length } : null,
      viewer: viewer.state(),
    }),
  };
}

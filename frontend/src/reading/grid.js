// The grading grid: levels × region-sides, keyboard first. Arrows and Tab move between cells,
// 0–3 grade the active cell, N marks it not assessable, Delete clears it. The grid only
// reports what the reader did; the app decides what to store.

import { markRequired } from './protocol.js';

const NA = 'na';

export function createGrid(container, { protocol, shape, readOnly, onSelect, onGrade }) {
  const cells = new Map();
  let active = shape.sites[0];
  let grades = {};
  let marks = [];

  const table = document.createElement('table');
  table.className = 'grid';
  table.tabIndex = 0;
  table.setAttribute('role', 'grid');
  table.setAttribute('aria-label', 'Grading grid');
  const head = table.createTHead().insertRow();
  head.appendChild(document.createElement('th'));
  for (const column of shape.columns) {
    const th = document.createElement('th');
    th.textContent = column.label;
    th.title = column.region.help_text || '';
    head.appendChild(th);
  }
  const body = table.createTBody();
  shape.levels.forEach((level, row) => {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.textContent = level;
    th.scope = 'row';
    tr.appendChild(th);
    for (const site of shape.sites.filter((s) => s.row === row)) {
      const td = tr.insertCell();
      td.dataset.site = site.code;
      td.setAttribute('role', 'gridcell');
      td.addEventListener('pointerdown', () => select(site));
      cells.set(site.code, td);
    }
  });
  container.appendChild(table);

  const help = document.createElement('div');
  help.className = 'grid-help';
  container.appendChild(help);

  function gradeLabel(value) {
    if (value === NA) return 'NA';
    return value === undefined ? '' : String(value);
  }

  function renderCell(site) {
    const td = cells.get(site.code);
    const value = grades[site.code];
    const count = marks.filter((m) => m.site === site.code).length;
    const needsMark = markRequired(protocol, value) && count === 0;
    td.textContent = gradeLabel(value);
    if (count) {
      const badge = document.createElement('span');
      badge.className = 'marks-badge';
      badge.textContent = `◆${count > 1 ? count : ''}`;
      badge.title = `${count} mark${count > 1 ? 's' : ''}`;
      td.appendChild(badge);
    }
    td.className = [
      value === undefined ? 'empty' : 'graded',
      value === NA ? 'na' : `g${value}`,
      needsMark ? 'needs-mark' : '',
      site === active ? 'active' : '',
    ].join(' ');
    td.setAttribute('aria-selected', site === active ? 'true' : 'false');
    td.title = needsMark ? 'A mark is required for this grade' : '';
  }

  function renderHelp() {
    const region = active.region;
    const definitions = protocol.scale
      .map((g) => {
        const text = region.grade_definitions?.[String(g.value)] || '';
        const current = grades[active.code] === g.value ? ' class="current"' : '';
        return `<li${current}><kbd>${g.value}</kbd> <b>${g.label}</b> ${escapeHtml(text)}</li>`;
      })
      .join('');
    const na = protocol.allow_not_assessable
      ? `<li${grades[active.code] === NA ? ' class="current"' : ''}><kbd>N</kbd> <b>not assessable</b></li>`
      : '';
    help.innerHTML =
      `<h3>${escapeHtml(active.level)} · ${escapeHtml(region.label)}` +
      `${active.side ? ` (${active.side})` : ''} <small>on ${escapeHtml(region.series_label)}</small></h3>` +
      `<p>${escapeHtml(region.help_text || '')}</p><ul>${definitions}${na}</ul>`;
  }

  function render() {
    for (const site of shape.sites) renderCell(site);
    renderHelp();
  }

  function select(site) {
    if (!site) return;
    active = site;
    render();
    onSelect?.(site);
  }

  function move(dRow, dCol) {
    const row = Math.min(Math.max(active.row + dRow, 0), shape.levels.length - 1);
    const col = Math.min(Math.max(active.col + dCol, 0), shape.columns.length - 1);
    select(shape.sites.find((s) => s.row === row && s.col === col));
  }

  function step(delta) {
    const index = shape.sites.indexOf(active) + delta;
    if (index >= 0 && index < shape.sites.length) select(shape.sites[index]);
  }

  table.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[key]) {
      move(...moves[key]);
    } else if (key === 'Tab') {
      const index = shape.sites.indexOf(active) + (event.shiftKey ? -1 : 1);
      if (index < 0 || index >= shape.sites.length) return; // leave the grid
      step(event.shiftKey ? -1 : 1);
    } else if (readOnly) {
      return;
    } else if (protocol.scale.some((g) => String(g.value) === key)) {
      onGrade?.(active, Number(key));
    } else if ((key === 'n' || key === 'N') && protocol.allow_not_assessable) {
      onGrade?.(active, NA);
    } else if (key === 'Delete' || key === 'Backspace') {
      onGrade?.(active, undefined);
    } else {
      return;
    }
    event.preventDefault();
  });

  return {
    element: table,
    get active() {
      return active;
    },
    select: (code) => select(shape.sites.find((s) => s.code === code)),
    next: () => step(1),
    focus: () => table.focus(),
    update(nextGrades, nextMarks) {
      grades = nextGrades;
      marks = nextMarks;
      render();
    },
  };
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

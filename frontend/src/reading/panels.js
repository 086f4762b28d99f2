// Side panels beside the grid: the active cell's marks (removable), the AI read (AI-assisted
// sessions only) and messages.

import { escapeHtml } from './grid.js';

export function renderMarks(container, { site, marks, readOnly, onRemove, onShow }) {
  const mine = marks.filter((m) => m.site === site.code);
  container.innerHTML =
    `<h3>Marks · ${escapeHtml(site.code)}</h3>` +
    (mine.length
      ? ''
      : `<p class="hint">${readOnly ? 'None.' : 'Press <kbd>P</kbd> (point) or <kbd>B</kbd> (box), then click the image.'}</p>`);
  const list = document.createElement('ul');
  list.className = 'mark-list';
  mine.forEach((mark, index) => {
    const li = document.createElement('li');
    const [col, row] = mark.image_xy.map((v) => v.toFixed(1));
    li.innerHTML = `<button type="button" class="link">${mark.kind} ${index + 1}</button> <small>(${col}, ${row})</small>`;
    li.querySelector('button').addEventListener('click', () => onShow(mark));
    if (!readOnly) {
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'remove';
      remove.title = 'Remove this mark';
      remove.textContent = '×';
      remove.addEventListener('click', () => onRemove(mark));
      li.appendChild(remove);
    }
    list.appendChild(li);
  });
  container.appendChild(list);
}

export function renderAi(container, { ai, site, protocol, visible, onToggle, onShow }) {
  if (!ai) {
    container.hidden = true;
    return;
  }
  container.hidden = false;
  const label = (value) => protocol.scale.find((g) => g.value === value)?.label ?? 'not assessable';
  const grade = ai.grades.find((g) => g.site === site.code);
  const probabilities = grade?.probabilities
    ? `<table class="probs"><tr>${protocol.scale.map((g) => `<th>${g.value}</th>`).join('')}</tr>` +
      `<tr>${grade.probabilities.map((p) => `<td>${(p * 100).toFixed(0)}%</td>`).join('')}</tr></table>`
    : '';
  container.innerHTML =
    `<h3>AI read <small>${escapeHtml(ai.model.name)} ${escapeHtml(ai.model.version || '')}` +
    `${ai.simulated ? ' · simulated' : ''}</small></h3>` +
    `<label><input type="checkbox" ${visible ? 'checked' : ''}> Show AI marks <kbd>A</kbd></label>` +
    `<p>${escapeHtml(site.code)}: <b>${grade ? `${grade.grade ?? 'NA'} ${escapeHtml(label(grade.grade))}` : '—'}</b></p>` +
    probabilities +
    '<p class="ai-marks"></p>' +
    '<p class="hint">Suggestions only: your grid is never filled in for you.</p>';
  container.querySelector('input').addEventListener('change', (e) => onToggle(e.target.checked));
  const links = container.querySelector('.ai-marks');
  ai.marks
    .filter((mark) => mark.site === site.code)
    .forEach((mark, index) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.textContent = `Go to AI ${mark.kind} ${index + 1}`;
      button.addEventListener('click', () => onShow(mark));
      links.appendChild(button);
    });
}

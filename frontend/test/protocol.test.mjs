// Unit tests of the grid's shape and the submit check, with Node's own test runner
// (`npm test`); the browser tests in tests/e2e cover the page as a whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { completeness, gridShape, markRequired } from '../src/reading/protocol.js';

const protocol = {
  levels: ['L4-L5', 'L5-S1'],
  regions: [
    { code: 'canal', label: 'Central canal', sides: [], series_label: 'AX T2' },
    { code: 'foramen', label: 'Neural foramen', sides: ['left', 'right'], series_label: 'SAG T1' },
  ],
  scale: [0, 1, 2, 3].map((value) => ({ value, label: String(value) })),
  marks_required_from_grade: 2,
  allow_not_assessable: true,
};

test('the grid has a row per level and a column per region side, with the API site codes', () => {
  const shape = gridShape(protocol);
  assert.deepEqual(
    shape.columns.map((c) => c.key),
    ['canal', 'foramen/left', 'foramen/right'],
  );
  assert.deepEqual(
    shape.sites.map((s) => s.code),
    [
      'L4-L5/canal',
      'L4-L5/foramen/left',
      'L4-L5/foramen/right',
      'L5-S1/canal',
      'L5-S1/foramen/left',
      'L5-S1/foramen/right',
    ],
  );
  assert.deepEqual(shape.sites[4], { ...shape.sites[4], row: 1, col: 1, side: 'left' });
});

test('marks are required from the protocol grade on, never for not assessable', () => {
  assert.equal(markRequired(protocol, 1), false);
  assert.equal(markRequired(protocol, 2), true);
  assert.equal(markRequired(protocol, 'na'), false);
  assert.equal(markRequired({ ...protocol, marks_required_from_grade: 0 }, 0), true);
});

test('submission waits for every site and every required mark', () => {
  const shape = gridShape(protocol);
  const grades = Object.fromEntries(shape.sites.map((s) => [s.code, 0]));
  assert.equal(completeness(protocol, shape, grades, []).complete, true);
  delete grades['L5-S1/canal'];
  grades['L4-L5/canal'] = 3;
  const missing = completeness(protocol, shape, grades, []);
  assert.deepEqual(missing, {
    ungraded: ['L5-S1/canal'],
    needMark: ['L4-L5/canal'],
    complete: false,
  });
  grades['L5-S1/canal'] = 'na';
  const marks = [{ site: 'L4-L5/canal' }];
  assert.equal(completeness(protocol, shape, grades, marks).complete, true);
});

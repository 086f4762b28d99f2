// The grading grid's shape, derived from the protocol JSON the server sends: rows are levels,
// columns are region-sides, a cell is a site with the code the API uses ("L4-L5/foramen/left").

export function gridShape(protocol) {
  const columns = [];
  for (const region of protocol.regions) {
    const sides = region.sides.length ? region.sides : [''];
    for (const side of sides) {
      columns.push({
        region,
        side,
        key: side ? `${region.code}/${side}` : region.code,
        label: side ? `${region.label} ${side === 'left' ? 'L' : 'R'}` : region.label,
      });
    }
  }
  const sites = [];
  protocol.levels.forEach((level, row) => {
    columns.forEach((column, col) => {
      sites.push({
        code: `${level}/${column.key}`,
        level,
        row,
        col,
        region: column.region,
        side: column.side,
      });
    });
  });
  return { levels: protocol.levels, columns, sites, scale: protocol.scale };
}

/** Does this grade need a mark under the protocol (0 means every site, Hallinan-style)? */
export function markRequired(protocol, grade) {
  const from = protocol.marks_required_from_grade;
  if (grade === null || grade === undefined || grade === 'na') return false;
  return from === 0 || grade >= from;
}

/** What still blocks submission: ungraded sites and required marks that are missing. */
export function completeness(protocol, shape, grades, marks) {
  const marked = new Set(marks.map((m) => m.site));
  const ungraded = shape.sites.filter((s) => !(s.code in grades)).map((s) => s.code);
  const needMark = shape.sites
    .filter((s) => s.code in grades && markRequired(protocol, grades[s.code]) && !marked.has(s.code))
    .map((s) => s.code);
  return { ungraded, needMark, complete: !ungraded.length && !needMark.length };
}

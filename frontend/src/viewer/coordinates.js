// Patient (world, LPS mm) ↔ image coordinates for one image, in the DICOM pixel-index convention:
// (0, 0) is the CENTRE of the first pixel, x = column, y = row. Cornerstone's own
// worldToImageCoords puts (0, 0) at the outer corner of the first pixel (handbook §3.5) and, in
// 5.14, scales along the row direction by the row spacing (PixelSpacing[0]) instead of the column
// spacing, which is only right for square pixels. These functions follow DICOM PS3.3 C.7.6.2.1.1.
import { metaData } from '@cornerstonejs/core';

function plane(imageId) {
  const module = metaData.get('imagePlaneModule', imageId);
  if (!module?.imagePositionPatient || !module.rowCosines || !module.columnCosines) {
    throw new Error(`No image plane metadata for ${imageId}`);
  }
  return {
    origin: module.imagePositionPatient,
    rowDirection: module.rowCosines, // along a row: increasing column index
    columnDirection: module.columnCosines, // down a column: increasing row index
    columnSpacing: module.columnPixelSpacing || 1, // PixelSpacing[1], between columns
    rowSpacing: module.rowPixelSpacing || 1, // PixelSpacing[0], between rows
    columns: module.columns,
    rows: module.rows,
  };
}

/** [x, y] pixel indices (centre convention) → [x, y, z] patient LPS mm. */
export function imageToPatient(imageId, [x, y]) {
  const p = plane(imageId);
  const alongRow = x * p.columnSpacing;
  const downColumn = y * p.rowSpacing;
  return [0, 1, 2].map(
    (i) => p.origin[i] + alongRow * p.rowDirection[i] + downColumn * p.columnDirection[i]
  );
}

/** [x, y, z] patient LPS mm → [x, y] pixel indices (centre convention) on the image plane. */
export function patientToImage(imageId, world) {
  const p = plane(imageId);
  const d = [0, 1, 2].map((i) => world[i] - p.origin[i]);
  const along = (v) => d[0] * v[0] + d[1] * v[1] + d[2] * v[2];
  return [along(p.rowDirection) / p.columnSpacing, along(p.columnDirection) / p.rowSpacing];
}

/** Whether an image position lies on the image (pixel edges included). */
export function isInsideImage(imageId, [x, y]) {
  const { columns, rows } = plane(imageId);
  return x >= -0.5 && y >= -0.5 && x <= columns - 0.5 && y <= rows - 0.5;
}

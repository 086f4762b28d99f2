// Marks ↔ cornerstone annotations. A mark is what the app stores:
//   {id, kind: 'point'|'box', sopInstanceUid, frame: 1, imageXY: [col, row],
//    boxXYXY: [c0, r0, c1, r1] | null, patientLPS: [x, y, z]}
// with image coordinates as DICOM pixel indices, (0, 0) = centre of the first pixel.
import { metaData } from '@cornerstonejs/core';
import { annotation as csAnnotation, RectangleROITool } from '@cornerstonejs/tools';

import { imageToPatient, patientToImage } from './coordinates.js';
import { KIND_BY_TOOL_NAME, PointTool } from './tools.js';

const TOOL_BY_KIND = { point: PointTool, box: RectangleROITool };

// Fractions of a pixel or millimetre below this are noise from the float round trips.
const round = (value) => Math.round(value * 1000) / 1000;

export function isMarkAnnotation(annotation) {
  return Boolean(annotation && KIND_BY_TOOL_NAME[annotation.metadata?.toolName]);
}

/** The mark an annotation drawn by the user stands for. */
export function markFromAnnotation(annotation, sopInstanceUid) {
  const kind = KIND_BY_TOOL_NAME[annotation.metadata.toolName];
  const imageId = annotation.metadata.referencedImageId;
  const corners = annotation.data.handles.points.map((p) => patientToImage(imageId, p));
  let imageXY = corners[0];
  let boxXYXY = null;
  if (kind === 'box') {
    const xs = corners.map((c) => c[0]);
    const ys = corners.map((c) => c[1]);
    boxXYXY = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].map(round);
    imageXY = [(boxXYXY[0] + boxXYXY[2]) / 2, (boxXYXY[1] + boxXYXY[3]) / 2];
  }
  return {
    id: annotation.annotationUID,
    kind,
    sopInstanceUid,
    frame: 1,
    imageXY: imageXY.map(round),
    boxXYXY,
    patientLPS: imageToPatient(imageId, imageXY).map(round),
  };
}

/** A cornerstone annotation drawing a saved mark on the image it references. */
export function annotationFromMark(mark, imageId) {
  const Tool = TOOL_BY_KIND[mark.kind];
  if (!Tool) {
    throw new Error(`Unknown mark kind "${mark.kind}"; expected "point" or "box"`);
  }
  let imagePoints;
  if (mark.kind === 'point') {
    imagePoints = [mark.imageXY];
  } else {
    const [c0, r0, c1, r1] = mark.boxXYXY;
    // RectangleROI keeps four corners with 0 and 3 diagonal: start, (end.x, start.y),
    // (start.x, end.y), end.
    imagePoints = [
      [c0, r0],
      [c1, r0],
      [c0, r1],
      [c1, r1],
    ];
  }
  return Tool.createAnnotation({
    annotationUID: String(mark.id),
    highlighted: false,
    invalidated: true,
    isLocked: Boolean(mark.locked),
    isVisible: mark.visible !== false,
    metadata: {
      FrameOfReferenceUID: metaData.get('imagePlaneModule', imageId)?.frameOfReferenceUID,
      referencedImageId: imageId,
    },
    data: { handles: { points: imagePoints.map((p) => imageToPatient(imageId, p)) } },
  });
}

/** Per-mark colour (in every state, so a locked AI mark keeps its colour) and highlight. */
export function setMarkStyle(annotationUID, { color, highlighted = false }) {
  const style = highlighted ? { lineWidth: 3 } : {};
  if (color) {
    for (const state of ['', 'Highlighted', 'Selected', 'Locked']) {
      style[`color${state}`] = color;
    }
  }
  csAnnotation.config.style.setAnnotationStyles(annotationUID, style);
}

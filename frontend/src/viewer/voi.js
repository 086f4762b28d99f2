// Window presets for MR. MR signal has no absolute scale (unlike CT Hounsfield units), so the fixed
// presets are fractions of the series' own pixel range, taken from the image shown when the
// series was first displayed.
import { metaData, utilities as csUtils } from '@cornerstonejs/core';

const PRESETS = {
  // What the scanner or PACS stored (first Window Center/Width pair), else the image's min–max.
  Auto: (range, imageId) => headerWindow(imageId) ?? range,
  'Full range': (range) => range,
  // Saturates fluid and fat so disc, nerve roots and muscle spread over the grey scale.
  'Low signal': (range) => fraction(range, 0, 0.45),
  // Drops the dark third so the detail inside CSF, fluid and fat stays visible.
  'High signal': (range) => fraction(range, 0.3, 1),
};

export const PRESET_NAMES = Object.keys(PRESETS);

function fraction({ lower, upper }, from, to) {
  const width = upper - lower;
  return { lower: lower + from * width, upper: lower + to * width };
}

function headerWindow(imageId) {
  const voi = metaData.get('voiLutModule', imageId);
  const center = [voi?.windowCenter].flat()[0];
  const width = [voi?.windowWidth].flat()[0];
  if (!Number.isFinite(center) || !Number.isFinite(width) || width <= 0) {
    return null;
  }
  // The DICOM linear VOI function (PS3.3 C.11.2.1.2), as cornerstone applies it by default.
  return csUtils.windowLevel.toLowHighRange(width, center);
}

/** The image's stored pixel range, for the fractional presets. */
export function pixelRangeOf(image) {
  const lower = image?.minPixelValue;
  const upper = image?.maxPixelValue;
  if (!Number.isFinite(lower) || !Number.isFinite(upper) || upper <= lower) {
    return null;
  }
  return { lower, upper };
}

/** The VOI range of a named preset. */
export function presetRange(name, pixelRange, imageId) {
  const preset = PRESETS[name];
  if (!preset) {
    throw new Error(`Unknown preset "${name}"; expected one of ${PRESET_NAMES.join(', ')}`);
  }
  return preset(pixelRange, imageId);
}

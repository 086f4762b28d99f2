// Series metadata → sorted cornerstone stacks (image IDs in display order).
import { wadors } from '@cornerstonejs/dicom-image-loader';

const TAG = {
  sopInstanceUid: '00080018',
  instanceNumber: '00200013',
  imagePositionPatient: '00200032',
  imageOrientationPatient: '00200037',
};

function tagValues(instance, tag) {
  return instance[tag]?.Value ?? [];
}

function cross(a, b) {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a, b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/**
 * Order instances by their position along the slice normal.
 *
 * InstanceNumber alone is not trustworthy (interleaved acquisitions, merged series,
 * renumbering by the blinding step), so geometry decides the order. The direction is then chosen
 * so that the lowest InstanceNumber comes first, which keeps the scanner's scrolling direction
 * ("Im 1" is the scanner's first slice) whenever the numbering agrees with the geometry.
 */
export function sortInstances(instances) {
  const entries = instances.map((instance) => ({
    instance,
    number: Number(tagValues(instance, TAG.instanceNumber)[0] ?? 0),
    position: tagValues(instance, TAG.imagePositionPatient).map(Number),
    orientation: tagValues(instance, TAG.imageOrientationPatient).map(Number),
  }));
  const reference = entries.find((e) => e.orientation.length === 6 && e.position.length === 3);
  if (!reference) {
    return entries.sort((a, b) => a.number - b.number).map((e) => e.instance);
  }
  const normal = cross(reference.orientation.slice(0, 3), reference.orientation.slice(3, 6));
  for (const entry of entries) {
    entry.depth = entry.position.length === 3 ? dot(entry.position, normal) : 0;
  }
  entries.sort((a, b) => a.depth - b.depth || a.number - b.number);
  if (entries.length > 1 && entries[0].number > entries[entries.length - 1].number) {
    entries.reverse();
  }
  return entries.map((e) => e.instance);
}

export function frameImageId(dicomwebRoot, studyUid, seriesUid, sopUid) {
  const instanceUrl = `${dicomwebRoot}/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}`;
  return `wadors:${instanceUrl}/frames/1`;
}

/**
 * Fetch a series' metadata, register every instance with the wadors loader and return the stack.
 *
 * @returns {Promise<{label: string, seriesInstanceUid: string, imageIds: string[],
 *   sopInstanceUids: string[]}>}
 */
export async function loadStack({ series, studyInstanceUid, dicomwebRoot, fetchJson }) {
  const instances = sortInstances(await fetchJson(series.metadata_url));
  const imageIds = [];
  const sopInstanceUids = [];
  for (const instance of instances) {
    const sopUid = tagValues(instance, TAG.sopInstanceUid)[0];
    const seriesUid = series.series_instance_uid;
    const imageId = frameImageId(dicomwebRoot, studyInstanceUid, seriesUid, sopUid);
    wadors.metaDataManager.add(imageId, instance);
    imageIds.push(imageId);
    sopInstanceUids.push(sopUid);
  }
  return {
    label: series.label,
    seriesInstanceUid: series.series_instance_uid,
    imageIds,
    sopInstanceUids,
  };
}

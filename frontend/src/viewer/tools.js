// Tool set-up as data: which tools exist, how they are bound, and the three marking modes.
import {
  annotation as csAnnotation,
  Enums as ToolEnums,
  PanTool,
  ProbeTool,
  RectangleROITool,
  ReferenceLinesTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';

import { isInsideImage, patientToImage } from './coordinates.js';

const { MouseBindings } = ToolEnums;

export const IDS = {
  renderingEngine: 'readerstudy-engine',
  toolGroup: 'readerstudy-tools',
  viewports: { sagittal: 'readerstudy-sagittal', axial: 'readerstudy-axial' },
};

/**
 * A point mark: ProbeTool's handle and interactions without its pixel sampling.
 *
 * ProbeTool samples the wrong image on stack viewports (the stack index ends up in k, so the value
 * is null on every slice but the first; handbook §3.6) and re-samples on every render while the
 * value stays null. A mark only needs its position, so sampling is replaced by a bounds check,
 * which is all preventHandleOutsideImage needs.
 */
export class PointTool extends ProbeTool {
  static toolName = 'ReaderStudyPoint';

  _calculateCachedStats(annotation) {
    const { referencedImageId } = annotation.metadata;
    const imageXY = patientToImage(referencedImageId, annotation.data.handles.points[0]);
    this.isHandleOutsideImage = !isInsideImage(referencedImageId, imageXY);
    annotation.invalidated = false;
    return annotation.data.cachedStats;
  }
}

// Registered globally once by bootstrap.js.
export const TOOL_CLASSES = [
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
  PanTool,
  PointTool,
  RectangleROITool,
  ReferenceLinesTool,
];

export const KIND_BY_TOOL_NAME = {
  [PointTool.toolName]: 'point',
  [RectangleROITool.toolName]: 'box',
};

// ReferenceLinesTool draws one source viewport's plane on the other viewports of its group, so
// lines in both directions need two instances, each with its own source.
const REFERENCE_LINES = {
  ReferenceLinesFromAxial: IDS.viewports.axial,
  ReferenceLinesFromSagittal: IDS.viewports.sagittal,
};

// Reference lines are always "highlighted", which cornerstone draws in the same green as a
// selected mark; a dashed blue keeps them apart from the reader's marks.
const REFERENCE_LINE_STYLE = {
  color: 'rgb(74, 144, 217)',
  colorHighlighted: 'rgb(74, 144, 217)',
  lineDash: '6,4',
};

// Both tools skip their text box when getTextLines returns nothing.
const noText = () => undefined;

// Tools always bound, whatever the marking mode.
const NAVIGATION_BINDINGS = [
  [StackScrollTool.toolName, MouseBindings.Wheel],
  [ZoomTool.toolName, MouseBindings.Secondary],
  [PanTool.toolName, MouseBindings.Auxiliary],
];

// Which tool owns the left button in each mode. The mark tools stay passive otherwise, so
// existing marks can still be selected, moved and deleted.
const PRIMARY_TOOL_BY_MODE = {
  none: WindowLevelTool.toolName,
  point: PointTool.toolName,
  box: RectangleROITool.toolName,
};

export const TOOL_MODES = Object.keys(PRIMARY_TOOL_BY_MODE);

export function createToolGroup() {
  const group = ToolGroupManager.createToolGroup(IDS.toolGroup);
  group.addTool(StackScrollTool.toolName);
  group.addTool(WindowLevelTool.toolName);
  group.addTool(ZoomTool.toolName);
  group.addTool(PanTool.toolName);
  // Marks carry positions only: no text boxes, no statistics (never stored, never shown).
  group.addTool(PointTool.toolName, { getTextLines: noText, preventHandleOutsideImage: true });
  group.addTool(RectangleROITool.toolName, { getTextLines: noText, calculateStats: false });
  for (const [instanceName, sourceViewportId] of Object.entries(REFERENCE_LINES)) {
    group.addToolInstance(instanceName, ReferenceLinesTool.toolName, { sourceViewportId });
  }
  csAnnotation.config.style.setToolGroupToolStyles(
    IDS.toolGroup,
    Object.fromEntries(Object.keys(REFERENCE_LINES).map((name) => [name, REFERENCE_LINE_STYLE]))
  );
  for (const [toolName, mouseButton] of NAVIGATION_BINDINGS) {
    group.setToolActive(toolName, { bindings: [{ mouseButton }] });
  }
  for (const viewportId of Object.values(IDS.viewports)) {
    group.addViewport(viewportId, IDS.renderingEngine);
  }
  setToolMode(group, 'none');
  return group;
}

export function setToolMode(group, mode) {
  const primary = PRIMARY_TOOL_BY_MODE[mode];
  if (!primary) {
    throw new Error(`Unknown tool "${mode}"; expected one of ${TOOL_MODES.join(', ')}`);
  }
  for (const toolName of Object.values(PRIMARY_TOOL_BY_MODE)) {
    if (toolName !== primary) {
      group.setToolPassive(toolName);
    }
  }
  group.setToolActive(primary, { bindings: [{ mouseButton: MouseBindings.Primary }] });
}

// Only once both stacks hold images: the tool reads the source viewport's image plane when enabled.
export function enableReferenceLines(group) {
  for (const instanceName of Object.keys(REFERENCE_LINES)) {
    group.setToolEnabled(instanceName);
  }
}

export function destroyToolGroup() {
  ToolGroupManager.destroyToolGroup(IDS.toolGroup);
}

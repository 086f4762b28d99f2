"""Stage 1: keypoint localisation with heatmaps (handbook ``models.md`` section 7).

Three localisers share :class:`~.networks.HeatmapNet`:

- sagittal T2, the three mid-sagittal slices -> the canal point at each of the 5 discs;
- axial T2, around one level's slice -> canal, left and right recess points. Its
  heatmaps span the candidate slice and its two neighbours, so the network also chooses
  the disc mid-plane among them (the sagittal disc height is a few mm off at times);
- sagittal T1, five parasagittal slices on one side (medial to lateral, so both sides
  share weights) -> the 5 foramen points. Its heatmaps span the five slices, so the
  soft-argmax also estimates the left-right position.

Axial slices are assigned to levels through DICOM geometry: the slice nearest to each
disc point found on the sagittal series, never the position in the stack.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .geometry import nearest_slice, neighbour_slices, slice_normal
from .preprocess import LEFT, POSTERIOR, SUPERIOR, PlaneGrid, image_centre, sample_stack
from .types import LEVELS, SeriesInput

STRIDE = 4  # HeatmapNet output stride
SAG_SIZE, SAG_SPACING = 112, 2.0
AX_SIZE, AX_SPACING = 96, 1.0
FORAMEN_SLICES = 5
#: Foramina lie about 15-25 mm from the midline; the five slices are centred here.
FORAMEN_OFFSET_MM = 18.0
#: A level is imaged on the axial series when a slice lies this close to its disc.
LEVEL_TOLERANCE_MM = 6.0
#: The axial localiser sees this many slices (channels) around the candidate slice ...
AXIAL_INPUT_SLICES = 5
#: ... and its heatmaps span the candidate and its neighbours (blocks).
AXIAL_BLOCKS = 3
#: The axial localiser may move a level's slice at most this far (mm) from the slice
#: nearest to the sagittal disc estimate.
AXIAL_SEARCH_MM = 8.0
AXIAL_POINTS = ("canal", "left", "right")


@dataclass(frozen=True)
class Frame:
    """Where one localiser input lives in the patient.

    ``slices`` are the series slices behind each heatmap block (one block unless the
    heatmaps span slices) and ``offsets`` their distances (mm) from the grid centre along
    ``normal``, a patient direction across the slices (e.g. medial to lateral).
    """

    role: str
    grid: PlaneGrid
    slices: tuple[int, ...]
    offsets: np.ndarray
    normal: np.ndarray


def _frame(
    role: str, series: SeriesInput, grid: PlaneGrid, slices: list[int], normal: np.ndarray
) -> Frame:
    n = slice_normal(series.orientation)
    # Slice planes are parallel to the grid: measure along the series normal, signed by
    # how it points relative to the frame's normal.
    along = np.array([(series.positions[i] - grid.centre) @ n for i in slices])
    offsets = along * float(np.sign(n @ normal))
    return Frame(role, grid, tuple(slices), offsets, n * float(np.sign(n @ normal)))


def mid_sagittal_slice(series: SeriesInput) -> int:
    """The slice nearest to the centre of the sagittal stack (along the normal)."""
    centre = series.positions.mean(axis=0)
    return nearest_slice(series, centre)[0]


def sagittal_input(series: SeriesInput, scale: float) -> tuple[np.ndarray, Frame]:
    """Three mid-sagittal slices (right to left) on a 2 mm grid; heatmaps on the middle one."""
    mid = mid_sagittal_slice(series)
    grid = PlaneGrid(image_centre(series, mid), POSTERIOR, -SUPERIOR, SAG_SIZE, SAG_SPACING)
    slices = neighbour_slices(series, mid, 3, axis=LEFT)
    return sample_stack(series, slices, grid, scale), _frame("SAG_T2", series, grid, [mid], LEFT)


def axial_input(series: SeriesInput, scale: float, index: int) -> tuple[np.ndarray, Frame]:
    """Axial slices around ``index`` (inferior to superior), patient left at +col.

    The input holds :data:`AXIAL_INPUT_SLICES` slices; the heatmap blocks are the middle
    :data:`AXIAL_BLOCKS` (``index`` and its geometric neighbours), with their offsets in mm
    along superior from ``index``'s plane.
    """
    grid = PlaneGrid(image_centre(series, index), LEFT, POSTERIOR, AX_SIZE, AX_SPACING)
    slices = neighbour_slices(series, index, AXIAL_INPUT_SLICES, axis=SUPERIOR)
    blocks = neighbour_slices(series, index, AXIAL_BLOCKS, axis=SUPERIOR)
    return sample_stack(series, slices, grid, scale), _frame(
        "AX_T2", series, grid, blocks, SUPERIOR
    )


def axial_plane(series: SeriesInput, frame: Frame, points: np.ndarray) -> tuple[int, np.ndarray]:
    """The level's axial slice chosen by the localiser, and ``points`` projected onto it.

    The slice is the frame block nearest to the mean decoded offset of the points (so
    canal and recesses share one slice), among blocks within :data:`AXIAL_SEARCH_MM` of
    the candidate slice (the slice nearest to the sagittal disc estimate).
    """
    along = (np.asarray(points) - frame.grid.centre) @ frame.normal
    offset = float(along.mean())
    allowed = [k for k, o in enumerate(frame.offsets) if abs(o) <= AXIAL_SEARCH_MM]
    k = min(allowed, key=lambda j: (abs(frame.offsets[j] - offset), abs(frame.offsets[j])))
    index = frame.slices[k]
    n = slice_normal(series.orientation)
    d = (np.asarray(points) - series.positions[index]) @ n
    return index, np.asarray(points) - d[:, None] * n[None, :]


def foramen_input(
    series: SeriesInput, scale: float, midline_x: float, side: str
) -> tuple[np.ndarray, Frame]:
    """Five parasagittal slices on ``side``, ordered medial to lateral."""
    sign = 1.0 if side == "left" else -1.0
    target = series.positions.mean(axis=0).copy()
    target[0] = midline_x + sign * FORAMEN_OFFSET_MM
    centre_slice = nearest_slice(series, target)[0]
    slices = neighbour_slices(series, centre_slice, FORAMEN_SLICES, axis=sign * LEFT)
    grid = PlaneGrid(
        image_centre(series, centre_slice), POSTERIOR, -SUPERIOR, SAG_SIZE, SAG_SPACING
    )
    frame = _frame("SAG_T1", series, grid, slices, sign * LEFT)
    return sample_stack(series, slices, grid, scale), frame


def heatmap_coordinates(size: int) -> np.ndarray:
    """Grid column (or row) of each heatmap cell centre."""
    return np.arange(size // STRIDE) * STRIDE + 0.5 * (STRIDE - 1)


def split_heatmaps(logits: torch.Tensor, points: int, blocks: int) -> torch.Tensor:
    """``[B, points * blocks, h, w]`` -> ``[B, points, blocks * h * w]`` (point-major)."""
    b, _, h, w = logits.shape
    return logits.reshape(b, points, blocks * h * w)


def decode(logits: torch.Tensor, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Soft-argmax of one input's heatmaps.

    Parameters
    ----------
    logits
        ``[points, blocks * h * w]`` heatmap logits of one input.
    frame
        The input's frame.

    Returns
    -------
    points, scores
        ``[points, 3]`` LPS mm and a detection score in [0, 1] per point: the probability
        mass within one cell of the heatmap's peak.
    """
    blocks = len(frame.slices)
    n_points = logits.shape[0]
    h = frame.grid.size // STRIDE
    probs = torch.softmax(logits.double(), dim=1).reshape(n_points, blocks, h, h).numpy()
    coords = heatmap_coordinates(frame.grid.size)
    p_row = probs.sum(axis=(1, 3))
    p_col = probs.sum(axis=(1, 2))
    p_block = probs.sum(axis=(2, 3))
    col = p_col @ coords
    row = p_row @ coords
    offset = p_block @ frame.offsets
    points = frame.grid.to_patient(col, row) + offset[:, None] * frame.normal
    scores = np.empty(n_points)
    for k in range(n_points):
        b, r, c = np.unravel_index(np.argmax(probs[k]), probs[k].shape)
        scores[k] = probs[k, :, max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2].sum()
    return points, scores


def target_distribution(
    frame: Frame, points: np.ndarray, sigma_cells: float = 1.0, sigma_mm: float = 2.0
) -> np.ndarray:
    """Training target: a normalised Gaussian per point over ``blocks x h x w`` cells."""
    h = frame.grid.size // STRIDE
    coords = heatmap_coordinates(frame.grid.size)
    out = np.empty((len(points), len(frame.slices) * h * h), dtype=np.float32)
    for k, point in enumerate(points):
        col, row = frame.grid.from_patient(point)
        off = float((np.asarray(point) - frame.grid.centre) @ frame.normal)
        gc = np.exp(-0.5 * ((coords - col) / (sigma_cells * STRIDE)) ** 2)
        gr = np.exp(-0.5 * ((coords - row) / (sigma_cells * STRIDE)) ** 2)
        gb = np.exp(-0.5 * ((frame.offsets - off) / sigma_mm) ** 2)
        g = gb[:, None, None] * gr[None, :, None] * gc[None, None, :]
        out[k] = (g / max(g.sum(), 1e-12)).ravel()
    return out


def local_coordinates(frame: Frame, points: np.ndarray) -> np.ndarray:
    """``[points, 3]`` (grid column, grid row, offset mm) of LPS points in a frame."""
    out = []
    for point in points:
        col, row = frame.grid.from_patient(point)
        out.append((col, row, float((np.asarray(point) - frame.grid.centre) @ frame.normal)))
    return np.array(out, dtype=np.float32)


def assign_axial_levels(series: SeriesInput, disc_points: np.ndarray) -> list[int | None]:
    """Axial slice of each level (nearest to its disc point), None when none is close."""
    assigned = []
    for point in disc_points:
        index, distance = nearest_slice(series, point)
        assigned.append(index if distance <= LEVEL_TOLERANCE_MM else None)
    return assigned


__all__ = [
    "AXIAL_POINTS",
    "LEVELS",
    "Frame",
    "assign_axial_levels",
    "axial_input",
    "axial_plane",
    "decode",
    "foramen_input",
    "local_coordinates",
    "sagittal_input",
    "target_distribution",
]

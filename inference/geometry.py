"""DICOM patient geometry: pixels <-> LPS millimetres, slice order, sides and levels.

Conventions follow DICOM PS3.3 C.7.6.2.1.1: ImagePositionPatient is the centre of the
first transmitted pixel, the first three ImageOrientationPatient cosines give the
direction along a row (increasing column index), the last three the direction down a
column (increasing row index); PixelSpacing is (row spacing, column spacing). Patient
axes are LPS: +x patient left, +y posterior, +z superior.
"""

from __future__ import annotations

import numpy as np

from .types import LEVELS, SeriesInput


def row_col_directions(orientation) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors along a row (column index grows) and down a column (row index grows)."""
    iop = np.asarray(orientation, dtype=np.float64)
    return iop[:3], iop[3:]


def slice_normal(orientation) -> np.ndarray:
    """Unit normal of the image plane: row direction x column direction."""
    row_dir, col_dir = row_col_directions(orientation)
    n = np.cross(row_dir, col_dir)
    return n / np.linalg.norm(n)


def pixel_to_patient(position, orientation, spacing, col, row) -> np.ndarray:
    """LPS mm of image point ``(col, row)``; ``(0, 0)`` is the centre of the first pixel."""
    row_dir, col_dir = row_col_directions(orientation)
    col = np.asarray(col, dtype=np.float64)[..., None]
    row = np.asarray(row, dtype=np.float64)[..., None]
    return np.asarray(position) + col * spacing[1] * row_dir + row * spacing[0] * col_dir


def patient_to_pixel(position, orientation, spacing, point) -> tuple[np.ndarray, np.ndarray]:
    """``(col, row)`` of the orthogonal projection of LPS points onto an image plane."""
    row_dir, col_dir = row_col_directions(orientation)
    d = np.asarray(point, dtype=np.float64) - np.asarray(position)
    return d @ row_dir / spacing[1], d @ col_dir / spacing[0]


def slice_positions(series: SeriesInput) -> np.ndarray:
    """Position of each slice along the series normal (mm)."""
    return series.positions @ slice_normal(series.orientation)


def geometric_order(positions, orientation) -> np.ndarray:
    """Indices that sort slices by their position along the normal (stable)."""
    along = np.asarray(positions, dtype=np.float64) @ slice_normal(orientation)
    return np.argsort(along, kind="stable")


def nearest_slice(series: SeriesInput, point) -> tuple[int, float]:
    """Index of the slice whose plane is closest to ``point`` and that distance (mm)."""
    normal = slice_normal(series.orientation)
    distances = np.abs((np.asarray(point) - series.positions) @ normal)
    i = int(np.argmin(distances))
    return i, float(distances[i])


def neighbour_slices(series: SeriesInput, centre: int, count: int, axis=None) -> list[int]:
    """``count`` consecutive slices centred on ``centre``, clamped at the stack's ends.

    Slices are ordered by their coordinate along ``axis`` (default: the normal), so the
    caller fixes the order in patient terms (e.g. medial to lateral) whatever the stack.
    """
    direction = slice_normal(series.orientation) if axis is None else np.asarray(axis, float)
    order = np.argsort(series.positions @ direction, kind="stable")
    rank = int(np.flatnonzero(order == centre)[0])
    half = count // 2
    ranks = np.clip(np.arange(rank - half, rank - half + count), 0, len(order) - 1)
    return [int(order[r]) for r in ranks]


def patient_left_direction(orientation) -> np.ndarray:
    """Image direction ``(d_col, d_row)`` (unit) pointing to the patient's left (+x)."""
    row_dir, col_dir = row_col_directions(orientation)
    d = np.array([row_dir[0], col_dir[0]])
    norm = np.linalg.norm(d)
    if norm < 1e-6:
        raise ValueError("the image plane does not contain the left-right axis")
    return d / norm


def side_of_point(point) -> str:
    """Patient side of an LPS point relative to the midline x = 0 (+x is left)."""
    return "left" if float(point[0]) > 0 else "right"


def assign_levels(series: SeriesInput, disc_points: dict[str, np.ndarray], tolerance: float):
    """Axial slice of each level: the slice nearest to the disc point, by geometry.

    Parameters
    ----------
    series
        The axial series.
    disc_points
        Disc-centre points in LPS mm by level (from the sagittal localiser).
    tolerance
        Largest plane-to-point distance (mm) for a level to count as covered.

    Returns
    -------
    dict
        ``level -> slice index``, or ``level -> None`` when no slice lies within
        ``tolerance`` of that disc (the level was not imaged).
    """
    assigned = {}
    for level in LEVELS:
        point = disc_points.get(level)
        if point is None:
            assigned[level] = None
            continue
        index, distance = nearest_slice(series, point)
        assigned[level] = index if distance <= tolerance else None
    return assigned

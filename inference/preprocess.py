"""Pre-processing shared by training and inference: intensity scale and mm-defined grids.

Every network input is resampled onto a :class:`PlaneGrid`, a square grid in patient
millimetres with patient-defined axes (e.g. columns toward the patient's left on axial
images). Resampling through DICOM geometry makes inputs independent of the stack order,
the pixel size and the on-screen orientation, and mirroring a right-sided crop is just a
grid whose column axis points to the patient's right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import map_coordinates

from .geometry import patient_to_pixel, pixel_to_patient, slice_normal
from .types import SeriesInput

#: Patient axes (LPS).
LEFT = np.array([1.0, 0.0, 0.0])
POSTERIOR = np.array([0.0, 1.0, 0.0])
SUPERIOR = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class PlaneGrid:
    """A ``size`` x ``size`` grid of points ``spacing`` mm apart, centred on ``centre``.

    Column ``c`` and row ``r`` sit at ``centre + (c - m) * spacing * u + (r - m) * spacing * v``
    with ``m = (size - 1) / 2``.
    """

    centre: np.ndarray
    u: np.ndarray
    v: np.ndarray
    size: int
    spacing: float

    def to_patient(self, col, row) -> np.ndarray:
        m = 0.5 * (self.size - 1)
        col = (np.asarray(col, dtype=np.float64) - m)[..., None] * self.spacing
        row = (np.asarray(row, dtype=np.float64) - m)[..., None] * self.spacing
        return self.centre + col * self.u + row * self.v

    def from_patient(self, point) -> tuple[float, float]:
        """(col, row) of the projection of ``point`` onto the grid's plane."""
        m = 0.5 * (self.size - 1)
        d = np.asarray(point, dtype=np.float64) - self.centre
        return float(d @ self.u / self.spacing + m), float(d @ self.v / self.spacing + m)

    def points(self) -> np.ndarray:
        idx = np.arange(self.size)
        return self.to_patient(idx[None, :], idx[:, None])


def intensity_scale(series: SeriesInput) -> float:
    """The 99.5th percentile of a series (subsampled): maps tissue contrast near [0, 1]."""
    sample = np.asarray(series.pixels[:, ::4, ::4], dtype=np.float32)
    return max(float(np.percentile(sample, 99.5)), 1e-6)


def image_centre(series: SeriesInput, index: int) -> np.ndarray:
    """LPS mm of the centre of slice ``index``."""
    rows, cols = series.pixels.shape[1:]
    return pixel_to_patient(
        series.positions[index], series.orientation, series.spacing, (cols - 1) / 2, (rows - 1) / 2
    )


def project_to_slice(series: SeriesInput, index: int, points: np.ndarray) -> np.ndarray:
    """Orthogonal projection of LPS points onto the plane of slice ``index``."""
    n = slice_normal(series.orientation)
    offset = (series.positions[index] - points) @ n
    return points + offset[..., None] * n


def sample_slice(series: SeriesInput, index: int, grid: PlaneGrid, scale: float) -> np.ndarray:
    """Bilinear samples of slice ``index`` at the grid projected onto it (0 outside)."""
    col, row = patient_to_pixel(
        series.positions[index], series.orientation, series.spacing, grid.points()
    )
    image = np.asarray(series.pixels[index], dtype=np.float32)
    out = map_coordinates(image, [row, col], order=1, mode="constant", cval=0.0)
    return (out / scale).astype(np.float32)


def sample_stack(
    series: SeriesInput, indices: list[int], grid: PlaneGrid, scale: float
) -> np.ndarray:
    """``[len(indices), size, size]`` samples, one channel per slice."""
    return np.stack([sample_slice(series, i, grid, scale) for i in indices])

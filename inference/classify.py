"""Stage 2: grade mm-defined crops around the localised points (handbook ``models.md`` §7).

One classifier per region, shared by the 5 levels and both sides. Crops are 3-slice
stacks on a patient-oriented grid; right-sided crops are mirrored (their column axis
points to the patient's right, and foraminal slices run medial to lateral) so a left and
a right site look alike to the network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import nearest_slice, neighbour_slices
from .preprocess import LEFT, POSTERIOR, SUPERIOR, PlaneGrid, sample_stack
from .types import SeriesInput


@dataclass(frozen=True)
class CropSpec:
    """A region's crop: series role, size in mm and pixels."""

    region: str
    role: str
    size_mm: float
    pixels: int

    @property
    def spacing(self) -> float:
        return self.size_mm / self.pixels


CROPS = {
    "canal": CropSpec("canal", "AX_T2", 36.0, 48),
    "recess": CropSpec("recess", "AX_T2", 20.0, 32),
    "foramen": CropSpec("foramen", "SAG_T1", 28.0, 32),
}


def crop(series: SeriesInput, scale: float, spec: CropSpec, point, side: str) -> np.ndarray:
    """``[3, pixels, pixels]`` crop centred on ``point`` (LPS mm), mirrored for the right side."""
    point = np.asarray(point, dtype=np.float64)
    index = nearest_slice(series, point)[0]
    sign = -1.0 if side == "right" else 1.0
    if spec.role == "AX_T2":
        grid = PlaneGrid(point, sign * LEFT, POSTERIOR, spec.pixels, spec.spacing)
        slices = neighbour_slices(series, index, 3, axis=SUPERIOR)
    else:
        grid = PlaneGrid(point, POSTERIOR, -SUPERIOR, spec.pixels, spec.spacing)
        slices = neighbour_slices(series, index, 3, axis=sign * LEFT)
    return sample_stack(series, slices, grid, scale)

"""Training and evaluation data from the phantom, rendered in memory.

A study goes through :func:`~.dicom_input.study_input_from_phantom` and then the very
functions the predictor uses (:mod:`.localize`, :mod:`.classify`), so training sees the
inputs inference will see. Localiser targets are the truth keypoints; classifier crops
are centred on truth points jittered by N(0, 1.5 mm) so stage 2 tolerates stage-1 error.
The axial localiser's candidate slice is moved to a geometric neighbour of the disc's
slice with probability :data:`AXIAL_SHIFT_P`, as a sagittal disc-height error would, so
it learns to find the disc mid-plane among the slices it sees.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from .classify import CROPS, crop
from .dicom_input import study_input_from_phantom
from .geometry import neighbour_slices
from .localize import (
    assign_axial_levels,
    axial_input,
    foramen_input,
    local_coordinates,
    mid_sagittal_slice,
    sagittal_input,
)
from .preprocess import SUPERIOR, intensity_scale
from .types import LEVELS, SIDES, StudyInput, site_code, site_keys

JITTER_MM = 1.5
#: Probability that an axial training input is centred one slice below / above the disc.
AXIAL_SHIFT_P = 0.25


@dataclass(frozen=True)
class StudyRequest:
    """One phantom study to render: the generator's own arguments."""

    seed: int
    index: int
    difficulty: float = 0.5
    external: bool = False


def render(request: StudyRequest):
    from fixtures.phantom import render_study_arrays

    return render_study_arrays(
        seed=request.seed,
        index=request.index,
        difficulty=request.difficulty,
        external=request.external,
    )


def truth_of(rendered) -> dict[str, tuple[int, np.ndarray]]:
    """Site code -> (grade, keypoint LPS mm) from a rendered phantom's anatomy."""
    anatomy = rendered.anatomy
    out = {}
    for level, region, side in site_keys():
        grade = anatomy.site(level, region, side).grade
        out[site_code(level, region, side)] = (
            grade,
            np.array(anatomy.keypoint(level, region, side)),
        )
    return out


def study_examples(request: StudyRequest, jitters: int = 4) -> dict[str, np.ndarray]:
    """Localiser inputs/targets and jittered classifier crops of one phantom study."""
    rendered = render(request)
    study = study_input_from_phantom(rendered)
    truth = truth_of(rendered)
    rng = np.random.default_rng([request.seed, request.index, int(request.external), 77])
    sag, ax, t1 = (study.series[r] for r in ("SAG_T2", "AX_T2", "SAG_T1"))
    scales = {role: intensity_scale(s) for role, s in study.series.items()}
    out: dict[str, list] = {k: [] for k in ("sag_x", "sag_y", "ax_x", "ax_y", "for_x", "for_y")}
    out |= {"for_off": [], "ax_off": []}

    disc_points = np.array([truth[site_code(lv, "canal")][1] for lv in LEVELS])
    x, frame = sagittal_input(sag, scales["SAG_T2"])
    out["sag_x"].append(x)
    out["sag_y"].append(local_coordinates(frame, disc_points))

    for level, index in zip(LEVELS, assign_axial_levels(ax, disc_points), strict=True):
        points = [truth[site_code(level, "canal")][1]]
        points += [truth[site_code(level, "recess", side)][1] for side in SIDES]
        shift = int(rng.choice([-1, 0, 1], p=[AXIAL_SHIFT_P, 1 - 2 * AXIAL_SHIFT_P, AXIAL_SHIFT_P]))
        if shift:
            index = neighbour_slices(ax, index, 3, axis=SUPERIOR)[1 + shift]
        x, frame = axial_input(ax, scales["AX_T2"], index)
        out["ax_x"].append(x)
        out["ax_y"].append(local_coordinates(frame, np.array(points)))
        out["ax_off"].append(frame.offsets.astype(np.float32))

    midline = float(sag.positions[mid_sagittal_slice(sag), 0])
    for side in SIDES:
        points = np.array([truth[site_code(lv, "foramen", side)][1] for lv in LEVELS])
        x, frame = foramen_input(t1, scales["SAG_T1"], midline, side)
        out["for_x"].append(x)
        out["for_y"].append(local_coordinates(frame, points))
        out["for_off"].append(frame.offsets.astype(np.float32))

    crops: dict[str, tuple[list, list]] = {r: ([], []) for r in CROPS}
    for level, region, side in site_keys():
        grade, point = truth[site_code(level, region, side)]
        spec = CROPS[region]
        for _ in range(jitters):
            jitter = rng.normal(0.0, JITTER_MM, size=3)
            if spec.role == "AX_T2":
                jitter[2] = 0.0  # axial points lie on their slice
            image = crop(study.series[spec.role], scales[spec.role], spec, point + jitter, side)
            crops[region][0].append(image)
            crops[region][1].append(grade)

    arrays = {k: np.stack(v).astype(np.float16 if k.endswith("_x") else np.float32)
              for k, v in out.items()}  # fmt: skip
    for region, (images, grades) in crops.items():
        arrays[f"crop_{region}_x"] = np.stack(images).astype(np.float16)
        arrays[f"crop_{region}_y"] = np.array(grades, dtype=np.int64)
    return arrays


def study_with_truth(request: StudyRequest) -> tuple[StudyInput, dict]:
    """A study's input and its truth (site code -> (grade, keypoint))."""
    rendered = render(request)
    return study_input_from_phantom(rendered), truth_of(rendered)


def _pool(workers: int) -> ProcessPoolExecutor:
    # "spawn": the caller may hold threads (torch, Django); fork would copy their locks.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def build_examples(requests: list[StudyRequest], workers: int = 2) -> dict[str, np.ndarray]:
    """Concatenated :func:`study_examples` of many studies, in request order."""
    if workers <= 1:
        parts = [study_examples(r) for r in requests]
    else:
        with _pool(workers) as pool:
            parts = list(pool.map(study_examples, requests, chunksize=4))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def iter_studies(
    requests: list[StudyRequest], workers: int = 2
) -> Iterator[tuple[StudyInput, dict]]:
    """Yield (study input, truth) in request order, rendering ahead in worker processes."""
    if workers <= 1:
        yield from map(study_with_truth, requests)
        return
    with _pool(workers) as pool:
        yield from pool.map(study_with_truth, requests, chunksize=2)


def requests(seed: int, n: int, *, first: int = 0, difficulty: float = 0.5, external=False):
    """Studies ``first`` ... ``first + n - 1`` of phantom ``seed``."""
    return [StudyRequest(seed, i, difficulty, external) for i in range(first, first + n)]

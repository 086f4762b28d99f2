"""Simulated reads derived from phantom truth, for the demo and for tests of the analysis.

A simulated reader perceives each site's continuous severity with Gaussian noise and grades
the nearest integer, so disagreements fall where a radiologist's do: ±1 near grade
boundaries. Marks land near the true keypoint with millimetre noise, and a small share are
misplaced beyond the protocol's tolerance (a miss). Every read says it is simulated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from grading.content import InstanceGeometry
from grading.protocols import ProtocolSpec

GENERATOR = "readerstudy.simulation 1"


@dataclass(frozen=True)
class SimulatedReader:
    name: str
    severity_sd: float  # noise on the perceived continuous severity (grade units)
    mark_sd_mm: float  # per-axis noise of a mark around the true keypoint
    miss_rate: float  # share of marks placed well outside tolerance
    with_probabilities: bool = False  # model readers report a probability per grade


@dataclass(frozen=True)
class SeriesImages:
    """The images of one series, for placing marks: (SOP Instance UID, geometry) pairs."""

    label: str
    images: list[tuple[str, InstanceGeometry]]


def _site_code(site: dict) -> str:
    return "/".join(p for p in (site["level"], site["region"], site.get("side", "")) if p)


def _probabilities(perceived: float, n_grades: int) -> list[float]:
    weights = [math.exp(-((perceived - k) ** 2) / (2 * 0.45**2)) for k in range(n_grades)]
    total = sum(weights)
    probs = [round(w / total, 6) for w in weights]
    probs[int(np.argmax(probs))] += round(1 - sum(probs), 6)  # sum exactly to 1 after rounding
    return probs


def _place_mark(point: np.ndarray, series: SeriesImages) -> tuple[str, float, float] | None:
    """The image nearest to ``point`` and the point's image coordinates on it."""
    best = None
    for uid, geometry in series.images:
        column, row, distance = geometry.from_patient(point.tolist())
        inside = -0.5 <= column <= geometry.columns - 0.5 and -0.5 <= row <= geometry.rows - 0.5
        if inside and (best is None or distance < best[0]):
            best = (distance, uid, column, row)
    return None if best is None else best[1:]


def simulate_read(
    *,
    truth: dict,
    spec: ProtocolSpec,
    reader: SimulatedReader,
    series_by_label: dict[str, SeriesImages],
    rng: np.random.Generator,
) -> dict:
    """A complete read payload (grades for every site, marks where required)."""
    sites = {_site_code(site): site for site in truth["sites"]}
    top = max(spec.grade_values)
    grades, marks = [], []
    for code in spec.site_codes:
        site = sites[code]
        perceived = float(site.get("severity", site["grade"])) + rng.normal(0, reader.severity_sd)
        grade = int(min(max(round(perceived), 0), top))
        entry = {"site": code, "grade": grade}
        if reader.with_probabilities:
            probs = _probabilities(perceived, len(spec.scale))
            entry["probabilities"] = probs
            entry["grade"] = grade = int(np.argmax(probs))
            entry["detection_score"] = round(float(rng.uniform(0.85, 0.999)), 4)
        grades.append(entry)
        if not spec.mark_required(grade):
            continue
        region = spec.region(site["region"])
        series = series_by_label.get(region.series_label)
        if series is None:
            raise ValueError(f"No {region.series_label} series to mark {code} on.")
        offset = rng.normal(0, reader.mark_sd_mm, size=3)
        if rng.random() < reader.miss_rate:
            direction = offset / (np.linalg.norm(offset) or 1.0)
            offset = direction * region.tolerance_mm * rng.uniform(2.0, 3.0)
        placed = _place_mark(np.asarray(site["keypoint_lps"], dtype=float) + offset, series)
        if placed is None:  # the noisy point fell off every image: mark the true keypoint
            placed = _place_mark(np.asarray(site["keypoint_lps"], dtype=float), series)
        uid, column, row = placed
        marks.append({"site": code, "sop_instance_uid": uid, "image_xy": [column, row]})
    return {"grades": grades, "marks": marks}

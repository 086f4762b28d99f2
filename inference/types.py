"""The reader's input and output contract: plain dataclasses, JSON round-trippable.

A :class:`StudyInput` holds only pixels and whitelisted geometry of the three series a
radiologist would read (no free text, no identity). A :class:`ReaderOutput` holds the 25
:class:`SitePrediction` s with provenance, in the grading schema readers use
(handbook ``models.md`` sections 3 and 8).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

# The platform's protocol (pure Python, no Django) fixes the 25 sites the model reads.
from grading.protocols import LUMBAR_SPINAL_STENOSIS

ROLES: tuple[str, ...] = ("SAG_T1", "SAG_T2", "AX_T2")
LEVELS: tuple[str, ...] = LUMBAR_SPINAL_STENOSIS.levels
REGIONS: tuple[str, ...] = ("canal", "recess", "foramen")
SIDES: tuple[str, ...] = ("left", "right")


def site_code(level: str, region: str, side: str = "") -> str:
    """Platform site code, e.g. ``L4-L5/canal`` or ``L4-L5/recess/left``."""
    return f"{level}/{region}" if region == "canal" else f"{level}/{region}/{side}"


def site_keys() -> list[tuple[str, str, str]]:
    """The 25 sites in platform order: per level canal, recess L/R, foramen L/R."""
    return [(site.level, site.region, site.side) for site in LUMBAR_SPINAL_STENOSIS.sites]


@dataclass
class SeriesInput:
    """One series, slices sorted by position along the slice normal.

    Attributes
    ----------
    pixels
        ``float32`` or ``uint16`` array ``[slices, rows, cols]``.
    positions
        ImagePositionPatient per slice, ``[slices, 3]`` (LPS mm, centre of the first pixel).
    orientation
        ImageOrientationPatient: row direction cosines then column direction cosines.
    spacing
        PixelSpacing ``(row spacing, column spacing)`` in mm.
    series_instance_uid, sop_instance_uids
        Identify the series and each slice, so a prediction can point at an image.
    """

    pixels: np.ndarray
    positions: np.ndarray
    orientation: tuple[float, ...]
    spacing: tuple[float, float]
    series_instance_uid: str
    sop_instance_uids: tuple[str, ...]

    def __post_init__(self) -> None:
        self.positions = np.asarray(self.positions, dtype=np.float64).reshape(-1, 3)
        self.orientation = tuple(float(v) for v in self.orientation)
        self.spacing = (float(self.spacing[0]), float(self.spacing[1]))
        self.sop_instance_uids = tuple(self.sop_instance_uids)
        if self.pixels.ndim != 3:
            raise ValueError(f"pixels must be [slices, rows, cols]; got {self.pixels.shape}")
        n = self.pixels.shape[0]
        if self.positions.shape[0] != n or len(self.sop_instance_uids) != n:
            raise ValueError("positions and sop_instance_uids need one entry per slice")
        if len(self.orientation) != 6:
            raise ValueError("orientation must hold 6 direction cosines")


@dataclass
class StudyInput:
    """A study as the reader sees it: series by role (``SAG_T1``, ``SAG_T2``, ``AX_T2``)."""

    series: dict[str, SeriesInput]
    study_id: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.series) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown series roles {sorted(unknown)}; expected {ROLES}")


@dataclass
class Location:
    """Where the model looked: a point on one slice of one series.

    ``image`` is ``[col, row]`` in pixels with ``(0, 0)`` the centre of the first pixel;
    ``patient_mm`` is the same point in LPS mm.
    """

    series_role: str
    series_instance_uid: str
    slice_index: int
    sop_instance_uid: str
    image: list[float]
    patient_mm: list[float]


@dataclass
class SitePrediction:
    """The grade of one of the 25 sites, or why it could not be given.

    ``probabilities`` are the calibrated probabilities of grades 0..3;
    ``grade`` is their arg-max, ``None`` when the site is not assessable.
    """

    site: str
    level: str
    region: str
    side: str
    grade: int | None
    probabilities: list[float] | None
    p_moderate_or_severe: float | None
    location: Location | None
    detection_score: float | None
    assessable: bool = True
    reason: str = ""

    @classmethod
    def not_assessable(cls, level: str, region: str, side: str, reason: str) -> SitePrediction:
        return cls(
            site=site_code(level, region, side),
            level=level,
            region=region,
            side=side,
            grade=None,
            probabilities=None,
            p_moderate_or_severe=None,
            location=None,
            detection_score=None,
            assessable=False,
            reason=reason,
        )


@dataclass
class ReaderOutput:
    """One study's read with the provenance the platform stores beside it."""

    model_name: str
    model_version: str
    weights_sha256: str
    code_version: str
    device: str
    wall_seconds: float
    predictions: list[SitePrediction] = field(default_factory=list)
    study_id: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict) -> ReaderOutput:
        predictions = []
        for p in data["predictions"]:
            p = dict(p)
            if p.get("location") is not None:
                p["location"] = Location(**p["location"])
            predictions.append(SitePrediction(**p))
        return cls(**{**data, "predictions": predictions})

    @classmethod
    def from_json(cls, text: str) -> ReaderOutput:
        return cls.from_dict(json.loads(text))

    def by_site(self) -> dict[str, SitePrediction]:
        return {p.site: p for p in self.predictions}

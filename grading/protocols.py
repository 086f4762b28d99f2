"""Grading protocols as data: levels × regions × sides, an ordinal scale and its dichotomy.

A protocol is stored as JSON on :class:`grading.models.GradingProtocol`; this module gives it a
typed shape (:class:`ProtocolSpec`), validates it, and holds the built-in templates. New
protocols are made by writing data, never code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

NOT_ASSESSABLE = "not_assessable"


class ProtocolError(ValueError):
    """The protocol definition is malformed."""


@dataclass(frozen=True)
class Region:
    code: str
    label: str
    sides: tuple[str, ...]  # () for a midline structure, ("left", "right") for paired ones
    series_label: str  # the neutral series label the region is graded on, e.g. "AX T2"
    tolerance_mm: float  # recall: a reader's mark within this 3-D distance matches the reference
    help_text: str = ""
    grade_definitions: dict[str, str] = field(default_factory=dict)  # grade value (str) → text


@dataclass(frozen=True)
class Grade:
    value: int
    label: str


@dataclass(frozen=True)
class Site:
    level: str
    region: str
    side: str  # "" for midline regions

    @property
    def code(self) -> str:
        return "/".join(part for part in (self.level, self.region, self.side) if part)


@dataclass(frozen=True)
class ProtocolSpec:
    name: str
    levels: tuple[str, ...]
    regions: tuple[Region, ...]
    scale: tuple[Grade, ...]
    dichotomy_threshold: int  # grades >= threshold are "positive" in the dichotomised analysis
    marks_required_from_grade: int  # a mark is required on sites graded >= this; 0 = every site
    allow_not_assessable: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        if not self.levels:
            raise ProtocolError("A protocol needs at least one level.")
        if len(set(self.levels)) != len(self.levels):
            raise ProtocolError("Levels must be unique.")
        codes = [region.code for region in self.regions]
        if not codes or len(set(codes)) != len(codes):
            raise ProtocolError("A protocol needs regions with unique codes.")
        values = [grade.value for grade in self.scale]
        if len(values) < 2 or values != sorted(set(values)):
            raise ProtocolError("The scale needs two or more grades in increasing order.")
        if self.dichotomy_threshold not in values[1:]:
            raise ProtocolError(
                "dichotomy_threshold must be a grade of the scale above the lowest one."
            )
        if self.marks_required_from_grade != 0 and self.marks_required_from_grade not in values:
            raise ProtocolError("marks_required_from_grade must be 0 or a grade of the scale.")
        for region in self.regions:
            if region.tolerance_mm <= 0:
                raise ProtocolError(f"Region {region.code}: tolerance_mm must be positive.")
            if any(side not in ("left", "right") for side in region.sides):
                raise ProtocolError(f"Region {region.code}: sides must be 'left' and/or 'right'.")

    @property
    def sites(self) -> tuple[Site, ...]:
        return tuple(
            Site(level, region.code, side)
            for level in self.levels
            for region in self.regions
            for side in (region.sides or ("",))
        )

    @property
    def site_codes(self) -> tuple[str, ...]:
        return tuple(site.code for site in self.sites)

    @property
    def grade_values(self) -> tuple[int, ...]:
        return tuple(grade.value for grade in self.scale)

    def site(self, code: str) -> Site:
        for site in self.sites:
            if site.code == code:
                return site
        raise KeyError(code)

    def region(self, code: str) -> Region:
        for region in self.regions:
            if region.code == code:
                return region
        raise KeyError(code)

    def mark_required(self, grade: int | None) -> bool:
        if grade is None:  # not assessable: nothing to point at
            return False
        return grade >= self.marks_required_from_grade

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProtocolSpec:
        try:
            return cls(
                name=data["name"],
                description=data.get("description", ""),
                levels=tuple(data["levels"]),
                regions=tuple(
                    Region(**{**region, "sides": tuple(region.get("sides", ()))})
                    for region in data["regions"]
                ),
                scale=tuple(Grade(**grade) for grade in data["scale"]),
                dichotomy_threshold=int(data["dichotomy_threshold"]),
                marks_required_from_grade=int(data["marks_required_from_grade"]),
                allow_not_assessable=bool(data.get("allow_not_assessable", True)),
            )
        except (KeyError, TypeError) as exc:
            raise ProtocolError(f"Malformed protocol definition: {exc}") from exc


LUMBAR_LEVELS = ("L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1")

LUMBAR_SPINAL_STENOSIS = ProtocolSpec(
    name="Lumbar spinal stenosis",
    description=(
        "Central canal (Lee 2011), lateral recess (Bartynski & Lin 2003) and neural foramen "
        "(Lee 2010) at each disc level L1-L2 to L5-S1, graded normal / mild / moderate / severe "
        "as in Hallinan et al., Radiology 2021. Dichotomy: moderate or severe is positive."
    ),
    levels=LUMBAR_LEVELS,
    regions=(
        Region(
            code="canal",
            label="Central canal",
            sides=(),
            series_label="AX T2",
            tolerance_mm=4.0,
            help_text="Axial T2 at the disc: anterior CSF and the cauda equina roots (Lee 2011).",
            grade_definitions={
                "0": "Anterior CSF space not obliterated.",
                "1": "Anterior CSF mildly obliterated; all cauda equina roots clearly separate.",
                "2": "Anterior CSF moderately obliterated; some roots aggregated.",
                "3": "CSF severely obliterated; sac markedly compressed; roots form one bundle.",
            },
        ),
        Region(
            code="recess",
            label="Lateral recess",
            sides=("left", "right"),
            series_label="AX T2",
            tolerance_mm=3.0,
            help_text="Axial T2 at the disc: the traversing root in its recess (Bartynski 2003).",
            grade_definitions={
                "0": "Normal recess; the root is surrounded by fat or CSF.",
                "1": "Recess reduced; root visible, not flattened or displaced.",
                "2": "Further narrowing; root compressed, flattened or medially deviated.",
                "3": "Recess obliterated; no fat or CSF; root invisible or trapped.",
            },
        ),
        Region(
            code="foramen",
            label="Neural foramen",
            sides=("left", "right"),
            series_label="SAG T1",
            tolerance_mm=5.0,
            help_text="Parasagittal T1: perineural fat around the exiting root (Lee 2010).",
            grade_definitions={
                "0": "Fat surrounds the root on all sides.",
                "1": "Fat obliterated in two opposing directions (vertical or transverse).",
                "2": "Fat obliterated in all four directions; root shape unchanged.",
                "3": "Root collapsed or morphologically changed.",
            },
        ),
    ),
    scale=(Grade(0, "normal"), Grade(1, "mild"), Grade(2, "moderate"), Grade(3, "severe")),
    dichotomy_threshold=2,
    marks_required_from_grade=2,
)

TEMPLATES: dict[str, ProtocolSpec] = {"lumbar-spinal-stenosis": LUMBAR_SPINAL_STENOSIS}

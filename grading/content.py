"""Validating and normalising read content (grades and marks) against a protocol.

Pure functions over plain data plus the case's instance geometry, so the same rules serve the
API, the model reader and the simulated demo reads.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from grading.protocols import ProtocolSpec
from readerstudy.api_errors import ApplicationError

MAX_MARKS_PER_READ = 500


@dataclass(frozen=True)
class InstanceGeometry:
    """Enough of an instance's header to turn image coordinates into patient millimetres."""

    rows: int
    columns: int
    number_of_frames: int
    position: tuple[float, float, float]  # ImagePositionPatient of the first pixel's centre
    row_direction: tuple[float, float, float]  # IOP[0:3]: direction of increasing column
    column_direction: tuple[float, float, float]  # IOP[3:6]: direction of increasing row
    row_spacing: float  # PixelSpacing[0]: distance between rows
    column_spacing: float  # PixelSpacing[1]: distance between columns

    @classmethod
    def from_dicom_json(
        cls, meta: dict, *, rows: int, columns: int, frames: int
    ) -> InstanceGeometry:
        def values(tag: str) -> list[float]:
            return [float(v) for v in meta.get(tag, {}).get("Value", [])]

        ipp, iop, spacing = values("00200032"), values("00200037"), values("00280030")
        if len(ipp) != 3 or len(iop) != 6 or len(spacing) != 2:
            raise ValueError("instance lacks ImagePositionPatient/Orientation/PixelSpacing")
        return cls(
            rows=rows,
            columns=columns,
            number_of_frames=frames,
            position=tuple(ipp),
            row_direction=tuple(iop[:3]),
            column_direction=tuple(iop[3:]),
            row_spacing=spacing[0],
            column_spacing=spacing[1],
        )

    def to_patient(self, column: float, row: float) -> list[float]:
        """PS3.3 C.7.6.2.1.1: P = S + X·Δcol·column + Y·Δrow·row, with (0, 0) the first centre."""
        return [
            self.position[axis]
            + self.row_direction[axis] * self.column_spacing * column
            + self.column_direction[axis] * self.row_spacing * row
            for axis in range(3)
        ]

    @property
    def normal(self) -> tuple[float, float, float]:
        r, c = self.row_direction, self.column_direction
        return (r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0])

    def from_patient(self, point) -> tuple[float, float, float]:
        """(column, row, distance from the image plane in mm) of a patient-space point."""
        d = [point[axis] - self.position[axis] for axis in range(3)]
        column = sum(d[a] * self.row_direction[a] for a in range(3)) / self.column_spacing
        row = sum(d[a] * self.column_direction[a] for a in range(3)) / self.row_spacing
        distance = abs(sum(d[a] * n for a, n in enumerate(self.normal)))
        return column, row, distance


def _number(value: Any, name: str, errors: dict) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        errors.setdefault(name, []).append("must be a finite number")
        return None
    return float(value)


def normalise_grades(spec: ProtocolSpec, grades: Any) -> list[dict]:
    """Check that every site of the protocol is graded exactly once with a valid value."""
    if not isinstance(grades, list):
        raise ApplicationError("grades must be a list.", fields={"grades": ["must be a list"]})
    errors: dict[str, list[str]] = {}
    seen: dict[str, dict] = {}
    valid_sites = set(spec.site_codes)
    n_grades = len(spec.scale)
    for index, item in enumerate(grades):
        key = f"grades[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("site"), str):
            errors.setdefault(key, []).append("must be an object with a 'site'")
            continue
        site = item["site"]
        if site not in valid_sites:
            errors.setdefault(key, []).append(f"unknown site {site!r}")
            continue
        if site in seen:
            errors.setdefault(key, []).append(f"site {site!r} graded twice")
            continue
        value = item.get("grade")
        reason = item.get("not_assessable_reason")
        if value is None:
            if not spec.allow_not_assessable:
                errors.setdefault(key, []).append("this protocol requires a grade on every site")
        elif (
            isinstance(value, bool) or not isinstance(value, int) or value not in spec.grade_values
        ):
            errors.setdefault(key, []).append(f"grade must be one of {list(spec.grade_values)}")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 200):
            errors.setdefault(key, []).append("not_assessable_reason must be text ≤ 200 chars")
        if value is not None and reason:
            errors.setdefault(key, []).append("a graded site cannot carry a not-assessable reason")
        probabilities = item.get("probabilities")
        if probabilities is not None:
            ok = (
                isinstance(probabilities, list)
                and len(probabilities) == n_grades
                and all(_number(p, key, {}) is not None and 0 <= p <= 1 for p in probabilities)
                and abs(sum(probabilities) - 1) < 1e-3
            )
            if not ok:
                errors.setdefault(key, []).append(
                    f"probabilities must be {n_grades} numbers in [0, 1] summing to 1"
                )
        score = item.get("detection_score")
        if score is not None:
            _number(score, key, errors)
        seen[site] = {
            "site": site,
            "grade": value,
            "not_assessable_reason": reason or None,
            "probabilities": probabilities,
            "detection_score": score,
        }
    missing = [site for site in spec.site_codes if site not in seen]
    if missing and not errors:
        errors["grades"] = [f"missing sites: {', '.join(missing)}"]
    if errors:
        raise ApplicationError("Some grades are invalid.", code="invalid_grades", fields=errors)
    return [seen[site] for site in spec.site_codes]


def normalise_marks(
    spec: ProtocolSpec, marks: Any, geometry: dict[str, InstanceGeometry]
) -> list[dict]:
    """Check marks against the protocol and the case's images; add patient LPS millimetres."""
    if marks is None:
        marks = []
    if not isinstance(marks, list) or len(marks) > MAX_MARKS_PER_READ:
        raise ApplicationError(
            f"marks must be a list of at most {MAX_MARKS_PER_READ}.",
            fields={"marks": ["must be a list"]},
        )
    errors: dict[str, list[str]] = {}
    valid_sites = set(spec.site_codes)
    result = []
    for index, item in enumerate(marks):
        key = f"marks[{index}]"
        if not isinstance(item, dict):
            errors.setdefault(key, []).append("must be an object")
            continue
        site, uid = item.get("site"), item.get("sop_instance_uid")
        kind = item.get("kind", "point")
        frame = item.get("frame", 1)
        if site not in valid_sites:
            errors.setdefault(key, []).append(f"unknown site {site!r}")
        if kind not in ("point", "box"):
            errors.setdefault(key, []).append("kind must be 'point' or 'box'")
        geo = geometry.get(uid) if isinstance(uid, str) else None
        if geo is None:
            errors.setdefault(key, []).append("sop_instance_uid is not an image of this case")
            continue
        if (
            isinstance(frame, bool)
            or not isinstance(frame, int)
            or not 1 <= frame <= geo.number_of_frames
        ):
            errors.setdefault(key, []).append(f"frame must be 1..{geo.number_of_frames}")
        xy = item.get("image_xy")
        if not (isinstance(xy, list) and len(xy) == 2):
            errors.setdefault(key, []).append("image_xy must be [column, row]")
            continue
        col, row = (_number(v, key, errors) for v in xy)
        if col is None or row is None:
            continue
        if not (-0.5 <= col <= geo.columns - 0.5 and -0.5 <= row <= geo.rows - 0.5):
            errors.setdefault(key, []).append("image_xy lies outside the image")
        box = item.get("box_xyxy")
        if kind == "box":
            if not (
                isinstance(box, list)
                and len(box) == 4
                and all(_number(v, key, {}) is not None for v in box)
            ):
                errors.setdefault(key, []).append("a box needs box_xyxy [col0, row0, col1, row1]")
            elif not (box[0] <= col <= box[2] and box[1] <= row <= box[3]):
                errors.setdefault(key, []).append("image_xy must be the box centre, inside the box")
        elif box is not None:
            errors.setdefault(key, []).append("a point has no box_xyxy")
        result.append(
            {
                "site": site,
                "kind": kind,
                "sop_instance_uid": uid,
                "frame": frame,
                "image_xy": [round(col, 3), round(row, 3)],
                "box_xyxy": [round(float(v), 3) for v in box] if kind == "box" and box else None,
                "patient_lps": [round(v, 3) for v in geo.to_patient(col, row)],
            }
        )
    if errors:
        raise ApplicationError("Some marks are invalid.", code="invalid_marks", fields=errors)
    result.sort(key=lambda m: (m["site"], m["sop_instance_uid"], m["frame"], m["image_xy"]))
    return result


def check_required_marks(spec: ProtocolSpec, grades: list[dict], marks: list[dict]) -> None:
    marked = {mark["site"] for mark in marks}
    missing = [
        g["site"] for g in grades if spec.mark_required(g["grade"]) and g["site"] not in marked
    ]
    if missing:
        threshold = spec.marks_required_from_grade
        rule = "every site" if threshold == 0 else f"every site graded {threshold} or higher"
        raise ApplicationError(
            f"The protocol requires a mark on {rule}; missing: {', '.join(missing)}.",
            code="marks_required",
            fields={"marks": [f"missing for {site}" for site in missing]},
        )


def content_digest(grades: list[dict], marks: list[dict]) -> str:
    """SHA-256 of the canonical content: what makes two submissions "the same"."""
    canonical = json.dumps(
        {"grades": grades, "marks": marks}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()

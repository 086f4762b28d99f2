"""One tidy ratings table from a study's submitted reads (ARCHITECTURE §2, step 5).

One row per reader × session × case × site, the long format every statistic starts from and
``reads.csv`` exports. "Not assessable" is a missing grade (an empty cell), never a fifth
category; its label says so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from grading.models import Read, ReadStatus
from grading.reports.cells import FORMULA_STARTS, safe_cell  # noqa: F401 (re-exported)

# Who read which case in which session, and the site: the columns both tables start with.
READ_SITE_COLUMNS = (
    "study",
    "case_set",
    "case",
    "cluster",
    "reader",
    "reader_kind",
    "session",
    "arm",
    "level",
    "region",
    "side",
)
READS_COLUMNS = (
    *READ_SITE_COLUMNS,
    "grade",
    "grade_label",
    "opened_at_utc",
    "submitted_at_utc",
    "active_s",
    "simulated",
)
MARKS_COLUMNS = (
    *READ_SITE_COLUMNS,
    "kind",
    "sop_instance_uid",
    "frame",
    "image_col",
    "image_row",
    "box_col0",
    "box_row0",
    "box_col1",
    "box_row1",
    "patient_x_mm",
    "patient_y_mm",
    "patient_z_mm",
    "simulated",
)
NOT_ASSESSABLE_LABEL = "not assessable"


def _utc(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _submitted_reads(study, related: str):
    return (
        Read.objects.filter(assignment__session__study=study, status=ReadStatus.SUBMITTED)
        .select_related("assignment__reader", "assignment__session", "assignment__case")
        .prefetch_related(related)
        .order_by(
            "assignment__reader__name", "assignment__session__number", "assignment__case__code"
        )
    )


def _read_columns(study, read, site: str) -> dict:
    """The columns every tidy row shares: who read which case when, and the site."""
    assignment = read.assignment
    case, reader, session = assignment.case, assignment.reader, assignment.session
    level, region, *side = site.split("/")
    return {
        "study": study.slug,
        "case_set": case.case_set,
        "case": case.code,
        "cluster": case.patient_pseudonym,
        "reader": reader.name,
        "reader_kind": reader.kind,
        "session": session.number,
        "arm": session.arm,
        "level": level,
        "region": region,
        "side": side[0] if side else "",
    }


def tidy_reads(study) -> list[dict]:
    """Every submitted read of ``study`` as tidy rows, in a stable order."""
    labels = {grade.value: grade.label for grade in study.protocol.spec.scale}
    rows = []
    for read in _submitted_reads(study, "grades"):
        simulated = bool((read.provenance or {}).get("simulated"))
        for grade in sorted(read.grades.all(), key=lambda g: g.site):
            rows.append(
                {
                    **_read_columns(study, read, grade.site),
                    "grade": grade.grade,
                    "grade_label": labels.get(grade.grade, NOT_ASSESSABLE_LABEL),
                    "opened_at_utc": _utc(read.opened_at),
                    "submitted_at_utc": _utc(read.submitted_at),
                    "active_s": read.active_seconds,
                    "simulated": simulated,
                }
            )
    return rows


def tidy_marks(study) -> list[dict]:
    """Every mark of the submitted reads: image coordinates (first pixel centre = 0, 0) and
    patient LPS millimetres, one row per mark."""
    rows = []
    for read in _submitted_reads(study, "marks"):
        simulated = bool((read.provenance or {}).get("simulated"))
        marks = sorted(read.marks.all(), key=lambda m: (m.site, m.sop_instance_uid, m.image_xy))
        for mark in marks:
            box = mark.box_xyxy or [None] * 4
            rows.append(
                {
                    **_read_columns(study, read, mark.site),
                    "kind": mark.kind,
                    "sop_instance_uid": mark.sop_instance_uid,
                    "frame": mark.frame,
                    "image_col": mark.image_xy[0],
                    "image_row": mark.image_xy[1],
                    "box_col0": box[0],
                    "box_row0": box[1],
                    "box_col1": box[2],
                    "box_row1": box[3],
                    "patient_x_mm": mark.patient_lps[0],
                    "patient_y_mm": mark.patient_lps[1],
                    "patient_z_mm": mark.patient_lps[2],
                    "simulated": simulated,
                }
            )
    return rows


def table_csv(rows: Iterable[dict], columns: tuple[str, ...]) -> str:
    """A tidy table as CSV: the header, one line per row, LF line ends, safe cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(safe_cell(row[column]) for column in columns)
    return out.getvalue()


def reads_csv(rows: Iterable[dict]) -> str:
    """``reads.csv``: the tidy reads with the exact header statisticians expect."""
    return table_csv(rows, READS_COLUMNS)


def marks_csv(rows: Iterable[dict]) -> str:
    """``marks.csv``: the tidy marks."""
    return table_csv(rows, MARKS_COLUMNS)

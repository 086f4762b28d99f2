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

READS_COLUMNS = (
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
    "grade",
    "grade_label",
    "opened_at_utc",
    "submitted_at_utc",
    "active_s",
    "simulated",
)
NOT_ASSESSABLE_LABEL = "not assessable"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _utc(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def tidy_reads(study) -> list[dict]:
    """Every submitted read of ``study`` as tidy rows, in a stable order."""
    labels = {grade.value: grade.label for grade in study.protocol.spec.scale}
    reads = (
        Read.objects.filter(assignment__session__study=study, status=ReadStatus.SUBMITTED)
        .select_related("assignment__reader", "assignment__session", "assignment__case")
        .prefetch_related("grades")
        .order_by(
            "assignment__reader__name", "assignment__session__number", "assignment__case__code"
        )
    )
    rows = []
    for read in reads:
        assignment = read.assignment
        case, reader, session = assignment.case, assignment.reader, assignment.session
        simulated = bool((read.provenance or {}).get("simulated"))
        for grade in sorted(read.grades.all(), key=lambda g: g.site):
            level, region, *side = grade.site.split("/")
            rows.append(
                {
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
                    "grade": grade.grade,
                    "grade_label": labels.get(grade.grade, NOT_ASSESSABLE_LABEL),
                    "opened_at_utc": _utc(read.opened_at),
                    "submitted_at_utc": _utc(read.submitted_at),
                    "active_s": read.active_seconds,
                    "simulated": simulated,
                }
            )
    return rows


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: formula-like text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def reads_csv(rows: Iterable[dict]) -> str:
    """``reads.csv``: the exact header, one line per row, LF line ends, UTF-8 text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(READS_COLUMNS)
    for row in rows:
        writer.writerow(safe_cell(row[column]) for column in READS_COLUMNS)
    return out.getvalue()

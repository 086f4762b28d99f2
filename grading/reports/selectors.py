"""What a report reads from the database: one snapshot of a study, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from grading.models import CaseTruth
from grading.protocols import ProtocolSpec
from grading.reports.tidy import tidy_marks, tidy_reads


@dataclass(frozen=True)
class SessionInfo:
    number: int
    arm: str
    opens_at_utc: str


@dataclass(frozen=True)
class ReaderInfo:
    name: str
    kind: str  # human | model
    model_version: str
    weights_sha256: str


@dataclass(frozen=True)
class ReportInputs:
    """A study's reads, marks and design, read once; everything after this is pure."""

    study: str
    study_name: str
    spec: ProtocolSpec
    reference: str | None  # the reference reader's name
    readers: tuple[ReaderInfo, ...]
    sessions: tuple[SessionInfo, ...]
    reads: list[dict]  # tidy rows (grading.reports.tidy.READS_COLUMNS)
    marks: list[dict]  # tidy rows (MARKS_COLUMNS)
    truth: list[dict]  # phantom truth: case, site, grade, keypoint_lps


def report_inputs(study) -> ReportInputs:
    """Everything a report needs from ``study``, in a stable order."""
    truth = [
        {
            "case": t["case__code"],
            "site": t["site"],
            "grade": t["grade"],
            "keypoint_lps": t["keypoint_lps"],
        }
        for t in CaseTruth.objects.filter(case__study=study)
        .order_by("case__code", "site")
        .values("case__code", "site", "grade", "keypoint_lps")
    ]
    return ReportInputs(
        study=study.slug,
        study_name=study.name,
        spec=study.protocol.spec,
        reference=study.reference_reader.name if study.reference_reader_id else None,
        readers=tuple(
            ReaderInfo(r.name, r.kind, r.model_version, r.weights_sha256)
            for r in study.readers.order_by("name")
        ),
        sessions=tuple(
            SessionInfo(s.number, s.arm, s.opens_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
            for s in study.sessions.order_by("number")
        ),
        reads=tidy_reads(study),
        marks=tidy_marks(study),
        truth=truth,
    )


def study_reports(study, limit: int = 20):
    from grading.models import ReportRun

    return list(ReportRun.objects.filter(study=study).select_related("requested_by")[:limit])


def study_report(study, run_id: int):
    from grading.models import ReportRun

    return ReportRun.objects.filter(study=study, pk=run_id).select_related("study").first()


def plan_frame(study):
    """(reference name, session numbers, one row per submitted reader × session × case set):
    enough to check a report's plan without reading every grade."""
    import pandas as pd

    from grading.models import Read, ReadStatus

    rows = (
        Read.objects.filter(assignment__session__study=study, status=ReadStatus.SUBMITTED)
        .values_list(
            "assignment__reader__name",
            "assignment__reader__kind",
            "assignment__session__number",
            "assignment__session__arm",
            "assignment__case__case_set",
        )
        .distinct()
    )
    frame = pd.DataFrame(
        list(rows), columns=["reader", "reader_kind", "session", "arm", "case_set"]
    )
    reference = study.reference_reader.name if study.reference_reader_id else None
    return reference, set(study.sessions.values_list("number", flat=True)), frame

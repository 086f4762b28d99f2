"""Writes for reads: open, autosave, submit (idempotent), amend (coordinator, with reason).

Idempotency rests on constraints, never on check-then-insert: one Read per assignment
(OneToOne) and one Grade per (read, site). The read row is locked while it is submitted, so
concurrent identical submissions produce exactly one read; on SQLite, IMMEDIATE transactions
serialise writers instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from grading.content import (
    check_required_marks,
    content_digest,
    normalise_grades,
    normalise_marks,
)
from grading.models import CaseTruth, Grade, Mark, Read, ReadStatus
from grading.selectors import case_geometry, read_content
from readerstudy.api_errors import ApplicationError, Conflict
from readerstudy.audit.services import Actor, audit_record
from readerstudy.studies.models import Assignment, Case, StudyState

MAX_DRAFT_BYTES = 256 * 1024


@dataclass(frozen=True)
class SubmitOutcome:
    read: Read
    created: bool  # False: the same content was already submitted (HTTP 200, not 201)


def _require_readable(assignment: Assignment) -> None:
    study = assignment.session.study
    if study.state != StudyState.OPEN:
        raise Conflict(
            f"The study is {study.state}; reads are accepted only while it is open.",
            code="study_not_open",
        )
    if not assignment.session.is_open:
        raise Conflict(
            f"Session {assignment.session.number} opens at {assignment.session.opens_at:%Y-%m-%d %H:%M} UTC.",
            code="session_not_open",
        )


def _validated_content(assignment: Assignment, payload: dict) -> tuple[list[dict], list[dict]]:
    if not isinstance(payload, dict):
        raise ApplicationError("The read must be a JSON object.")
    spec = assignment.session.study.protocol.spec
    grades = normalise_grades(spec, payload.get("grades"))
    marks = normalise_marks(spec, payload.get("marks"), case_geometry(assignment.case_id))
    check_required_marks(spec, grades, marks)
    return grades, marks


def _active_seconds(payload: dict) -> float | None:
    value = payload.get("active_seconds")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 7 * 86400:
        raise ApplicationError(
            "active_seconds must be a number of seconds.",
            fields={"active_seconds": ["must be a number between 0 and one week"]},
        )
    return float(value)


def _write_content(read: Read, grades: list[dict], marks: list[dict]) -> None:
    Grade.objects.bulk_create(Grade(read=read, **grade) for grade in grades)
    Mark.objects.bulk_create(Mark(read=read, **mark) for mark in marks)


@transaction.atomic
def read_open(*, actor: Actor, assignment: Assignment) -> Read:
    """Record the first opening of a case (server time); later calls return the same read."""
    _require_readable(assignment)
    read, created = Read.objects.get_or_create(
        assignment=assignment, defaults={"opened_at": timezone.now()}
    )
    if created:
        audit_record(
            actor=actor,
            action="read.open",
            obj=read,
            study=assignment.session.study,
            new={"assignment": assignment.code, "opened_at": read.opened_at.isoformat()},
        )
    return read


@transaction.atomic
def read_save_draft(
    *, actor: Actor, assignment: Assignment, draft: Any, active_seconds: float | None = None
) -> Read:
    """Autosave the form state. Drafts are not validated against the protocol until submit.

    ``active_seconds`` is the client's running total of active reading time; it only ever
    grows, so a reload, a second tab or a late retry cannot lose time already reported.
    """
    if not isinstance(draft, dict):
        raise ApplicationError(
            "A draft must be a JSON object.", fields={"draft": ["must be an object"]}
        )
    if len(repr(draft)) > MAX_DRAFT_BYTES:
        raise ApplicationError("The draft is too large.", fields={"draft": ["too large"]})
    read = read_open(actor=actor, assignment=assignment)
    read = Read.objects.select_for_update().get(pk=read.pk)
    if read.status == ReadStatus.SUBMITTED:
        raise Conflict(
            "This read is already submitted; drafts can no longer change.", code="submitted"
        )
    read.draft = draft
    if active_seconds is not None:
        read.active_seconds = max(read.active_seconds or 0.0, float(active_seconds))
    read.save(update_fields=["draft", "active_seconds"])
    return read


def _recorded_times(assignment: Assignment, times: tuple | None, now) -> tuple:
    """Server times, or stated ones for reads made elsewhere (simulated, imported).

    Stated times must fall inside the session window, so backdating cannot move a read
    before its washout; provenance must say where they came from.
    """
    if times is None:
        return now, now
    opened_at, submitted_at = times
    if not (assignment.session.opens_at <= opened_at <= submitted_at <= now):
        raise ApplicationError("Stated read times must lie between the session opening and now.")
    return opened_at, submitted_at


@transaction.atomic
def read_submit(
    *,
    actor: Actor,
    assignment: Assignment,
    payload: dict,
    provenance: dict | None = None,
    times: tuple | None = None,
) -> SubmitOutcome:
    """Submit a read. The same content again → the stored read; other content → 409.

    ``times`` (opened, submitted) replaces the server clock for reads made elsewhere, such as
    the demo's simulated reads; it requires a ``provenance`` saying so.
    """
    _require_readable(assignment)
    if times is not None and not provenance:
        raise ApplicationError("Stated read times need a provenance record.")
    grades, marks = _validated_content(assignment, payload)
    active_seconds = _active_seconds(payload)
    digest = content_digest(grades, marks)
    opened_at, now = _recorded_times(assignment, times, timezone.now())
    read, _ = Read.objects.get_or_create(assignment=assignment, defaults={"opened_at": opened_at})
    # The lock makes concurrent submitters queue here; the second sees the first's result.
    read = Read.objects.select_for_update().get(pk=read.pk)
    if read.status == ReadStatus.SUBMITTED:
        if read.content_sha256 == digest:
            return SubmitOutcome(read=read, created=False)
        raise Conflict(
            "This case was already submitted with different grades or marks; "
            "a coordinator can amend it with a reason.",
            code="already_submitted",
        )
    _write_content(read, grades, marks)
    read.status = ReadStatus.SUBMITTED
    if times is not None:
        read.opened_at = opened_at
    read.submitted_at = now
    # The autosaved running total counts too: a submit without one keeps what drafts reported.
    reported = [value for value in (active_seconds, read.active_seconds) if value is not None]
    read.active_seconds = max(reported) if reported else None
    read.content_sha256 = digest
    read.provenance = provenance
    read.draft = None
    read.save()
    audit_record(
        actor=actor,
        action="read.submit",
        obj=read,
        study=assignment.session.study,
        new={
            "assignment": assignment.code,
            "grades": grades,
            "marks": marks,
            **({"stated_times": [t.isoformat() for t in times]} if times else {}),
        },
    )
    return SubmitOutcome(read=read, created=True)


@transaction.atomic
def read_amend(*, actor: Actor, read: Read, payload: dict, reason: str) -> Read:
    """A coordinator's correction of a submitted read, with old → new and the reason audited."""
    if not isinstance(reason, str) or not reason.strip():
        raise ApplicationError(
            "An amendment needs a reason.", code="reason_required", fields={"reason": ["required"]}
        )
    read = (
        Read.objects.select_for_update()
        .select_related("assignment__session__study")
        .get(pk=read.pk)
    )
    study = read.assignment.session.study
    if study.state == StudyState.LOCKED:
        raise Conflict("The study is locked; reads are frozen for analysis.", code="locked")
    if read.status != ReadStatus.SUBMITTED:
        raise Conflict("Only submitted reads can be amended.", code="not_submitted")
    grades, marks = _validated_content(read.assignment, payload)
    digest = content_digest(grades, marks)
    if digest == read.content_sha256:
        raise Conflict("The amendment changes nothing.", code="no_change")
    old = read_content(read)
    read.grades.all().delete()
    read.marks.all().delete()
    _write_content(read, grades, marks)
    read.content_sha256 = digest
    read.amendment_count += 1
    read.save(update_fields=["content_sha256", "amendment_count"])
    audit_record(
        actor=actor,
        action="read.amend",
        obj=read,
        study=study,
        old=old,
        new={"grades": grades, "marks": marks},
        reason=reason.strip(),
    )
    return read


@transaction.atomic
def truth_import(*, actor: Actor, case: Case, truth: dict, source: str) -> list[CaseTruth]:
    """Store a phantom's known per-site truth for a case (replacing none: truth is set once)."""
    spec = case.study.protocol.spec
    rows = []
    for site in truth.get("sites", []):
        code = "/".join(p for p in (site["level"], site["region"], site.get("side", "")) if p)
        if code not in spec.site_codes:
            raise ApplicationError(f"Truth names a site {code!r} the protocol does not have.")
        rows.append(
            CaseTruth(
                case=case,
                site=code,
                grade=int(site["grade"]),
                keypoint_lps=site.get("keypoint_lps"),
                source=source,
            )
        )
    if CaseTruth.objects.filter(case=case).exists():
        return list(CaseTruth.objects.filter(case=case))
    CaseTruth.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="truth.import",
        obj=case,
        study=case.study,
        new={"sites": len(rows), "source": source},
    )
    return rows

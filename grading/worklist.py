"""Reads for the reader's worklist: sessions with progress, the next case, the AI overlay.

Everything here starts from the caller's own reader roles. Cases are listed only for
sessions that are open; a session still in its washout shows as locked with its opening
date and its size, never its cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone

from grading.models import Read, ReadStatus
from grading.selectors import read_content
from readerstudy.studies.models import Arm, Assignment, ReaderKind, ReadingSession, StudyState
from readerstudy.studies.selectors import reader_assignments


@dataclass
class WorklistRow:
    code: str
    position: int
    status: str  # not_started | draft | submitted
    active_seconds: float | None


@dataclass
class WorklistSession:
    study: str
    number: int
    arm: str
    opens_at: datetime
    locked: bool
    total: int
    done: int
    active_seconds: float
    next_code: str | None = None
    rows: list[WorklistRow] = field(default_factory=list)


def reader_worklist(user) -> list[WorklistSession]:
    """The caller's sessions in open studies, in study and session order."""
    if not user.is_authenticated:
        return []
    now = timezone.now()
    sessions = (
        ReadingSession.objects.filter(assignments__reader__user=user, study__state=StudyState.OPEN)
        .annotate(
            total=Count("assignments", filter=Q(assignments__reader__user=user), distinct=True),
            done=Count(
                "assignments",
                filter=Q(
                    assignments__reader__user=user,
                    assignments__read__status=ReadStatus.SUBMITTED,
                ),
                distinct=True,
            ),
            active=Sum(
                "assignments__read__active_seconds", filter=Q(assignments__reader__user=user)
            ),
        )
        .select_related("study")
        .order_by("study__slug", "number")
    )
    result = [
        WorklistSession(
            study=s.study.slug,
            number=s.number,
            arm=s.arm,
            opens_at=s.opens_at,
            locked=s.opens_at > now,
            total=s.total,
            done=s.done,
            active_seconds=s.active or 0.0,
        )
        for s in sessions
    ]
    by_key = {(s.study, s.number): s for s in result}
    assignments = (
        reader_assignments(user)
        .select_related("read")
        .order_by("session__study__slug", "session__number", "position")
    )
    for assignment in assignments:
        read = getattr(assignment, "read", None)
        session = by_key[(assignment.session.study.slug, assignment.session.number)]
        row = WorklistRow(
            code=assignment.code,
            position=assignment.position,
            status=read.status if read else "not_started",
            active_seconds=read.active_seconds if read else None,
        )
        session.rows.append(row)
        if session.next_code is None and row.status != ReadStatus.SUBMITTED:
            session.next_code = row.code
    return result


def next_unread_assignment(user, after: Assignment | None = None) -> Assignment | None:
    """The case to read next: the first unsubmitted one after ``after`` in its session's
    stored order, then from the start of that session, then in the other open sessions."""
    unread = reader_assignments(user).exclude(read__status=ReadStatus.SUBMITTED)
    if after is not None:
        same_session = unread.filter(session=after.session).exclude(pk=after.pk)
        following = same_session.filter(position__gt=after.position).order_by("position")
        candidate = following.first() or same_session.order_by("position").first()
        if candidate is not None:
            return candidate
    return unread.order_by("session__study__slug", "session__number", "position").first()


def ai_overlay(assignment: Assignment) -> dict | None:
    """The model's submitted read of the same case, for an AI-assisted session only.

    An unaided session never gets it: this is the server-side half of the arm's blinding.
    With several model readers (or several model reads), the latest submission is shown.
    """
    if assignment.session.arm != Arm.AI_ASSISTED:
        return None
    read = (
        Read.objects.filter(
            assignment__case=assignment.case,
            assignment__reader__kind=ReaderKind.MODEL,
            status=ReadStatus.SUBMITTED,
        )
        .select_related("assignment__reader")
        .prefetch_related("grades", "marks")
        .order_by("-submitted_at")
        .first()
    )
    if read is None:
        return None
    reader = read.assignment.reader
    return {
        "model": {"name": reader.name, "version": reader.model_version},
        "simulated": bool((read.provenance or {}).get("simulated")),
        **read_content(read),
    }

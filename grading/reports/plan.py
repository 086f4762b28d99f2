"""Which sessions and readers a report analyses: the plan, from the study's reads.

Defaults (the issue's design): agreement with the reference, interobserver agreement and
recall use the first unaided session; intraobserver agreement compares the first and second
unaided sessions; AI-assisted vs unaided compares the first AI-assisted session with the
first unaided one. A coordinator may choose other sessions (:class:`SessionChoice`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from grading.reports.units import ALL_CASES, rater_column


class PlanError(ValueError):
    """The study cannot be analysed as asked (no reference, an empty session, …)."""


@dataclass(frozen=True)
class SessionChoice:
    """Session numbers; None picks the default described in the module docstring."""

    primary: int | None = None
    repeat: int | None = None
    ai: int | None = None


@dataclass(frozen=True)
class Plan:
    primary: int
    repeat: int | None
    ai: int | None
    reference: str  # rater column of the reference's reads
    reference_name: str
    readers: tuple[str, ...]  # names read in the primary session, reference excluded
    humans: tuple[str, ...]  # human readers in the primary session, reference included
    models: tuple[str, ...]
    case_sets: tuple[str, ...]


def _sessions_with_reads(frame: pd.DataFrame, arm: str, reference: str) -> list[int]:
    rows = frame[(frame["arm"] == arm) & (frame["reader"] != reference)]
    return sorted(int(s) for s in rows["session"].unique())


def make_plan(
    *, reference: str | None, sessions: set[int], frame: pd.DataFrame, choice: SessionChoice
) -> Plan:
    """The plan for a study whose reference reader is ``reference``, whose sessions are
    numbered ``sessions`` and whose submitted reads ``frame`` lists (one row per read or per
    grade: columns reader, reader_kind, session, arm, case_set)."""
    if reference is None:
        raise PlanError("The study has no reference reader: designate one first.")
    if frame.empty:
        raise PlanError("The study has no submitted reads yet.")
    ref_rows = frame[frame["reader"] == reference]
    if ref_rows.empty:
        raise PlanError(f"The reference reader {reference!r} has no submitted reads.")
    unaided = _sessions_with_reads(frame, "unaided", reference)
    ai_sessions = _sessions_with_reads(frame, "ai_assisted", reference)
    known = set(sessions)
    for label, number in (
        ("primary", choice.primary),
        ("repeat", choice.repeat),
        ("ai", choice.ai),
    ):
        if number is not None and number not in known:
            raise PlanError(f"The {label} session {number} does not exist in this study.")
    primary = choice.primary if choice.primary is not None else (unaided or [None])[0]
    if primary is None:
        raise PlanError("No unaided session has reads by a reader other than the reference.")
    later = [s for s in unaided if s != primary]
    repeat = choice.repeat if choice.repeat is not None else (later[0] if later else None)
    ai = choice.ai if choice.ai is not None else (ai_sessions[0] if ai_sessions else None)
    ref_sessions = sorted(int(s) for s in ref_rows["session"].unique())
    ref_session = primary if primary in ref_sessions else ref_sessions[0]
    in_primary = frame[frame["session"] == primary]
    names = sorted(set(in_primary["reader"]) - {reference})
    kinds = dict(zip(frame["reader"], frame["reader_kind"], strict=False))
    case_sets = sorted(frame["case_set"].unique())
    return Plan(
        primary=primary,
        repeat=repeat,
        ai=ai,
        reference=rater_column(reference, ref_session),
        reference_name=reference,
        readers=tuple(names),
        humans=tuple(sorted([reference, *(n for n in names if kinds[n] == "human")])),
        models=tuple(n for n in names if kinds[n] == "model"),
        case_sets=tuple([*case_sets, ALL_CASES] if len(case_sets) > 1 else case_sets),
    )

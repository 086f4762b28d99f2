"""Reads for the study domain, and the one place that decides who sees what.

Blinding is enforced here, on the server: every reader-facing query starts from
:func:`reader_assignments`, which only ever contains the caller's own assignments in open
sessions of open studies.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from readerstudy.accounts.models import Membership, Role
from readerstudy.studies.models import Assignment, Case, Study, StudyState


def reader_assignments(user) -> QuerySet[Assignment]:
    """The caller's own assignments that can be read now."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    return Assignment.objects.filter(
        reader__user=user,
        session__opens_at__lte=timezone.now(),
        session__study__state=StudyState.OPEN,
    ).select_related("session", "session__study", "reader", "case")


def studies_with_role(user, *roles: str) -> QuerySet[Study]:
    if not user.is_authenticated:
        return Study.objects.none()
    return Study.objects.filter(
        pk__in=Membership.objects.filter(user=user, role__in=roles).values("study_id")
    )


def visible_studies(user) -> QuerySet[Study]:
    """Studies the user has any role in (what the study list shows)."""
    return studies_with_role(user, *Role.values)


def has_role(user, study: Study, *roles: str) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(user=user, study=study, role__in=roles).exists()
    )


def image_visible_cases(user) -> QuerySet[Case]:
    """Cases whose images the user may load: assigned-and-open for readers; all for coordinators."""
    if not user.is_authenticated:
        return Case.objects.none()
    coordinated = studies_with_role(user, Role.COORDINATOR)
    assigned = reader_assignments(user).values("case_id")
    return Case.objects.filter(Q(study__in=coordinated) | Q(pk__in=assigned))

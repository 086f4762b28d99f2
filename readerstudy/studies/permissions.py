"""Role checks for study-scoped endpoints: outside your studies → 404, wrong role → 403."""

from __future__ import annotations

from readerstudy.accounts.models import Membership, Role
from readerstudy.api_errors import Forbidden, NotFound
from readerstudy.studies.models import Study

COORDINATOR = (Role.COORDINATOR,)
ANALYSTS = (Role.COORDINATOR, Role.STATISTICIAN)


def study_for(user, slug: str, roles: tuple[str, ...]) -> Study:
    """The study if ``user`` holds one of ``roles`` in it.

    A study the user has no role in answers 404, exactly like a study that does not exist,
    so slugs cannot be probed; a member with another role gets 403.
    """
    held = set(
        Membership.objects.filter(user=user, study__slug=slug).values_list("role", flat=True)
    )
    if not held:
        raise NotFound("No such study.")
    if not held.intersection(roles):
        raise Forbidden(f"This needs the role {' or '.join(roles)} in study {slug!r}.")
    return Study.objects.select_related("protocol", "reference_reader").get(slug=slug)


def can_create_studies(user) -> bool:
    return user.is_authenticated and (user.is_staff or user.has_perm("studies.add_study"))

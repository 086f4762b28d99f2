"""Server-rendered pages: the login and a role-aware home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from readerstudy.accounts.models import Membership
from readerstudy.studies.selectors import reader_assignments


@never_cache
@login_required
def home(request):
    assignments = (
        reader_assignments(request.user)
        .select_related("read")
        .order_by("session__study__slug", "session__number", "position")
    )
    roles: dict[str, list[str]] = {}
    for slug, role in Membership.objects.filter(user=request.user).values_list(
        "study__slug", "role"
    ):
        roles.setdefault(slug, []).append(role)
    worklist = [
        {
            "code": a.code,
            "study": a.session.study.slug,
            "session": a.session.number,
            "arm": a.session.get_arm_display(),
            "position": a.position,
            "status": a.read.get_status_display() if hasattr(a, "read") else "Not started",
        }
        for a in assignments
    ]
    return render(request, "home.html", {"worklist": worklist, "roles": sorted(roles.items())})

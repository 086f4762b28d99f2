"""Server-rendered pages: the login, a role-aware home page with the reader's worklist, and
the reading workstation, which is a Vite bundle mounted on a page that carries only URLs."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from grading.worklist import next_unread_assignment, reader_worklist
from readerstudy.accounts.models import Membership
from readerstudy.studies.selectors import reader_assignments

# Reader pages load nothing from another origin. The viewer compiles its WASM codecs
# ('wasm-unsafe-eval') and decodes in a same-origin module worker; cornerstone sets inline
# styles on its elements.
READER_PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "worker-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def reader_page(view):
    """Login required, never stored (reading rooms share workstations), same-origin only,
    and always handing the page a CSRF cookie for its API writes."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = READER_PAGE_CSP
        response["Cache-Control"] = "no-store, private"
        return response

    return never_cache(login_required(ensure_csrf_cookie(wrapper)))


@reader_page
def home(request):
    roles: dict[str, list[str]] = {}
    for slug, role in Membership.objects.filter(user=request.user).values_list(
        "study__slug", "role"
    ):
        roles.setdefault(slug, []).append(role)
    sessions = reader_worklist(request.user)
    return render(
        request,
        "home.html",
        {
            "sessions": sessions,
            "has_unread": any(s.next_code for s in sessions if not s.locked),
            "roles": sorted(roles.items()),
        },
    )


@reader_page
def read_next(request):
    """ "Continue": the first unread case of the earliest open session."""
    assignment = next_unread_assignment(request.user)
    if assignment is None:
        messages.info(request, "Every case in your open sessions is read.")
        return redirect("home")
    return redirect("read", code=assignment.code)


@reader_page
def read(request, code: str):
    """The reading workstation for one of the caller's own assignments; anything else is 404."""
    assignment = reader_assignments(request.user).filter(code=code).first()
    if assignment is None:
        raise Http404("No such case in your worklist.")
    return render(
        request,
        "reading.html",
        {
            "code": assignment.code,
            "urls": {
                "assignment": reverse("api-assignment", args=[code]),
                "draft": reverse("api-assignment-draft", args=[code]),
                "submit": reverse("api-assignment-submit", args=[code]),
                "worklist": reverse("home"),
                "read": reverse("read", args=["__code__"]),
            },
        },
    )

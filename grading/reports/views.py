"""The report page (coordinators and statisticians; readers 403) and the report's files.

Files are served from ``MEDIA_ROOT/reports`` through these views only, after the same role
check as the API, and only paths the run recorded.
"""

from __future__ import annotations

import io
import zipfile

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from grading.reports.plan import SessionChoice
from grading.reports.render_html import REPORT_CSS
from grading.reports.selectors import study_report, study_reports
from grading.reports.services import (
    PAGE_FRAGMENT,
    report_directory,
    report_run_start,
    report_run_sweep,
)
from readerstudy.api_errors import ApplicationError, Forbidden, NotFound
from readerstudy.studies.permissions import ANALYSTS, study_for
from readerstudy.views import reader_page

INLINE = {".png": "image/png"}


def _study(request, slug):
    try:
        return study_for(request.user, slug, ANALYSTS)
    except NotFound:
        raise Http404("No such study.") from None
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None


def _run(study, run_id):
    run = study_report(study, run_id)
    if run is None:
        raise Http404("No such report.")
    return run


def _number(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


@reader_page
def report_page(request, slug):
    study = _study(request, slug)
    report_run_sweep()
    runs = study_reports(study)
    chosen = _number(request.GET.get("run", ""))
    run = next((r for r in runs if r.pk == chosen), None) if chosen else None
    if run is None:
        run = next((r for r in runs if r.status == "done"), runs[0] if runs else None)
    body = ""
    if run is not None and run.status == "done":
        fragment = report_directory(run) / PAGE_FRAGMENT
        body = fragment.read_text() if fragment.exists() else ""
    return render(
        request,
        "report.html",
        {
            "study": study,
            "runs": runs,
            "run": run,
            "active": next((r for r in runs if r.status in ("queued", "running")), None),
            "sessions": list(study.sessions.order_by("number")),
            "body": body,
            "css": REPORT_CSS,
            "error": request.GET.get("error", ""),
        },
    )


@require_POST
@reader_page
def report_start(request, slug):
    study = _study(request, slug)
    try:
        seed = int(request.POST.get("seed") or 20211)
        bootstrap = int(request.POST.get("bootstrap") or 0)
        choice = SessionChoice(
            _number(request.POST.get("primary_session")),
            _number(request.POST.get("repeat_session")),
            _number(request.POST.get("ai_session")),
        )
        run = report_run_start(
            user=request.user, study=study, seed=seed, bootstrap=bootstrap, choice=choice
        )
    except ValueError:
        return _page_error(slug, "Seed and bootstrap must be whole numbers.")
    except ApplicationError as exc:
        return _page_error(slug, exc.message)
    return redirect(f"{reverse('report', kwargs={'slug': slug})}?run={run.pk}")


def _page_error(slug: str, message: str):
    from urllib.parse import urlencode

    return redirect(f"{reverse('report', kwargs={'slug': slug})}?{urlencode({'error': message})}")


@reader_page
def report_file(request, slug, run_id, path):
    study = _study(request, slug)
    run = _run(study, run_id)
    if path not in run.files:  # only what the run wrote; never a path built from input
        raise Http404("No such file in this report.")
    target = report_directory(run) / path
    if not target.is_file():
        raise Http404("This report's files are gone.")
    suffix = target.suffix.lower()
    response = FileResponse(
        target.open("rb"),
        as_attachment=suffix not in INLINE,
        filename=f"{slug}-report-{run.pk}-{path.replace('/', '-')}"
        if suffix not in INLINE
        else None,
        content_type=INLINE.get(suffix),
    )
    return response


@reader_page
def report_zip(request, slug, run_id):
    study = _study(request, slug)
    run = _run(study, run_id)
    root = report_directory(run)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(run.files):
            if (root / path).is_file():
                archive.write(root / path, f"{slug}-report-{run.pk}/{path}")
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{slug}-report-{run.pk}.zip"'
    return response

"""Report runs: start one (a background job), build it, sweep runs whose worker died.

A run's files are written to a temporary folder and moved into place only when complete,
so a half-built report is never served.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from grading.models import ReportRun, ReportStatus
from grading.reports.build import build_report, write_files
from grading.reports.plan import PlanError, SessionChoice, make_plan
from grading.reports.selectors import plan_frame, report_inputs
from readerstudy.api_errors import ApplicationError

logger = logging.getLogger("readerstudy.reports")
PAGE_FRAGMENT = ".page.html"  # the in-app page's body; not an export, not in the manifest
STUCK_AFTER = timedelta(hours=1)
MAX_BOOTSTRAP = 20000


def report_directory(run: ReportRun) -> Path:
    return Path(settings.MEDIA_ROOT) / "reports" / run.study.slug / str(run.pk)


def report_run_start(
    *,
    user,
    study,
    seed: int = 20211,
    bootstrap: int = 1000,
    choice: SessionChoice | None = None,
    enqueue: bool = True,
) -> ReportRun:
    """Check the study can be analysed as asked, record a run and queue its build."""
    choice = choice or SessionChoice()
    if not 0 <= bootstrap <= MAX_BOOTSTRAP:
        raise ApplicationError(f"bootstrap must lie between 0 and {MAX_BOOTSTRAP}.")
    reference, sessions, frame = plan_frame(study)
    try:  # refuse now, with the reason, rather than fail later in the worker
        make_plan(reference=reference, sessions=sessions, frame=frame, choice=choice)
    except PlanError as exc:
        raise ApplicationError(str(exc)) from exc
    run = ReportRun.objects.create(
        study=study,
        requested_by=user,
        seed=seed,
        bootstrap=bootstrap,
        primary_session=choice.primary,
        repeat_session=choice.repeat,
        ai_session=choice.ai,
    )
    if enqueue:
        from grading.tasks import build_report_job

        transaction.on_commit(lambda: build_report_job.enqueue(run.pk))
    return run


def _progress_writer(run_id: int):
    last = [0.0]

    def write(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] > 0.5:  # at most two writes a second
            last[0] = now
            ReportRun.objects.filter(pk=run_id).update(progress_done=done, progress_total=total + 1)

    return write


def report_run_execute(*, run_id: int) -> str:
    """Build the run's report. Idempotent: a run that is not queued is left alone."""
    claimed = ReportRun.objects.filter(pk=run_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, started_at=timezone.now()
    )
    run = ReportRun.objects.select_related("study").get(pk=run_id)
    if not claimed:
        return run.status
    started = time.perf_counter()
    try:
        built = build_report(
            report_inputs(run.study),
            seed=run.seed,
            bootstrap=run.bootstrap,
            choice=SessionChoice(run.primary_session, run.repeat_session, run.ai_session),
            progress=_progress_writer(run.pk),
        )
        _publish(run, built)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the run, not lost
        logger.exception("report %s failed", run_id)
        message = (
            str(exc)
            if isinstance(exc, PlanError | ApplicationError)
            else (f"{type(exc).__name__}: {exc}")
        )
        ReportRun.objects.filter(pk=run_id).update(
            status=ReportStatus.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        return ReportStatus.FAILED
    ReportRun.objects.filter(pk=run_id).update(
        status=ReportStatus.DONE,
        finished_at=timezone.now(),
        seconds=time.perf_counter() - started,
        files={path: _sha(data) for path, data in sorted(built.files.items())},
        progress_done=1,
        progress_total=1,
    )
    return ReportStatus.DONE


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _publish(run: ReportRun, built) -> None:
    from grading.reports.render_html import render_html_body

    target = report_directory(run)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{run.pk}-", dir=target.parent))
    try:
        write_files(built, staging)

        def figure_url(figure) -> str:
            return reverse(
                "report-file",
                kwargs={
                    "slug": run.study.slug,
                    "run_id": run.pk,
                    "path": f"figures/{figure.name}.png",
                },
            )

        (staging / PAGE_FRAGMENT).write_text(render_html_body(built.report, figure_src=figure_url))
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def report_run_sweep(*, older_than: timedelta = STUCK_AFTER) -> int:
    """Mark runs left running longer than ``older_than`` as failed (their worker died)."""
    cutoff = timezone.now() - older_than
    return ReportRun.objects.filter(status=ReportStatus.RUNNING, started_at__lt=cutoff).update(
        status=ReportStatus.FAILED,
        error="The worker building this report stopped; start a new report.",
        finished_at=timezone.now(),
    )

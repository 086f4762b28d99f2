"""Background tasks (``django.tasks`` API): report builds."""

from __future__ import annotations

from django_tasks import task


@task()
def build_report_job(run_id: int) -> str:
    from grading.reports.services import report_run_execute

    return report_run_execute(run_id=run_id)

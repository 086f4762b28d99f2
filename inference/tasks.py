"""Background tasks (``django.tasks`` API): one task per model job."""

from __future__ import annotations

from django_tasks import task


@task()
def run_model_job(job_id: int) -> str:
    from inference.runner import model_job_execute

    return model_job_execute(job_id=job_id)

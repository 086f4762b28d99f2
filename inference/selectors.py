"""Reads about model runs: progress is a count of job rows (ARCHITECTURE §6)."""

from __future__ import annotations

from django.db.models import Count, Q

from inference.models import ModelRun, RunStatus


def run_progress(run: ModelRun) -> dict:
    counts = run.cases.aggregate(
        total=Count("id"),
        **{status: Count("id", filter=Q(status=status)) for status in RunStatus.values},
    )
    counts["finished"] = (
        counts["total"] > 0 and counts[RunStatus.DONE] + counts[RunStatus.FAILED] == counts["total"]
    )
    return counts


def study_runs(study) -> list[ModelRun]:
    return list(
        ModelRun.objects.filter(study=study).select_related("reader", "session").order_by("-id")
    )


def study_run(study, run_id: int) -> ModelRun | None:
    return (
        ModelRun.objects.filter(study=study, pk=run_id).select_related("reader", "session").first()
    )

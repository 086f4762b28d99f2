"""Model runs: one run per (model reader, session choice), one job row per assignment.

The database is the truth about progress (ARCHITECTURE §6): a job row is unique per
assignment within a run, so a task delivered twice or a run resumed after a crash does no
harm, and progress is a count of rows, never queue-engine state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ModelRun(models.Model):
    study = models.ForeignKey("studies.Study", on_delete=models.PROTECT, related_name="model_runs")
    reader = models.ForeignKey(
        "studies.Reader", on_delete=models.PROTECT, related_name="model_runs"
    )
    session = models.ForeignKey(
        "studies.ReadingSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="empty: every open session of the study",
    )
    model_version = models.CharField(max_length=64)
    weights_sha256 = models.CharField(max_length=64)
    device = models.CharField(max_length=32, default="cpu")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"run {self.pk} of {self.reader} on {self.study}"


class ModelRunCase(models.Model):
    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="cases")
    assignment = models.ForeignKey(
        "studies.Assignment", on_delete=models.PROTECT, related_name="model_jobs"
    )
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    wall_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "assignment"], name="model_job_unique_case")
        ]
        indexes = [models.Index(fields=["run", "status"])]

    def __str__(self) -> str:
        return f"{self.run} · {self.assignment.code} ({self.status})"

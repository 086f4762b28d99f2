"""Reads and what they hold: grades per site, marks, timing and provenance."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from grading.protocols import ProtocolSpec


class GradingProtocol(models.Model):
    """A protocol stored as data. Studies get their own copy, frozen once the study opens."""

    name = models.CharField(max_length=200)
    template = models.CharField(max_length=64, blank=True)  # the template it was copied from
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def spec(self) -> ProtocolSpec:
        return ProtocolSpec.from_json(self.definition)


class ReadStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Read(models.Model):
    """One reader's read of one assignment. Created when the case is first opened."""

    assignment = models.OneToOneField(
        "studies.Assignment", on_delete=models.PROTECT, related_name="read"
    )
    status = models.CharField(max_length=10, choices=ReadStatus.choices, default=ReadStatus.DRAFT)
    # Server clock: when the reader first opened the case and when the read was submitted.
    opened_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Client-reported seconds of active reading (tab visible, not idle); informative only.
    active_seconds = models.FloatField(null=True, blank=True)
    draft = models.JSONField(null=True, blank=True)  # autosaved form state until submission
    # SHA-256 of the canonical submitted content; the idempotency comparison uses it.
    content_sha256 = models.CharField(max_length=64, blank=True)
    provenance = models.JSONField(null=True, blank=True)  # model readers, simulated reads
    amendment_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="draft", submitted_at__isnull=True)
                    | models.Q(status="submitted", submitted_at__isnull=False)
                ),
                name="read_submitted_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"read of {self.assignment_id} ({self.status})"


class Grade(models.Model):
    """The grade of one site. ``grade`` is null when the site was not assessable."""

    read = models.ForeignKey(Read, on_delete=models.PROTECT, related_name="grades")
    site = models.CharField(max_length=64)
    grade = models.SmallIntegerField(null=True, blank=True)
    # Null, not "": model readers distinguish "no reason given" from an empty string.
    not_assessable_reason = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    probabilities = models.JSONField(null=True, blank=True)  # model readers: one per grade
    detection_score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["read", "id"]
        constraints = [
            models.UniqueConstraint(fields=["read", "site"], name="grade_unique_site"),
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(grade__gte=0),
                name="grade_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site}={self.grade}"


class MarkKind(models.TextChoices):
    POINT = "point", "Point"
    BOX = "box", "Box"


class Mark(models.Model):
    """A finding placed on an image, tied to one site.

    ``image_xy`` is [column, row] with the centre of the first pixel at (0, 0) (cornerstone's
    image coordinates are edge-based: subtract 0.5). ``patient_lps`` is computed on the server
    from the instance geometry, never trusted from the client.
    """

    read = models.ForeignKey(Read, on_delete=models.PROTECT, related_name="marks")
    site = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=MarkKind.choices, default=MarkKind.POINT)
    sop_instance_uid = models.CharField(max_length=64)
    frame = models.PositiveIntegerField(default=1)
    image_xy = models.JSONField()
    box_xyxy = models.JSONField(null=True, blank=True)  # boxes: [col0, row0, col1, row1]
    patient_lps = models.JSONField()

    class Meta:
        ordering = ["read", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(frame__gte=1), name="mark_frame_one_based")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.site}"


class CaseTruth(models.Model):
    """Known truth of a phantom case, per site. Readable only by coordinators and statisticians."""

    case = models.ForeignKey("studies.Case", on_delete=models.PROTECT, related_name="truth")
    site = models.CharField(max_length=64)
    grade = models.SmallIntegerField()
    keypoint_lps = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=100)  # e.g. "phantom 1.0.0 seed 7"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "site"], name="truth_unique_site")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.site}={self.grade}"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ReportRun(models.Model):
    """One build of a study's agreement report; its files live under ``MEDIA_ROOT/reports``
    (never served statically) and are listed in ``files`` with their SHA-256."""

    study = models.ForeignKey("studies.Study", on_delete=models.PROTECT, related_name="reports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seed = models.BigIntegerField()
    bootstrap = models.PositiveIntegerField()
    primary_session = models.PositiveSmallIntegerField(null=True, blank=True)
    repeat_session = models.PositiveSmallIntegerField(null=True, blank=True)
    ai_session = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    files = models.JSONField(default=dict, blank=True)  # relative path → SHA-256

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"report {self.pk} of {self.study_id} ({self.status})"

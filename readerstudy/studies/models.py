"""The study domain: studies, cases, readers, reading sessions and assignments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from readerstudy.studies.codes import new_assignment_code, new_case_code


class StudyState(models.TextChoices):
    # Stored codes are part of the API; never rename them.
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    LOCKED = "locked", "Locked"


class Study(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    protocol = models.ForeignKey(
        "grading.GradingProtocol", on_delete=models.PROTECT, related_name="studies"
    )
    state = models.CharField(max_length=8, choices=StudyState.choices, default=StudyState.DRAFT)
    reference_reader = models.ForeignKey(
        "studies.Reader", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.slug


class Case(models.Model):
    """One patient's blinded imaging in one study.

    ``code`` is what coordinators see; ``patient_pseudonym`` is the keyed-HMAC cluster key
    used by statistics (reads of one patient are correlated) and is never shown to readers.
    """

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="cases")
    code = models.CharField(max_length=16, default=new_case_code, editable=False)
    patient_pseudonym = models.CharField(max_length=32)
    study_instance_uid = models.CharField(max_length=64)  # pseudonymous
    case_set = models.CharField(
        max_length=32,
        default="internal",
        validators=[
            RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", "Use lower-case letters, digits, - and _.")
        ],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "code"], name="case_unique_code"),
            # One case per patient per study: a re-import finds the existing case.
            models.UniqueConstraint(
                fields=["study", "patient_pseudonym"], name="case_unique_patient"
            ),
        ]
        indexes = [models.Index(fields=["study_instance_uid"])]

    def __str__(self) -> str:
        return f"{self.study.slug}/{self.code}"


class ReaderKind(models.TextChoices):
    HUMAN = "human", "Human"
    MODEL = "model", "Model"


class Reader(models.Model):
    """Who reads in a study: a person (linked to a user) or a model (name, version, hash)."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="readers")
    kind = models.CharField(max_length=8, choices=ReaderKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reader_roles",
    )
    name = models.CharField(max_length=100)
    model_version = models.CharField(max_length=64, blank=True)
    weights_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "name"], name="reader_unique_name"),
            models.UniqueConstraint(
                fields=["study", "user"],
                condition=models.Q(user__isnull=False),
                name="reader_unique_user",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="human", user__isnull=False)
                    | models.Q(kind="model", user__isnull=True)
                ),
                name="reader_human_has_user_model_has_none",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Arm(models.TextChoices):
    UNAIDED = "unaided", "Unaided"
    AI_ASSISTED = "ai_assisted", "AI-assisted"


class ReadingSession(models.Model):
    """A reading round. Session 2 after a washout is just a later ``opens_at``."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    arm = models.CharField(max_length=16, choices=Arm.choices, default=Arm.UNAIDED)
    opens_at = models.DateTimeField()
    seed = models.BigIntegerField()  # the per-reader permutations derive from it; recorded
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["study", "number"]
        constraints = [
            models.UniqueConstraint(fields=["study", "number"], name="session_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.study.slug} S{self.number} ({self.arm})"

    @property
    def is_open(self) -> bool:
        return self.opens_at <= timezone.now()


class Assignment(models.Model):
    """Reader × session × case, placed at ``position`` of the reader's stored permutation.

    ``code`` is new in every session, so a reader cannot link two reads of the same case.
    """

    session = models.ForeignKey(
        ReadingSession, on_delete=models.PROTECT, related_name="assignments"
    )
    reader = models.ForeignKey(Reader, on_delete=models.PROTECT, related_name="assignments")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assignments")
    position = models.PositiveIntegerField()
    code = models.CharField(max_length=16, unique=True, default=new_assignment_code, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session__number", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "reader", "case"], name="assignment_unique_case"
            ),
            models.UniqueConstraint(
                fields=["session", "reader", "position"], name="assignment_unique_position"
            ),
        ]
        # The worklist: one reader's assignments in order.
        indexes = [models.Index(fields=["reader", "session", "position"])]

    def __str__(self) -> str:
        return self.code

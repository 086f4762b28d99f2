"""An index of the blinded DICOM store: series and instances, all UIDs pseudonymous."""

from __future__ import annotations

from django.db import models


class Series(models.Model):
    case = models.ForeignKey("studies.Case", on_delete=models.PROTECT, related_name="series")
    series_instance_uid = models.CharField(max_length=64)
    label = models.CharField(max_length=32)  # neutral, e.g. "SAG T2"; never the source text
    number = models.IntegerField(null=True, blank=True)
    modality = models.CharField(max_length=8, default="MR")
    frame_of_reference_uid = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["case", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "series_instance_uid"], name="series_unique_uid"
            )
        ]
        indexes = [models.Index(fields=["series_instance_uid"])]

    def __str__(self) -> str:
        return f"{self.label} ({self.series_instance_uid})"


class Instance(models.Model):
    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="instances")
    sop_instance_uid = models.CharField(max_length=64)
    sop_class_uid = models.CharField(max_length=64)
    instance_number = models.IntegerField(null=True, blank=True)
    # Relative to settings.BLINDED_STORE; only blinded bytes are ever written there.
    path = models.CharField(max_length=255, unique=True)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    transfer_syntax_uid = models.CharField(max_length=64)
    # Frames are served by seeking here: no DICOM parse per request.
    pixel_data_offset = models.BigIntegerField()
    pixel_data_length = models.BigIntegerField()
    number_of_frames = models.PositiveIntegerField(default=1)
    frame_length = models.BigIntegerField()
    rows = models.PositiveIntegerField()
    columns = models.PositiveIntegerField()
    # The allow-listed header as DICOM JSON (PS3.18 F.2), cached for WADO-RS metadata.
    metadata = models.JSONField()

    class Meta:
        ordering = ["series", "instance_number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "sop_instance_uid"], name="instance_unique_uid"
            )
        ]
        indexes = [models.Index(fields=["sop_instance_uid"])]

    def __str__(self) -> str:
        return self.sop_instance_uid

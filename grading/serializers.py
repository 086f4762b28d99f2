"""Input and output shapes of the reading API. Named uniquely: they are OpenAPI components."""

from __future__ import annotations

from rest_framework import serializers


class GradeSerializer(serializers.Serializer):
    site = serializers.CharField(help_text="e.g. L4-L5/canal or L4-L5/foramen/left")
    grade = serializers.IntegerField(allow_null=True, help_text="null: not assessable")
    not_assessable_reason = serializers.CharField(allow_null=True, required=False)
    probabilities = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, required=False
    )
    detection_score = serializers.FloatField(allow_null=True, required=False)


class MarkSerializer(serializers.Serializer):
    site = serializers.CharField()
    kind = serializers.ChoiceField(choices=["point", "box"], default="point")
    sop_instance_uid = serializers.CharField()
    frame = serializers.IntegerField(default=1)
    image_xy = serializers.ListField(
        child=serializers.FloatField(), help_text="[column, row]; first pixel centre is (0, 0)"
    )
    box_xyxy = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, required=False
    )
    patient_lps = serializers.ListField(
        child=serializers.FloatField(), read_only=True, help_text="computed by the server (mm)"
    )


class ReadSubmitInput(serializers.Serializer):
    # Dicts, not nested serializers: the protocol-aware validation in grading.content gives
    # field paths like grades[3] and checks what a generic serializer cannot.
    grades = serializers.ListField(
        child=serializers.DictField(), help_text="one GradeSerializer-shaped object per site"
    )
    marks = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        default=list,
        help_text="MarkSerializer-shaped",
    )
    active_seconds = serializers.FloatField(required=False, allow_null=True)


class ReadAmendInput(ReadSubmitInput):
    reason = serializers.CharField()


class DraftInput(serializers.Serializer):
    draft = serializers.JSONField()
    active_seconds = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=7 * 86400,
        help_text="the client's running total of active reading time (visible tab, not idle)",
    )


class DraftOutput(serializers.Serializer):
    status = serializers.CharField()
    saved = serializers.BooleanField()
    active_seconds = serializers.FloatField(allow_null=True)


class WorklistItemOutput(serializers.Serializer):
    code = serializers.CharField()
    study = serializers.CharField(source="session.study.slug")
    session = serializers.IntegerField(source="session.number")
    arm = serializers.CharField(source="session.arm")
    position = serializers.IntegerField()
    status = serializers.CharField(source="read_status")


class SeriesOutput(serializers.Serializer):
    series_instance_uid = serializers.CharField()
    label = serializers.CharField()
    instances = serializers.IntegerField()
    metadata_url = serializers.URLField()


class ReadContentOutput(serializers.Serializer):
    grades = GradeSerializer(many=True)
    marks = MarkSerializer(many=True)


class AssignmentCaseOutput(serializers.Serializer):
    code = serializers.CharField()
    study = serializers.CharField()
    session = serializers.IntegerField()
    arm = serializers.CharField()
    position = serializers.IntegerField()
    status = serializers.CharField()
    dicomweb_root = serializers.URLField()
    study_instance_uid = serializers.CharField()
    series = SeriesOutput(many=True)
    protocol = serializers.JSONField()
    draft = serializers.JSONField(allow_null=True)
    active_seconds = serializers.FloatField(allow_null=True)
    submitted = ReadContentOutput(allow_null=True)
    ai_output = serializers.JSONField(
        allow_null=True,
        help_text="AI-assisted sessions only: the model's grades, probabilities and marks",
    )


class ReadOutput(serializers.Serializer):
    code = serializers.CharField()
    study = serializers.CharField()
    session = serializers.IntegerField()
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    grades = GradeSerializer(many=True)
    marks = MarkSerializer(many=True)


class SubmitOutput(ReadOutput):
    next = serializers.CharField(allow_null=True, help_text="the next unread assignment code")


class StudyReadOutput(serializers.Serializer):
    id = serializers.IntegerField()
    assignment = serializers.CharField()
    session = serializers.IntegerField()
    arm = serializers.CharField()
    reader = serializers.CharField()
    reader_kind = serializers.CharField()
    case = serializers.CharField()
    case_set = serializers.CharField()
    status = serializers.CharField()
    opened_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField()
    active_seconds = serializers.FloatField(allow_null=True)
    amendment_count = serializers.IntegerField()
    provenance = serializers.JSONField(allow_null=True)
    grades = GradeSerializer(many=True)
    marks = MarkSerializer(many=True)


class TruthOutput(serializers.Serializer):
    case = serializers.CharField(source="case.code")
    site = serializers.CharField()
    grade = serializers.IntegerField()
    keypoint_lps = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    source = serializers.CharField()

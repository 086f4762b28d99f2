"""Input and output shapes of the study API. Named uniquely: they are OpenAPI components."""

from __future__ import annotations

from rest_framework import serializers

from readerstudy.accounts.models import Role
from readerstudy.studies.models import Arm, StudyState

CASE_SET = r"^[a-z0-9][a-z0-9_-]*$"


class ProtocolTemplateOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    levels = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.DictField())
    scale = serializers.ListField(child=serializers.DictField())
    dichotomy_threshold = serializers.IntegerField()
    marks_required_from_grade = serializers.IntegerField()
    allow_not_assessable = serializers.BooleanField()
    sites = serializers.ListField(child=serializers.CharField())


class StudyCreateInput(serializers.Serializer):
    slug = serializers.SlugField(max_length=64)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    protocol_template = serializers.CharField(required=False, default="lumbar-spinal-stenosis")
    protocol = serializers.JSONField(
        required=False, help_text="a full protocol definition instead of a template"
    )


class StudyOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    state = serializers.CharField()
    protocol = serializers.CharField(source="protocol.name")
    created_at = serializers.DateTimeField()


class StudyListItemOutput(StudyOutput):
    my_roles = serializers.ListField(child=serializers.CharField())


class SessionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    arm = serializers.CharField()
    opens_at = serializers.DateTimeField()
    is_open = serializers.BooleanField()
    seed = serializers.IntegerField()
    assignments = serializers.IntegerField(source="n_assignments", default=None)


class StudyDetailOutput(StudyOutput):
    protocol_definition = serializers.JSONField(source="protocol.definition")
    reference_reader = serializers.CharField(source="reference_reader.name", default=None)
    cases = serializers.IntegerField(source="n_cases")
    case_sets = serializers.DictField(child=serializers.IntegerField())
    readers = serializers.ListField(child=serializers.CharField(), source="reader_names")
    sessions = SessionOutput(many=True, source="session_list")


class StudyTransitionInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=StudyState.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CaseOutput(serializers.Serializer):
    code = serializers.CharField()
    case_set = serializers.CharField()
    patient_pseudonym = serializers.CharField(help_text="cluster key for statistics")
    series = serializers.IntegerField(source="series_count")
    instances = serializers.IntegerField(source="instance_count")
    created_at = serializers.DateTimeField()


class CaseImportInput(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    case_set = serializers.RegexField(CASE_SET, max_length=32, default="internal")
    skip_rejected = serializers.BooleanField(default=False)


class RejectionOutput(serializers.Serializer):
    name = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ImportedCaseOutput(serializers.Serializer):
    code = serializers.CharField()
    created = serializers.BooleanField()
    series = serializers.DictField(child=serializers.IntegerField())
    instances_added = serializers.IntegerField()
    instances_present = serializers.IntegerField()
    truth_sites = serializers.IntegerField()


class ImportReportOutput(serializers.Serializer):
    aborted = serializers.BooleanField()
    cases = ImportedCaseOutput(many=True)
    rejected = RejectionOutput(many=True)
    instances_added = serializers.IntegerField()


class MemberInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    password = serializers.CharField(required=False, write_only=True, min_length=8)
    email = serializers.EmailField(required=False, default="")


class MemberOutput(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    role = serializers.CharField()


class ReaderInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["human", "model"], default="human")
    username = serializers.CharField(required=False)
    name = serializers.CharField(required=False, default="")
    model_version = serializers.CharField(required=False, default="")
    weights_sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", required=False, default="")

    def validate(self, attrs):
        if attrs["kind"] == "human" and not attrs.get("username"):
            raise serializers.ValidationError({"username": "a human reader needs a username"})
        if attrs["kind"] == "model" and not (
            attrs["name"] and attrs["model_version"] and attrs["weights_sha256"]
        ):
            raise serializers.ValidationError(
                {"name": "a model reader needs name, model_version and weights_sha256"}
            )
        return attrs


class ReaderOutput(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    username = serializers.CharField(source="user.username", default=None)
    model_version = serializers.CharField()
    weights_sha256 = serializers.CharField()


class ReferenceInput(serializers.Serializer):
    reader = serializers.CharField(help_text="the reader's name in this study")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReferenceOutput(serializers.Serializer):
    reference_reader = serializers.CharField()


class SessionInput(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=1000)
    arm = serializers.ChoiceField(choices=Arm.choices, default=Arm.UNAIDED)
    opens_at = serializers.DateTimeField()
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**62)


class SessionAssignInput(serializers.Serializer):
    readers = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="reader names; default all"
    )
    cases = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="case codes; default all"
    )


class SessionAssignOutput(serializers.Serializer):
    created = serializers.IntegerField()


class AssignmentOutput(serializers.Serializer):
    code = serializers.CharField()
    session = serializers.IntegerField(source="session.number")
    reader = serializers.CharField(source="reader.name")
    case = serializers.CharField(source="case.code")
    position = serializers.IntegerField()
    status = serializers.CharField(source="read_status")


class AuditEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label")
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    old = serializers.JSONField()
    new = serializers.JSONField()
    reason = serializers.CharField()

"""Coordinator and statistician API: set up a study from a template, fill it by import,
staff it, plan sessions and open it — without the admin. Thin views over services."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from grading.protocols import TEMPLATES
from readerstudy.accounts.models import Membership, Role
from readerstudy.api_errors import Forbidden, NotFound
from readerstudy.audit.models import AuditEvent
from readerstudy.audit.services import Actor
from readerstudy.imaging.services import dicom_import
from readerstudy.studies import services
from readerstudy.studies.models import Arm, Assignment, ReadingSession, StudyState
from readerstudy.studies.permissions import ANALYSTS, COORDINATOR, can_create_studies, study_for
from readerstudy.studies.selectors import visible_studies


def actor_of(request) -> Actor:
    return Actor(user=request.user)


class ProtocolTemplatesApi(APIView):
    def get(self, request):
        return Response(
            [{"slug": slug, **spec.to_json(), "sites": list(spec.site_codes)} for slug, spec in TEMPLATES.items()]
        )


class StudyOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    state = serializers.CharField()
    protocol = serializers.CharField(source="protocol.name")
    created_at = serializers.DateTimeField()


class StudyListCreateApi(APIView):
    class Input(serializers.Serializer):
        slug = serializers.SlugField(max_length=64)
        name = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True, default="")
        protocol_template = serializers.CharField(required=False, default="lumbar-spinal-stenosis")
        protocol = serializers.JSONField(required=False, help_text="a full protocol definition instead of a template")

    @extend_schema(responses=StudyOutput(many=True))
    def get(self, request):
        studies = visible_studies(request.user).select_related("protocol").order_by("slug")
        roles: dict[int, list[str]] = {}
        for study_id, role in Membership.objects.filter(user=request.user).values_list("study_id", "role"):
            roles.setdefault(study_id, []).append(role)
        return Response([{**StudyOutput(s).data, "my_roles": sorted(roles.get(s.pk, []))} for s in studies])

    @extend_schema(request=Input, responses={201: StudyOutput})
    def post(self, request):
        if not can_create_studies(request.user):
            raise Forbidden("Your account may not create studies.")
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        study = services.study_create(
            actor=actor_of(request),
            slug=data.validated_data["slug"],
            name=data.validated_data["name"],
            description=data.validated_data["description"],
            protocol_template=data.validated_data["protocol_template"],
            protocol_definition=data.validated_data.get("protocol"),
        )
        return Response(StudyOutput(study).data, status=status.HTTP_201_CREATED)


class StudyDetailApi(APIView):
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        counts = study.cases.aggregate(n=Count("id"))
        return Response(
            {
                **StudyOutput(study).data,
                "protocol_definition": study.protocol.definition,
                "reference_reader": study.reference_reader.name if study.reference_reader else None,
                "cases": counts["n"],
                "case_sets": dict(study.cases.values_list("case_set").annotate(n=Count("id")).order_by()),
                "readers": [r.name for r in study.readers.order_by("id")],
                "sessions": [
                    {"number": s.number, "arm": s.arm, "opens_at": s.opens_at, "is_open": s.is_open}
                    for s in study.sessions.all()
                ],
            }
        )


class StudyTransitionApi(APIView):
    class Input(serializers.Serializer):
        state = serializers.ChoiceField(choices=StudyState.choices)
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=Input, responses=StudyOutput)
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        study = services.study_transition(
            actor=actor_of(request), study=study, to_state=data.validated_data["state"], reason=data.validated_data["reason"]
        )
        return Response(StudyOutput(study).data)


class CaseListApi(APIView):
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        cases = study.cases.annotate(series_count=Count("series", distinct=True), instance_count=Count("series__instances")).order_by("id")
        return Response(
            [
                {
                    "code": c.code,
                    "case_set": c.case_set,
                    "patient_pseudonym": c.patient_pseudonym,
                    "series": c.series_count,
                    "instances": c.instance_count,
                    "created_at": c.created_at,
                }
                for c in cases
            ]
        )


class CaseImportApi(APIView):
    """Upload DICOM files or zips; the whole upload is validated before anything is stored."""

    parser_classes = [MultiPartParser, FormParser]

    class Input(serializers.Serializer):
        files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
        case_set = serializers.RegexField(r"^[a-z0-9][a-z0-9_-]*$", max_length=32, default="internal")
        skip_rejected = serializers.BooleanField(default=False)

    @extend_schema(request=Input)
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = self.Input(data={**request.data.dict(), "files": request.FILES.getlist("files")})
        data.is_valid(raise_exception=True)
        settings.UPLOAD_STAGING.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=settings.UPLOAD_STAGING))
        try:
            paths = []
            for index, upload in enumerate(data.validated_data["files"]):
                # Our own names: the client's file name never becomes a path on disk.
                target = staging / f"{index:05d}.upload"
                with open(target, "wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                paths.append(target)
            names = {str(p): f.name for p, f in zip(paths, data.validated_data["files"])}
            report = dicom_import(
                actor=actor_of(request),
                study=study,
                paths=paths,
                case_set=data.validated_data["case_set"],
                skip_rejected=data.validated_data["skip_rejected"],
            )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        body = report.as_dict()
        for rejection in body["rejected"]:
            for staged, original in names.items():
                rejection["name"] = rejection["name"].replace(Path(staged).name, original)
        if report.aborted:
            return Response(
                {
                    "error": {
                        "code": "import_rejected",
                        "message": f"Nothing was imported: {len(report.rejected)} file(s) rejected.",
                        "fields": {"files": [f"{r['name']}: {r['message']}" for r in body["rejected"]]},
                    },
                    "report": body,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(body, status=status.HTTP_201_CREATED)


class MemberListCreateApi(APIView):
    class Input(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        role = serializers.ChoiceField(choices=Role.choices)
        password = serializers.CharField(required=False, write_only=True, min_length=8)
        email = serializers.EmailField(required=False, default="")

    def get(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        members = Membership.objects.filter(study=study).select_related("user").order_by("user__username", "role")
        return Response([{"username": m.user.username, "role": m.role} for m in members])

    @extend_schema(request=Input)
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_add(actor=actor_of(request), study=study, **data.validated_data)
        return Response({"username": membership.user.username, "role": membership.role}, status=status.HTTP_201_CREATED)


def reader_output(reader) -> dict:
    return {
        "name": reader.name,
        "kind": reader.kind,
        "username": reader.user.username if reader.user else None,
        "model_version": reader.model_version,
        "weights_sha256": reader.weights_sha256,
    }


class ReaderListCreateApi(APIView):
    class Input(serializers.Serializer):
        kind = serializers.ChoiceField(choices=["human", "model"], default="human")
        username = serializers.CharField(required=False)
        name = serializers.CharField(required=False, default="")
        model_version = serializers.CharField(required=False, default="")
        weights_sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", required=False, default="")

        def validate(self, attrs):
            if attrs["kind"] == "human" and not attrs.get("username"):
                raise serializers.ValidationError({"username": "a human reader needs a username"})
            if attrs["kind"] == "model" and not (attrs["name"] and attrs["model_version"] and attrs["weights_sha256"]):
                raise serializers.ValidationError(
                    {"name": "a model reader needs name, model_version and weights_sha256"}
                )
            return attrs

    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        return Response([reader_output(r) for r in study.readers.select_related("user").order_by("id")])

    @extend_schema(request=Input)
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["kind"] == "human":
            reader = services.reader_add_human(actor=actor_of(request), study=study, username=v["username"], name=v["name"])
        else:
            reader = services.reader_add_model(
                actor=actor_of(request), study=study, name=v["name"], model_version=v["model_version"], weights_sha256=v["weights_sha256"]
            )
        return Response(reader_output(reader), status=status.HTTP_201_CREATED)


class ReferenceApi(APIView):
    class Input(serializers.Serializer):
        reader = serializers.CharField(help_text="the reader's name in this study")
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=Input)
    def put(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        reader = study.readers.filter(name=data.validated_data["reader"]).first()
        if reader is None:
            raise NotFound("No such reader in this study.")
        services.reference_designate(actor=actor_of(request), study=study, reader=reader, reason=data.validated_data["reason"])
        return Response({"reference_reader": reader.name})


def session_output(session: ReadingSession) -> dict:
    return {
        "number": session.number,
        "arm": session.arm,
        "opens_at": session.opens_at,
        "is_open": session.is_open,
        "seed": session.seed,
        "assignments": getattr(session, "n_assignments", None),
    }


class SessionListCreateApi(APIView):
    class Input(serializers.Serializer):
        number = serializers.IntegerField(min_value=1, max_value=1000)
        arm = serializers.ChoiceField(choices=Arm.choices, default=Arm.UNAIDED)
        opens_at = serializers.DateTimeField()
        seed = serializers.IntegerField(required=False, min_value=0, max_value=2**62)

    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        sessions = study.sessions.annotate(n_assignments=Count("assignments"))
        return Response([session_output(s) for s in sessions])

    @extend_schema(request=Input)
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.session_create(actor=actor_of(request), study=study, **data.validated_data)
        return Response(session_output(session), status=status.HTTP_201_CREATED)


class SessionAssignApi(APIView):
    class Input(serializers.Serializer):
        readers = serializers.ListField(child=serializers.CharField(), required=False, help_text="reader names; default all")
        cases = serializers.ListField(child=serializers.CharField(), required=False, help_text="case codes; default all")

    @extend_schema(request=Input)
    def post(self, request, slug, number):
        study = study_for(request.user, slug, COORDINATOR)
        session = study.sessions.filter(number=number).first()
        if session is None:
            raise NotFound("No such session.")
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        readers = cases = None
        if "readers" in data.validated_data:
            names = data.validated_data["readers"]
            readers = list(study.readers.filter(name__in=names))
            unknown = sorted(set(names) - {r.name for r in readers})
            if unknown:
                raise NotFound(f"Unknown readers: {', '.join(unknown)}.")
        if "cases" in data.validated_data:
            codes = data.validated_data["cases"]
            cases = list(study.cases.filter(code__in=codes))
            unknown = sorted(set(codes) - {c.code for c in cases})
            if unknown:
                raise NotFound(f"Unknown cases: {', '.join(unknown)}.")
        created = services.session_assign(actor=actor_of(request), session=session, readers=readers, cases=cases)
        return Response({"created": len(created)}, status=status.HTTP_201_CREATED)


class AssignmentListApi(APIView):
    def get(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        assignments = Assignment.objects.filter(session__study=study).select_related("session", "reader", "case", "read")
        if "session" in request.query_params:
            assignments = assignments.filter(session__number=request.query_params["session"])
        if "reader" in request.query_params:
            assignments = assignments.filter(reader__name=request.query_params["reader"])
        return Response(
            [
                {
                    "code": a.code,
                    "session": a.session.number,
                    "reader": a.reader.name,
                    "case": a.case.code,
                    "position": a.position,
                    "status": a.read.status if hasattr(a, "read") else "not_started",
                }
                for a in assignments.order_by("session__number", "reader__name", "position")
            ]
        )


class AuditListApi(APIView):
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        events = AuditEvent.objects.filter(study=study).order_by("id")
        if "action" in request.query_params:
            events = events.filter(action=request.query_params["action"])
        return Response(
            [
                {
                    "id": e.id,
                    "at": e.at,
                    "actor": e.actor_label,
                    "action": e.action,
                    "object_type": e.object_type,
                    "object_id": e.object_id,
                    "old": e.old,
                    "new": e.new,
                    "reason": e.reason,
                }
                for e in events
            ]
        )

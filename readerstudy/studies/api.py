"""Coordinator and statistician API: set up a study from a template, fill it by import,
staff it, plan sessions and open it — without the admin. Thin views over services."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from grading.protocols import TEMPLATES
from readerstudy.accounts.models import Membership
from readerstudy.api_errors import Forbidden, NotFound, validated
from readerstudy.audit.models import AuditEvent
from readerstudy.audit.services import Actor
from readerstudy.imaging.services import dicom_import
from readerstudy.studies import serializers as s
from readerstudy.studies import services
from readerstudy.studies.models import Assignment
from readerstudy.studies.permissions import ANALYSTS, COORDINATOR, can_create_studies, study_for
from readerstudy.studies.selectors import visible_studies


def actor_of(request) -> Actor:
    return Actor(user=request.user)


class ProtocolTemplatesApi(APIView):
    @extend_schema(responses=s.ProtocolTemplateOutput(many=True))
    def get(self, request):
        templates = [
            {"slug": slug, **spec.to_json(), "sites": list(spec.site_codes)}
            for slug, spec in TEMPLATES.items()
        ]
        return Response(s.ProtocolTemplateOutput(templates, many=True).data)


class StudyListCreateApi(APIView):
    @extend_schema(responses=s.StudyListItemOutput(many=True))
    def get(self, request):
        studies = list(visible_studies(request.user).select_related("protocol").order_by("slug"))
        roles: dict[int, list[str]] = {}
        for study_id, role in Membership.objects.filter(user=request.user).values_list(
            "study_id", "role"
        ):
            roles.setdefault(study_id, []).append(role)
        for study in studies:
            study.my_roles = sorted(roles.get(study.pk, []))
        return Response(s.StudyListItemOutput(studies, many=True).data)

    @extend_schema(request=s.StudyCreateInput, responses={201: s.StudyOutput})
    def post(self, request):
        if not can_create_studies(request.user):
            raise Forbidden("Your account may not create studies.")
        data = validated(s.StudyCreateInput, request.data)
        study = services.study_create(
            actor=actor_of(request),
            slug=data["slug"],
            name=data["name"],
            description=data["description"],
            protocol_template=data["protocol_template"],
            protocol_definition=data.get("protocol"),
        )
        return Response(s.StudyOutput(study).data, status=status.HTTP_201_CREATED)


class StudyDetailApi(APIView):
    @extend_schema(responses=s.StudyDetailOutput)
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        study.n_cases = study.cases.count()
        study.case_sets = dict(
            study.cases.values_list("case_set").annotate(n=Count("id")).order_by()
        )
        study.reader_names = [r.name for r in study.readers.order_by("id")]
        study.session_list = study.sessions.annotate(n_assignments=Count("assignments"))
        return Response(s.StudyDetailOutput(study).data)


class StudyTransitionApi(APIView):
    @extend_schema(request=s.StudyTransitionInput, responses=s.StudyOutput)
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = validated(s.StudyTransitionInput, request.data)
        study = services.study_transition(
            actor=actor_of(request), study=study, to_state=data["state"], reason=data["reason"]
        )
        return Response(s.StudyOutput(study).data)


class CaseListApi(APIView):
    @extend_schema(responses=s.CaseOutput(many=True))
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        cases = study.cases.annotate(
            series_count=Count("series", distinct=True), instance_count=Count("series__instances")
        ).order_by("id")
        return Response(s.CaseOutput(cases, many=True).data)


class CaseImportApi(APIView):
    """Upload DICOM files or zips; the whole upload is validated before anything is stored."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=s.CaseImportInput,
        responses={
            201: s.ImportReportOutput,
            400: OpenApiResponse(description="rejected files; nothing was imported"),
        },
    )
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = validated(
            s.CaseImportInput, {**request.data.dict(), "files": request.FILES.getlist("files")}
        )
        settings.UPLOAD_STAGING.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=settings.UPLOAD_STAGING))
        try:
            paths = []
            for index, upload in enumerate(data["files"]):
                # A folder per upload and a sanitised base name: the client's name never
                # chooses a path on disk, yet rejection messages still name the file.
                safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(upload.name).name)[:100]
                target = staging / f"{index:05d}" / (safe_name.lstrip(".") or "upload")
                target.parent.mkdir()
                with open(target, "wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                paths.append(target)
            report = dicom_import(
                actor=actor_of(request),
                study=study,
                paths=paths,
                case_set=data["case_set"],
                skip_rejected=data["skip_rejected"],
            )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        body = s.ImportReportOutput(report.as_dict()).data
        if report.aborted:
            error = {
                "code": "import_rejected",
                "message": f"Nothing was imported: {len(report.rejected)} file(s) rejected.",
                "fields": {"files": [f"{r.name}: {r.message}" for r in report.rejected]},
            }
            return Response({"error": error, "report": body}, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_201_CREATED)


class MemberListCreateApi(APIView):
    @extend_schema(responses=s.MemberOutput(many=True))
    def get(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        members = (
            Membership.objects.filter(study=study)
            .select_related("user")
            .order_by("user__username", "role")
        )
        return Response(s.MemberOutput(members, many=True).data)

    @extend_schema(request=s.MemberInput, responses={201: s.MemberOutput})
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = validated(s.MemberInput, request.data)
        membership = services.membership_add(actor=actor_of(request), study=study, **data)
        return Response(s.MemberOutput(membership).data, status=status.HTTP_201_CREATED)


class ReaderListCreateApi(APIView):
    @extend_schema(responses=s.ReaderOutput(many=True))
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        readers = study.readers.select_related("user").order_by("id")
        return Response(s.ReaderOutput(readers, many=True).data)

    @extend_schema(request=s.ReaderInput, responses={201: s.ReaderOutput})
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        v = validated(s.ReaderInput, request.data)
        if v["kind"] == "human":
            reader = services.reader_add_human(
                actor=actor_of(request), study=study, username=v["username"], name=v["name"]
            )
        else:
            reader = services.reader_add_model(
                actor=actor_of(request),
                study=study,
                name=v["name"],
                model_version=v["model_version"],
                weights_sha256=v["weights_sha256"],
            )
        return Response(s.ReaderOutput(reader).data, status=status.HTTP_201_CREATED)


class ReferenceApi(APIView):
    @extend_schema(request=s.ReferenceInput, responses=s.ReferenceOutput)
    def put(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = validated(s.ReferenceInput, request.data)
        reader = study.readers.filter(name=data["reader"]).first()
        if reader is None:
            raise NotFound("No such reader in this study.")
        services.reference_designate(
            actor=actor_of(request), study=study, reader=reader, reason=data["reason"]
        )
        return Response({"reference_reader": reader.name})


class SessionListCreateApi(APIView):
    @extend_schema(responses=s.SessionOutput(many=True))
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        sessions = study.sessions.annotate(n_assignments=Count("assignments"))
        return Response(s.SessionOutput(sessions, many=True).data)

    @extend_schema(request=s.SessionInput, responses={201: s.SessionOutput})
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = validated(s.SessionInput, request.data)
        session = services.session_create(actor=actor_of(request), study=study, **data)
        session.n_assignments = 0
        return Response(s.SessionOutput(session).data, status=status.HTTP_201_CREATED)


class SessionAssignApi(APIView):
    @extend_schema(request=s.SessionAssignInput, responses={201: s.SessionAssignOutput})
    def post(self, request, slug, number):
        study = study_for(request.user, slug, COORDINATOR)
        session = study.sessions.filter(number=number).first()
        if session is None:
            raise NotFound("No such session.")
        data = validated(s.SessionAssignInput, request.data)
        readers = cases = None
        if "readers" in data:
            readers = list(study.readers.filter(name__in=data["readers"]))
            unknown = sorted(set(data["readers"]) - {r.name for r in readers})
            if unknown:
                raise NotFound(f"Unknown readers: {', '.join(unknown)}.")
        if "cases" in data:
            cases = list(study.cases.filter(code__in=data["cases"]))
            unknown = sorted(set(data["cases"]) - {c.code for c in cases})
            if unknown:
                raise NotFound(f"Unknown cases: {', '.join(unknown)}.")
        created = services.session_assign(
            actor=actor_of(request), session=session, readers=readers, cases=cases
        )
        return Response({"created": len(created)}, status=status.HTTP_201_CREATED)


class AssignmentListApi(APIView):
    @extend_schema(responses=s.AssignmentOutput(many=True))
    def get(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        assignments = Assignment.objects.filter(session__study=study).select_related(
            "session", "reader", "case", "read"
        )
        if "session" in request.query_params:
            assignments = assignments.filter(session__number=request.query_params["session"])
        if "reader" in request.query_params:
            assignments = assignments.filter(reader__name=request.query_params["reader"])
        assignments = list(assignments.order_by("session__number", "reader__name", "position"))
        for assignment in assignments:
            read = getattr(assignment, "read", None)
            assignment.read_status = read.status if read else "not_started"
        return Response(s.AssignmentOutput(assignments, many=True).data)


class AuditListApi(APIView):
    @extend_schema(responses=s.AuditEventOutput(many=True))
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        events = AuditEvent.objects.filter(study=study).order_by("id")
        if "action" in request.query_params:
            events = events.filter(action=request.query_params["action"])
        return Response(s.AuditEventOutput(events, many=True).data)

"""Reading API. Readers: worklist, case payload, draft autosave, submit, my reads.
Coordinators and statisticians: reads, amendments, phantom truth. Thin views over services.

Every reader endpoint starts from :func:`reader_assignments`, so a reader can only ever reach
their own assignments in open sessions; an unknown or foreign assignment code is a 404.
Reader responses are ``Cache-Control: no-store`` (reading rooms share workstations).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from grading import serializers as s
from grading import services
from grading.models import CaseTruth, Read, ReadStatus
from grading.selectors import read_content
from grading.worklist import ai_overlay, next_unread_assignment
from readerstudy.api_errors import NotFound, validated
from readerstudy.audit.services import Actor
from readerstudy.studies.models import Assignment
from readerstudy.studies.permissions import ANALYSTS, COORDINATOR, study_for
from readerstudy.studies.selectors import reader_assignments


class NoStoreMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        response["Cache-Control"] = "no-store, private"
        return response


def _assignment(request, code: str) -> Assignment:
    assignment = reader_assignments(request.user).filter(code=code).first()
    if assignment is None:
        raise NotFound("No such assignment in your worklist.")
    return assignment


class WorklistApi(NoStoreMixin, APIView):
    @extend_schema(responses=s.WorklistItemOutput(many=True))
    def get(self, request):
        assignments = list(
            reader_assignments(request.user)
            .select_related("read")
            .order_by("session__study__slug", "session__number", "position")
        )
        for assignment in assignments:
            read = getattr(assignment, "read", None)
            assignment.read_status = read.status if read else "not_started"
        return Response(s.WorklistItemOutput(assignments, many=True).data)


class AssignmentDetailApi(NoStoreMixin, APIView):
    """The case payload: what the reading page needs, and nothing that could unblind."""

    @extend_schema(responses=s.AssignmentCaseOutput)
    def get(self, request, code):
        assignment = _assignment(request, code)
        read = services.read_open(actor=Actor(user=request.user), assignment=assignment)
        case = assignment.case
        study_uid = case.study_instance_uid
        series = [
            {
                "series_instance_uid": series.series_instance_uid,
                "label": series.label,
                "instances": series.instances.count(),
                "metadata_url": request.build_absolute_uri(
                    reverse("wado-series-metadata", args=[study_uid, series.series_instance_uid])
                ),
            }
            for series in case.series.order_by("number", "id")
        ]
        payload = {
            "code": assignment.code,
            "study": assignment.session.study.slug,
            "session": assignment.session.number,
            "arm": assignment.session.arm,
            "position": assignment.position,
            "status": read.status,
            "dicomweb_root": request.build_absolute_uri("/dicomweb"),
            "study_instance_uid": study_uid,
            "series": series,
            "protocol": assignment.session.study.protocol.definition,
            "draft": read.draft,
            "active_seconds": read.active_seconds,
            "submitted": read_content(read) if read.status == ReadStatus.SUBMITTED else None,
            # Only an AI-assisted session carries the model's read; unaided ones never do.
            "ai_output": ai_overlay(assignment),
        }
        return Response(s.AssignmentCaseOutput(payload).data)


class DraftApi(NoStoreMixin, APIView):
    @extend_schema(
        request=s.DraftInput,
        responses={200: s.DraftOutput, 409: OpenApiResponse(description="already submitted")},
    )
    def put(self, request, code):
        assignment = _assignment(request, code)
        data = validated(s.DraftInput, request.data)
        read = services.read_save_draft(
            actor=Actor(user=request.user),
            assignment=assignment,
            draft=data["draft"],
            active_seconds=data.get("active_seconds"),
        )
        return Response(
            {"status": read.status, "saved": True, "active_seconds": read.active_seconds}
        )


def _read_payload(read: Read) -> dict:
    assignment = read.assignment
    return {
        "code": assignment.code,
        "study": assignment.session.study.slug,
        "session": assignment.session.number,
        "status": read.status,
        "submitted_at": read.submitted_at,
        **read_content(read),
    }


class SubmitApi(NoStoreMixin, APIView):
    @extend_schema(
        request=s.ReadSubmitInput,
        responses={
            201: s.SubmitOutput,
            200: OpenApiResponse(s.SubmitOutput, description="the same read was already stored"),
            400: OpenApiResponse(description="invalid grades or marks"),
            409: OpenApiResponse(description="already submitted with different content"),
        },
    )
    def post(self, request, code):
        assignment = _assignment(request, code)
        data = validated(s.ReadSubmitInput, request.data)
        outcome = services.read_submit(
            actor=Actor(user=request.user), assignment=assignment, payload=dict(data)
        )
        following = next_unread_assignment(request.user, after=assignment)
        return Response(
            s.SubmitOutput(
                {**_read_payload(outcome.read), "next": following.code if following else None}
            ).data,
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )


class MyReadsApi(NoStoreMixin, APIView):
    @extend_schema(responses=s.ReadOutput(many=True))
    def get(self, request):
        reads = (
            Read.objects.filter(
                assignment__in=reader_assignments(request.user), status=ReadStatus.SUBMITTED
            )
            .select_related("assignment__session__study")
            .prefetch_related("grades", "marks")
            .order_by("submitted_at")
        )
        return Response(s.ReadOutput([_read_payload(r) for r in reads], many=True).data)


def _study_read_payload(read: Read) -> dict:
    a = read.assignment
    return {
        "id": read.id,
        "assignment": a.code,
        "session": a.session.number,
        "arm": a.session.arm,
        "reader": a.reader.name,
        "reader_kind": a.reader.kind,
        "case": a.case.code,
        "case_set": a.case.case_set,
        "status": read.status,
        "opened_at": read.opened_at,
        "submitted_at": read.submitted_at,
        "active_seconds": read.active_seconds,
        "amendment_count": read.amendment_count,
        "provenance": read.provenance,
        **read_content(read),
    }


class StudyReadListApi(APIView):
    @extend_schema(responses=s.StudyReadOutput(many=True))
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        reads = (
            Read.objects.filter(assignment__session__study=study, status=ReadStatus.SUBMITTED)
            .select_related("assignment__session", "assignment__reader", "assignment__case")
            .prefetch_related("grades", "marks")
            .order_by("id")
        )
        if "session" in request.query_params:
            reads = reads.filter(assignment__session__number=request.query_params["session"])
        if "reader" in request.query_params:
            reads = reads.filter(assignment__reader__name=request.query_params["reader"])
        return Response(s.StudyReadOutput([_study_read_payload(r) for r in reads], many=True).data)


class ReadAmendApi(APIView):
    @extend_schema(request=s.ReadAmendInput, responses=s.StudyReadOutput)
    def post(self, request, slug, read_id):
        study = study_for(request.user, slug, COORDINATOR)
        read = Read.objects.filter(pk=read_id, assignment__session__study=study).first()
        if read is None:
            raise NotFound("No such read in this study.")
        payload = dict(validated(s.ReadAmendInput, request.data))
        reason = payload.pop("reason")
        read = services.read_amend(
            actor=Actor(user=request.user), read=read, payload=payload, reason=reason
        )
        return Response(s.StudyReadOutput(_study_read_payload(read)).data)


class TruthApi(APIView):
    @extend_schema(responses=s.TruthOutput(many=True))
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        rows = (
            CaseTruth.objects.filter(case__study=study)
            .select_related("case")
            .order_by("case_id", "site")
        )
        return Response(s.TruthOutput(rows, many=True).data)

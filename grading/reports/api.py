"""Report runs over the API: coordinators and statisticians start one and follow it.

Thin views over :mod:`grading.reports.services` (writes) and ``selectors`` (reads). Readers
get 403; people outside the study 404.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from grading.reports.plan import SessionChoice
from grading.reports.selectors import study_report, study_reports
from grading.reports.services import MAX_BOOTSTRAP, report_run_start, report_run_sweep
from readerstudy.api_errors import NotFound, validated
from readerstudy.studies.permissions import ANALYSTS, study_for


class ReportRunInput(serializers.Serializer):
    seed = serializers.IntegerField(required=False, default=20211, min_value=0, max_value=2**31 - 1)
    bootstrap = serializers.IntegerField(
        required=False, default=1000, min_value=0, max_value=MAX_BOOTSTRAP
    )
    primary_session = serializers.IntegerField(required=False, min_value=1, allow_null=True)
    repeat_session = serializers.IntegerField(required=False, min_value=1, allow_null=True)
    ai_session = serializers.IntegerField(required=False, min_value=1, allow_null=True)


class ReportFileOutput(serializers.Serializer):
    path = serializers.CharField()
    sha256 = serializers.CharField()
    url = serializers.CharField()


class ReportRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    progress_done = serializers.IntegerField()
    progress_total = serializers.IntegerField()
    seed = serializers.IntegerField()
    bootstrap = serializers.IntegerField()
    primary_session = serializers.IntegerField(allow_null=True)
    repeat_session = serializers.IntegerField(allow_null=True)
    ai_session = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    seconds = serializers.FloatField(allow_null=True)
    error = serializers.CharField()
    files = ReportFileOutput(many=True)
    zip_url = serializers.CharField(allow_null=True)
    page_url = serializers.CharField()


def payload(run) -> dict:
    slug = run.study.slug
    files = [
        {
            "path": path,
            "sha256": sha,
            "url": reverse("report-file", kwargs={"slug": slug, "run_id": run.pk, "path": path}),
        }
        for path, sha in sorted(run.files.items())
    ]
    data = {
        **{f: getattr(run, f) for f in ReportRunOutput().fields if hasattr(run, f)},
        "files": files,
        "zip_url": reverse("report-zip", kwargs={"slug": slug, "run_id": run.pk})
        if run.files
        else None,
        "page_url": reverse("report", kwargs={"slug": slug}) + f"?run={run.pk}",
    }
    return ReportRunOutput(data).data


class ReportRunListCreateApi(APIView):
    @extend_schema(responses=ReportRunOutput(many=True))
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        report_run_sweep()
        return Response([payload(run) for run in study_reports(study)])

    @extend_schema(request=ReportRunInput, responses={202: ReportRunOutput})
    def post(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        data = validated(ReportRunInput, request.data)
        run = report_run_start(
            user=request.user,
            study=study,
            seed=data["seed"],
            bootstrap=data["bootstrap"],
            choice=SessionChoice(
                data.get("primary_session"), data.get("repeat_session"), data.get("ai_session")
            ),
        )
        run.refresh_from_db()
        return Response(payload(run), status=status.HTTP_202_ACCEPTED)


class ReportRunDetailApi(APIView):
    @extend_schema(responses=ReportRunOutput)
    def get(self, request, slug, run_id):
        study = study_for(request.user, slug, ANALYSTS)
        run = study_report(study, run_id)
        if run is None:
            raise NotFound("No such report.")
        return Response(payload(run))

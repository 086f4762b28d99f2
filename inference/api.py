"""Model runs over the API: a coordinator starts one; coordinators and statisticians follow it.

Thin views over :mod:`inference.runner` (writes) and :mod:`inference.selectors` (reads).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from inference.runner import model_run_start, model_run_sweep
from inference.selectors import run_progress, study_run, study_runs
from readerstudy.api_errors import NotFound, validated
from readerstudy.audit.services import Actor
from readerstudy.studies.permissions import ANALYSTS, COORDINATOR, study_for


class ModelRunInput(serializers.Serializer):
    session = serializers.IntegerField(required=False, min_value=1, help_text="default: all open")
    reader = serializers.CharField(required=False, help_text="the model reader, if several")


class ModelRunProgressOutput(serializers.Serializer):
    total = serializers.IntegerField()
    queued = serializers.IntegerField()
    running = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    finished = serializers.BooleanField()


class ModelRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reader = serializers.CharField(source="reader.name")
    session = serializers.IntegerField(source="session.number", allow_null=True)
    model_version = serializers.CharField()
    weights_sha256 = serializers.CharField()
    device = serializers.CharField()
    created_at = serializers.DateTimeField()
    progress = ModelRunProgressOutput()


def _payload(run) -> dict:
    run.progress = run_progress(run)
    return ModelRunOutput(run).data


class ModelRunListCreateApi(APIView):
    @extend_schema(responses=ModelRunOutput(many=True))
    def get(self, request, slug):
        study = study_for(request.user, slug, ANALYSTS)
        model_run_sweep()  # a worker that died leaves jobs running; looking is a good moment
        return Response([_payload(run) for run in study_runs(study)])

    @extend_schema(request=ModelRunInput, responses={202: ModelRunOutput})
    def post(self, request, slug):
        study = study_for(request.user, slug, COORDINATOR)
        data = validated(ModelRunInput, request.data)
        run = model_run_start(
            actor=Actor(user=request.user),
            study=study,
            session_number=data.get("session"),
            reader_name=data.get("reader"),
        )
        return Response(_payload(run), status=status.HTTP_202_ACCEPTED)


class ModelRunDetailApi(APIView):
    @extend_schema(responses=ModelRunOutput)
    def get(self, request, slug, run_id):
        study = study_for(request.user, slug, ANALYSTS)
        run = study_run(study, run_id)
        if run is None:
            raise NotFound("No such model run.")
        return Response(_payload(run))

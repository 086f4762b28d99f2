"""The model reads its assignments like a person: blinded input, the same grading service,
provenance, idempotent and resumable runs, and progress through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grading.models import Read
from inference.models import ModelRunCase, RunStatus
from inference.runner import model_job_execute, model_run_start, model_run_sweep
from readerstudy.audit.services import Actor
from readerstudy.studies.models import Assignment
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def model_reads(model_study):
    return Read.objects.filter(assignment__reader=model_study["model"]).order_by("id")


def test_run_model_reads_every_case_of_the_open_sessions_with_provenance(model_study):
    call_command("run_model", study="dl", no_progress=True)
    reads = list(model_reads(model_study))
    open_assignments = Assignment.objects.filter(
        reader=model_study["model"], session=model_study["sessions"][1]
    )
    assert {r.assignment_id for r in reads} == set(open_assignments.values_list("id", flat=True))
    for read in reads:
        assert read.status == "submitted" and read.grades.count() == 25
        assert read.provenance["weights_sha256"] == model_study["model"].weights_sha256
        assert read.provenance["model_version"] == model_study["model"].model_version
        assert {"code_version", "device", "wall_seconds", "run"} <= set(read.provenance)
        graded = read.grades.exclude(grade=None)
        assert all(len(g.probabilities) == 4 for g in graded)
        assert read.marks.count() >= graded.filter(grade__gte=2).count()


def test_a_second_run_changes_nothing_and_marks_every_case_done(model_study):
    call_command("run_model", study="dl", no_progress=True)
    before = {r.pk: r.content_sha256 for r in model_reads(model_study)}
    call_command("run_model", study="dl", no_progress=True)
    assert {r.pk: r.content_sha256 for r in model_reads(model_study)} == before
    assert set(ModelRunCase.objects.values_list("status", flat=True)) == {RunStatus.DONE}


def test_a_job_left_running_by_a_dead_worker_is_swept_back_and_finished(model_study):
    run = model_run_start(actor=Actor.system("test"), study=model_study["study"], enqueue=False)
    job = run.cases.first()
    ModelRunCase.objects.filter(pk=job.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1)
    )
    assert model_job_execute(job_id=job.pk) == RunStatus.RUNNING  # someone else "has" it
    assert model_run_sweep(enqueue=False) == 1
    assert model_job_execute(job_id=job.pk) == RunStatus.DONE
    assert Read.objects.get(assignment=job.assignment).status == "submitted"


def test_the_model_never_touches_truth_other_reads_or_identity(model_study, monkeypatch, settings):
    import inference

    seen_paths = []
    real = inference.study_input_from_dicom

    def recording(paths):
        seen_paths.extend(paths)
        return real(paths)

    monkeypatch.setattr(inference, "study_input_from_dicom", recording)
    run = model_run_start(actor=Actor.system("test"), study=model_study["study"], enqueue=False)
    with CaptureQueriesContext(connection) as queries:
        for job in run.cases.all():
            assert model_job_execute(job_id=job.pk) == RunStatus.DONE
    statements = [q["sql"].lower() for q in queries.captured_queries]
    touching_truth_or_identity = [
        q for q in statements if "casetruth" in q or "patient_pseudonym" in q
    ]
    assert touching_truth_or_identity == []
    # Grades and marks are only ever written (its own read), never read back: no other
    # reader's grades, the reference's included, can reach the model.
    reading_grades = [
        q
        for q in statements
        if q.startswith("select") and ("grading_grade" in q or "grading_mark" in q)
    ]
    assert reading_grades == []
    assert seen_paths and all(str(p).startswith(str(settings.BLINDED_STORE)) for p in seen_paths)


def test_a_coordinator_starts_a_run_over_the_api_and_analysts_follow_its_progress(
    model_study, django_capture_on_commit_callbacks
):
    coordinator = client_for(model_study["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):  # tasks are enqueued on commit
        response = coordinator.post("/api/studies/dl/model-runs/", {}, format="json")
    assert response.status_code == 202
    run_id = response.json()["id"]
    progress = coordinator.get(f"/api/studies/dl/model-runs/{run_id}/").json()["progress"]
    assert progress == {
        "total": 2,
        "queued": 0,
        "running": 0,
        "done": 2,
        "failed": 0,
        "finished": True,
    }  # the immediate task backend ran the jobs at once
    statistician = client_for(model_study["statistician"])
    assert statistician.get("/api/studies/dl/model-runs/").status_code == 200
    assert statistician.post("/api/studies/dl/model-runs/", {}).status_code == 403
    reader = client_for(model_study["reader_user"])
    assert reader.get("/api/studies/dl/model-runs/").status_code == 403


def test_model_reads_are_visible_to_the_coordinator_and_not_to_readers(model_study):
    call_command("run_model", study="dl", no_progress=True)
    reads = client_for(model_study["coordinator"]).get("/api/studies/dl/reads/").json()
    assert any(r["reader"] == "model" for r in reads)
    mine = client_for(model_study["reader_user"]).get("/api/my/reads/").json()
    assert mine == []


def test_a_study_registered_with_other_weights_is_refused(model_study):
    from readerstudy.api_errors import Conflict

    model = model_study["model"]
    model.weights_sha256 = "0" * 64
    model.save(update_fields=["weights_sha256"])
    with pytest.raises(Conflict, match="never mixes model versions"):
        model_run_start(actor=Actor.system("test"), study=model_study["study"], enqueue=False)


def test_a_session_still_in_its_washout_cannot_be_run(model_study):
    from readerstudy.api_errors import Conflict

    with pytest.raises(Conflict, match="not open"):
        model_run_start(
            actor=Actor.system("test"), study=model_study["study"], session_number=2, enqueue=False
        )


def test_a_batched_run_reads_each_case_as_one_at_a_time_would(model_study):
    from inference.runner import model_jobs_execute

    one = model_run_start(actor=Actor.system("test"), study=model_study["study"], enqueue=False)
    for job in one.cases.all():
        model_job_execute(job_id=job.pk)
    single = {r.assignment_id: r.content_sha256 for r in model_reads(model_study)}
    Read.objects.filter(pk__in=[r.pk for r in model_reads(model_study)])  # keep for comparison
    from grading.models import Grade, Mark

    Mark.objects.filter(read__assignment__reader=model_study["model"]).delete()
    Grade.objects.filter(read__assignment__reader=model_study["model"]).delete()
    model_reads(model_study).delete()
    batched = model_run_start(actor=Actor.system("test"), study=model_study["study"], enqueue=False)
    jobs = list(batched.cases.values_list("pk", flat=True))
    assert model_jobs_execute(job_ids=jobs) == [RunStatus.DONE] * len(jobs)
    assert {r.assignment_id: r.content_sha256 for r in model_reads(model_study)} == single

"""seed_demo: the demo study a new user meets, built through the real services."""

from __future__ import annotations

import math

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from grading.models import Mark, Read
from readerstudy.studies.models import Study

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--patients", "2", "--external", "1", "--seed", "5", verbosity=0)
    return Study.objects.get(slug="demo")


def test_the_demo_has_its_logins_and_internal_and_external_cases_with_truth(demo):
    for username in ["coordinator", "statistician", "reference", "reader1", "reader2", "reader3"]:
        assert authenticate(username=username, password=f"demo-{username}") is not None, username
    assert demo.state == "open"
    sets = sorted(demo.cases.values_list("case_set", flat=True))
    assert sets == ["external", "internal", "internal"]
    for case in demo.cases.all():
        assert case.truth.count() == 25
        assert sorted(case.series.values_list("label", flat=True)) == ["AX T2", "SAG T1", "SAG T2"]

    sessions = {s.number: s for s in demo.sessions.all()}
    assert [sessions[n].arm for n in (1, 2, 3, 4)] == [
        "unaided",
        "unaided",
        "ai_assisted",
        "unaided",
    ]
    assert sessions[2].opens_at - sessions[1].opens_at == timezone.timedelta(weeks=4)
    assert sessions[1].opens_at < timezone.now() - timezone.timedelta(weeks=7)
    assert not sessions[4].is_open  # the future session shows the washout lock
    assert demo.reference_reader.name == "reference"
    call_command("seed_demo", "--if-empty", verbosity=0)  # a second run leaves it alone
    assert Study.objects.filter(slug="demo").count() == 1


def test_simulated_reads_are_labelled_backdated_and_reader1_has_none(demo):
    reads = Read.objects.filter(assignment__session__study=demo)
    assert not reads.filter(assignment__reader__name="reader1").exists()
    assert reads.filter(assignment__reader__name="reader2").count() == 9  # 3 cases × S1–S3
    people = reads.exclude(assignment__reader__name="model").select_related("assignment__session")
    for read in people:
        assert read.provenance["simulated"] is True
        assert read.assignment.session.opens_at <= read.opened_at <= read.submitted_at


def test_the_model_reader_has_real_model_reads_of_every_assigned_case(demo):
    import json
    from pathlib import Path

    card_path = Path(__file__).resolve().parents[2] / "inference" / "weights" / "model_card.json"
    card = json.loads(card_path.read_text())
    model = demo.readers.get(name="model")
    assert (model.model_version, model.weights_sha256) == (card["version"], card["sha256"])
    reads = Read.objects.filter(assignment__reader=model)
    assert reads.count() == model.assignments.count() == 3  # S1: every case
    for read in reads:
        assert read.status == "submitted" and "simulated" not in read.provenance
        assert read.provenance["weights_sha256"] == card["sha256"]
        graded = read.grades.exclude(grade=None)
        assert graded.count() >= 20
        assert all(abs(sum(g.probabilities) - 1) < 1e-5 for g in graded)


def test_simulated_marks_mostly_fall_within_tolerance_of_the_truth(demo):
    spec = demo.protocol.spec
    truth = {(t.case_id, t.site): t.keypoint_lps for c in demo.cases.all() for t in c.truth.all()}
    marks = Mark.objects.filter(read__assignment__session__study=demo).select_related(
        "read__assignment"
    )
    within = [
        math.dist(truth[(m.read.assignment.case_id, m.site)], m.patient_lps)
        <= spec.region(m.site.split("/")[1]).tolerance_mm
        for m in marks
    ]
    assert len(within) > 20
    assert sum(within) / len(within) >= 0.8

    call_command("seed_demo", "--if-empty", verbosity=0)
    assert Study.objects.filter(slug="demo").count() == 1

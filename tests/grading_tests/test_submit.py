"""Submitting reads: idempotent, validated against the protocol, immutable once submitted."""

from __future__ import annotations

import pytest

from grading.models import Grade, Read
from readerstudy.audit.models import AuditEvent
from tests.conftest import client_for
from tests.reads import first_instance, read_payload

pytestmark = pytest.mark.django_db


def _open_assignment(cast, username="reader_a1"):
    return cast.alpha.readers[username], cast.first_assignment(username)


def _submit(user, assignment, payload):
    return client_for(user).post(
        f"/api/assignments/{assignment.code}/submit/", payload, format="json"
    )


def test_a_complete_read_is_stored_with_201_and_server_times(cast):
    user, assignment = _open_assignment(cast)
    response = _submit(user, assignment, read_payload(assignment.case, grade=1))
    assert response.status_code == 201, response.json()
    read = Read.objects.get(assignment=assignment)
    assert read.status == "submitted"
    assert read.submitted_at is not None and read.opened_at <= read.submitted_at
    assert read.active_seconds == 42.5
    assert Grade.objects.filter(read=read).count() == 25
    assert response["Cache-Control"].startswith("no-store")


def test_the_same_content_again_answers_200_with_the_stored_read(cast):
    user, assignment = _open_assignment(cast)
    payload = read_payload(assignment.case, grade=2)
    first = _submit(user, assignment, payload)
    again = _submit(user, assignment, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["grades"] == first.json()["grades"]
    assert Read.objects.filter(assignment=assignment).count() == 1
    assert AuditEvent.objects.filter(action="read.submit").count() == 1


def test_different_content_after_submission_is_a_409_and_the_first_read_stays(cast):
    user, assignment = _open_assignment(cast)
    _submit(user, assignment, read_payload(assignment.case, grade=0))
    response = _submit(user, assignment, read_payload(assignment.case, grade=1))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_submitted"
    assert set(
        Grade.objects.filter(read__assignment=assignment).values_list("grade", flat=True)
    ) == {0}


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["grades"].pop(), "grades"),
        (lambda p: p["grades"][0].update(grade=4), "grades[0]"),
        (lambda p: p["grades"][0].update(grade="1"), "grades[0]"),
        (lambda p: p["grades"][1].update(site="L9-L10/canal"), "grades[1]"),
        (lambda p: p["grades"].append(dict(p["grades"][0])), "grades[25]"),
        (lambda p: p["grades"][0].update(grade=0, not_assessable_reason="motion"), "grades[0]"),
        (lambda p: p.update(active_seconds=-3), "active_seconds"),
    ],
    ids=[
        "missing site",
        "grade off scale",
        "grade as text",
        "unknown site",
        "site twice",
        "reason on graded site",
        "negative time",
    ],
)
def test_an_invalid_read_is_a_400_naming_the_field_and_stores_nothing(cast, mutate, field):
    user, assignment = _open_assignment(cast)
    payload = read_payload(assignment.case)
    mutate(payload)
    response = _submit(user, assignment, payload)
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Grade.objects.filter(read__assignment=assignment).exists()


def test_a_moderate_site_without_a_mark_is_refused(cast):
    user, assignment = _open_assignment(cast)
    payload = read_payload(assignment.case, overrides={"L4-L5/canal": 2})
    payload["marks"] = []
    response = _submit(user, assignment, payload)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "marks_required"
    assert "L4-L5/canal" in response.json()["error"]["message"]


def test_a_mark_on_an_image_of_another_case_is_refused(cast):
    user, assignment = _open_assignment(cast)
    other_case = next(c for c in cast.alpha.cases if c != assignment.case)
    payload = read_payload(assignment.case, overrides={"L4-L5/canal": 3})
    payload["marks"][0]["sop_instance_uid"] = first_instance(other_case).sop_instance_uid
    response = _submit(user, assignment, payload)
    assert response.status_code == 400
    assert "marks[0]" in response.json()["error"]["fields"]


def test_a_mark_gets_patient_millimetres_from_the_image_geometry(cast):
    user, assignment = _open_assignment(cast)
    payload = read_payload(assignment.case, overrides={"L4-L5/canal": 3})
    payload["marks"][0]["image_xy"] = [2, 3]
    response = _submit(user, assignment, payload)
    assert response.status_code == 201
    # tests.dicom_files: IPP (-4, -100, 128) for slice 1, IOP rows +y, columns -z, 1 mm pixels.
    # Column 2 moves 2 mm along +y, row 3 moves 3 mm along -z (PS3.3 C.7.6.2.1.1).
    assert response.json()["marks"][0]["patient_lps"] == [-4.0, -98.0, 125.0]


def test_not_assessable_sites_are_stored_as_missing_grades(cast):
    user, assignment = _open_assignment(cast)
    payload = read_payload(assignment.case)
    payload["grades"][0] = {
        "site": payload["grades"][0]["site"],
        "grade": None,
        "not_assessable_reason": "motion",
    }
    assert _submit(user, assignment, payload).status_code == 201
    grade = Grade.objects.get(read__assignment=assignment, site=payload["grades"][0]["site"])
    assert grade.grade is None and grade.not_assessable_reason == "motion"


def test_drafts_autosave_until_submission_and_are_refused_after(cast):
    user, assignment = _open_assignment(cast)
    client = client_for(user)
    url = f"/api/assignments/{assignment.code}/draft/"
    assert client.put(url, {"draft": {"L1-L2/canal": 1}}, format="json").status_code == 200
    assert client.get(f"/api/assignments/{assignment.code}/").json()["draft"] == {"L1-L2/canal": 1}
    _submit(user, assignment, read_payload(assignment.case))
    response = client.put(url, {"draft": {"L1-L2/canal": 2}}, format="json")
    assert response.status_code == 409


def test_the_first_opening_is_recorded_once_by_the_server(cast):
    user, assignment = _open_assignment(cast)
    client = client_for(user)
    client.get(f"/api/assignments/{assignment.code}/")
    opened = Read.objects.get(assignment=assignment).opened_at
    client.get(f"/api/assignments/{assignment.code}/")
    assert Read.objects.get(assignment=assignment).opened_at == opened
    assert (
        AuditEvent.objects.filter(action="read.open", object_id=str(assignment.read.pk)).count()
        == 1
    )


def test_a_locked_study_refuses_new_reads(cast):
    from readerstudy.audit.services import Actor
    from readerstudy.studies.services import study_transition

    user, assignment = _open_assignment(cast)
    study_transition(
        actor=Actor(user=cast.alpha.coordinator), study=cast.alpha.study, to_state="locked"
    )
    # Locked is not open: the worklist empties and the code is no longer reachable.
    assert _submit(user, assignment, read_payload(assignment.case)).status_code == 404

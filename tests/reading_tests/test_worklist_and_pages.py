"""The reader's worklist page, the reading page, "continue", next case and the AI overlay.

Blinding per endpoint, with the named cast: a reader reaches only their own assignments in
open sessions; the AI read reaches them only in an AI-assisted session.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from grading.worklist import ai_overlay, next_unread_assignment, reader_worklist
from readerstudy.audit.services import Actor
from readerstudy.studies import services
from readerstudy.studies.models import Assignment
from tests.conftest import client_for
from tests.reads import read_payload

pytestmark = pytest.mark.django_db


def submit(user, assignment, **kwargs):
    response = client_for(user).post(
        f"/api/assignments/{assignment.code}/submit/",
        read_payload(assignment.case, **kwargs),
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def own(cast, username, session):
    return list(
        Assignment.objects.filter(reader__user__username=username, session=session).order_by(
            "position"
        )
    )


def add_ai_session(cast, *, arm="ai_assisted"):
    """An AI-assisted (or unaided) session 3 of alpha, and the model's submitted reads."""
    study, coord = cast.alpha.study, Actor(user=cast.alpha.coordinator)
    model = services.reader_add_model(
        actor=coord, study=study, name="dl", model_version="1.0", weights_sha256="ab" * 32
    )
    session = services.session_create(
        actor=coord,
        study=study,
        number=3,
        opens_at=timezone.now() - timedelta(hours=1),
        arm=arm,
        seed=3,
    )
    services.session_assign(actor=coord, session=session)
    from grading.services import read_submit

    for assignment in Assignment.objects.filter(reader=model, session=session):
        payload = read_payload(assignment.case, grade=2)
        for grade in payload["grades"]:
            grade["probabilities"] = [0.1, 0.2, 0.6, 0.1]
        read_submit(actor=Actor(label="model:dl 1.0"), assignment=assignment, payload=payload)
    return session


def test_the_worklist_lists_open_sessions_with_progress_and_locks_the_washout(cast):
    first = own(cast, "reader_a1", cast.alpha.open_session)
    submit(cast.reader_a, first[0])
    sessions = reader_worklist(cast.reader_a)
    assert [(s.number, s.locked) for s in sessions] == [(1, False), (2, True)]
    open_session, locked = sessions
    assert (open_session.done, open_session.total) == (1, 2)
    assert open_session.next_code == first[1].code
    assert open_session.active_seconds == pytest.approx(42.5)
    assert [row.code for row in open_session.rows] == [a.code for a in first]
    assert locked.rows == [] and locked.total == 2  # sizes only, never the codes


def test_the_worklist_page_shows_the_locked_session_with_its_date_but_not_its_cases(cast):
    page = client_for(cast.reader_a).get("/")
    text = page.content.decode()
    assert "Locked until" in text and cast.alpha.future_session.opens_at.strftime("%Y") in text
    for assignment in own(cast, "reader_a1", cast.alpha.future_session):
        assert assignment.code not in text
    for assignment in own(cast, "reader_a1", cast.alpha.open_session):
        assert f'href="/read/{assignment.code}/"' in text
    assert "no-store" in page["Cache-Control"]
    assert "default-src 'self'" in page["Content-Security-Policy"]


def test_continue_opens_the_first_unread_case_then_the_worklist_when_all_are_read(cast):
    first = own(cast, "reader_a1", cast.alpha.open_session)
    client = client_for(cast.reader_a)
    assert client.get("/read/next/")["Location"] == f"/read/{first[0].code}/"
    submit(cast.reader_a, first[0])
    assert client.get("/read/next/")["Location"] == f"/read/{first[1].code}/"
    submit(cast.reader_a, first[1])
    assert client.get("/read/next/")["Location"] == "/"


def test_submit_names_the_next_unread_case_in_the_stored_order(cast):
    first = own(cast, "reader_a1", cast.alpha.open_session)
    assert submit(cast.reader_a, first[0])["next"] == first[1].code
    assert submit(cast.reader_a, first[1])["next"] is None


def test_the_next_case_wraps_to_an_earlier_unread_one(cast):
    first = own(cast, "reader_a1", cast.alpha.open_session)
    submit(cast.reader_a, first[1])
    assert next_unread_assignment(cast.reader_a, after=first[1]) == first[0]


@pytest.mark.parametrize(
    ("who", "status"),
    [("reader_a1", 200), ("reader_a2", 404), ("reader_b1", 404), ("outsider", 404)],
)
def test_the_reading_page_opens_only_for_the_assigned_reader(cast, who, status):
    assignment = own(cast, "reader_a1", cast.alpha.open_session)[0]
    users = {
        "reader_a1": cast.reader_a,
        "reader_a2": cast.alpha.readers["reader_a2"],
        "reader_b1": cast.reader_b,
        "outsider": cast.outsider,
    }
    response = client_for(users[who]).get(f"/read/{assignment.code}/")
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert f'data-assignment-url="/api/assignments/{assignment.code}/"' in text
        assert assignment.case.code not in text and assignment.case.patient_pseudonym not in text
        assert response["Cache-Control"].startswith("no-store")
        assert "script-src 'self' 'wasm-unsafe-eval'" in response["Content-Security-Policy"]


def test_a_washout_session_cannot_be_opened_and_anonymous_users_are_sent_to_log_in(cast, client):
    future = own(cast, "reader_a1", cast.alpha.future_session)[0]
    assert client_for(cast.reader_a).get(f"/read/{future.code}/").status_code == 404
    response = client.get(f"/read/{own(cast, 'reader_a1', cast.alpha.open_session)[0].code}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_drafts_carry_active_time_that_only_grows(cast):
    assignment = own(cast, "reader_a1", cast.alpha.open_session)[0]
    client = client_for(cast.reader_a)
    url = f"/api/assignments/{assignment.code}/draft/"
    assert client.put(url, {"draft": {}, "active_seconds": 30}, format="json").json()[
        "active_seconds"
    ] == pytest.approx(30)
    later = client.put(url, {"draft": {}, "active_seconds": 12}, format="json").json()
    assert later["active_seconds"] == pytest.approx(30)  # a reload's restart cannot lose time
    assert client.put(url, {"draft": {}, "active_seconds": -1}, format="json").status_code == 400
    payload = client.get(f"/api/assignments/{assignment.code}/").json()
    assert payload["active_seconds"] == pytest.approx(30)
    body = read_payload(assignment.case)
    body.pop("active_seconds")
    client.post(f"/api/assignments/{assignment.code}/submit/", body, format="json")
    assignment.read.refresh_from_db()
    assert assignment.read.active_seconds == pytest.approx(30)


def test_the_ai_read_reaches_readers_only_in_an_ai_assisted_session(cast):
    session = add_ai_session(cast)
    assisted = own(cast, "reader_a1", session)[0]
    payload = client_for(cast.reader_a).get(f"/api/assignments/{assisted.code}/").json()
    ai = payload["ai_output"]
    assert payload["arm"] == "ai_assisted" and ai["model"] == {"name": "dl", "version": "1.0"}
    assert {g["grade"] for g in ai["grades"]} == {2}
    assert ai["grades"][0]["probabilities"] == [0.1, 0.2, 0.6, 0.1]
    assert len(ai["marks"]) == 25  # grade 2 requires a mark on every site
    assert payload["draft"] is None  # never prefilled into the reader's grid
    unaided = own(cast, "reader_a1", cast.alpha.open_session)[0]
    assert (
        client_for(cast.reader_a).get(f"/api/assignments/{unaided.code}/").json()["ai_output"]
        is None
    )


def test_an_unaided_session_never_carries_the_ai_read_even_when_one_exists(cast):
    session = add_ai_session(cast, arm="unaided")
    assignment = own(cast, "reader_a1", session)[0]
    assert ai_overlay(assignment) is None
    payload = client_for(cast.reader_a).get(f"/api/assignments/{assignment.code}/").json()
    assert payload["ai_output"] is None
    assert "0.6" not in str(payload)  # the model's probabilities appear nowhere


def test_every_reader_write_needs_the_csrf_token_when_logged_in_by_session(cast):
    from rest_framework.test import APIClient

    assignment = own(cast, "reader_a1", cast.alpha.open_session)[0]
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(cast.reader_a)
    base = f"/api/assignments/{assignment.code}"
    draft = client.put(f"{base}/draft/", {"draft": {}}, format="json")
    submit = client.post(f"{base}/submit/", read_payload(assignment.case), format="json")
    assert draft.status_code == 403 and submit.status_code == 403
    assert "CSRF" in draft.json()["error"]["message"]
    client.get(f"/read/{assignment.code}/")  # the page sets the cookie its script sends back
    token = client.cookies["csrftoken"].value
    ok = client.put(f"{base}/draft/", {"draft": {}}, format="json", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 200

"""Who may call what: one matrix per endpoint and role, with the named cast.

Cast: coord_alpha and stat_alpha (study alpha), reader_a1 (a reader in alpha), reader_b1 (a
reader in beta only), outsider (no role), and an anonymous caller. A study outside your scope
answers 404 exactly like a missing one; a role that is not allowed answers 403.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from readerstudy.audit.models import AuditEvent
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

CAST = ["coord_alpha", "stat_alpha", "reader_a1", "reader_b1", "outsider", None]
ANALYSTS = dict(zip(CAST, [200, 200, 403, 404, 404, 401], strict=True))
COORDINATOR = dict(zip(CAST, [200, 403, 403, 404, 404, 401], strict=True))


def _client(username):
    user = get_user_model().objects.get(username=username) if username else None
    return client_for(user)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/studies/alpha/", ANALYSTS),
        ("/api/studies/alpha/cases/", ANALYSTS),
        ("/api/studies/alpha/readers/", ANALYSTS),
        ("/api/studies/alpha/sessions/", ANALYSTS),
        ("/api/studies/alpha/audit/", ANALYSTS),
        ("/api/studies/alpha/reads/", ANALYSTS),
        ("/api/studies/alpha/truth/", ANALYSTS),
        ("/api/studies/alpha/members/", COORDINATOR),
        ("/api/studies/alpha/assignments/", COORDINATOR),
    ],
)
@pytest.mark.parametrize("who", CAST)
def test_study_reads_are_open_only_to_the_right_roles(cast, url, expected, who):
    response = _client(who).get(url)
    assert response.status_code == expected[who], (who, url, response.content[:200])
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


WRITES = [
    ("post", "/api/studies/alpha/transition/", {"state": "locked"}),
    ("post", "/api/studies/alpha/members/", {"username": "outsider", "role": "reader"}),
    ("post", "/api/studies/alpha/readers/", {"kind": "human", "username": "outsider"}),
    ("put", "/api/studies/alpha/reference/", {"reader": "reader_a1", "reason": "r"}),
    ("post", "/api/studies/alpha/sessions/", {"number": 9, "opens_at": "2030-01-01T00:00:00Z"}),
    ("post", "/api/studies/alpha/sessions/1/assign/", {}),
]


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
@pytest.mark.parametrize("who", ["stat_alpha", "reader_a1", "reader_b1", "outsider", None])
def test_only_the_coordinator_changes_a_study_and_refusals_change_nothing(
    cast, method, url, body, who
):
    before = AuditEvent.objects.count()
    response = getattr(_client(who), method)(url, body, format="json")
    assert response.status_code == COORDINATOR[who], (who, url, response.content[:200])
    assert AuditEvent.objects.count() == before


def test_a_reader_sees_only_their_own_assignments_in_open_sessions(cast):
    worklist = _client("reader_a1").get("/api/worklist/").json()
    own = cast.reader_a.reader_roles.get().assignments
    assert {item["code"] for item in worklist} == set(
        own.filter(session=cast.alpha.open_session).values_list("code", flat=True)
    )
    assert all(item["session"] == 1 for item in worklist)  # session 2 is still in washout
    assert set(worklist[0]) == {"code", "study", "session", "arm", "position", "status"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("reader_a1", 200),
        ("reader_a2", 404),
        ("coord_alpha", 404),
        ("stat_alpha", 404),
        ("reader_b1", 404),
        ("outsider", 404),
        (None, 401),
    ],
)
def test_an_assignment_opens_only_for_its_own_reader(cast, who, expected):
    code = cast.first_assignment("reader_a1").code
    response = _client(who).get(f"/api/assignments/{code}/")
    assert response.status_code == expected
    if expected == 200:
        assert response["Cache-Control"].startswith("no-store")


def test_an_assignment_in_a_washout_session_is_not_reachable(cast):
    code = cast.first_assignment("reader_a1", future=True).code
    client = _client("reader_a1")
    assert client.get(f"/api/assignments/{code}/").status_code == 404
    assert (
        client.post(f"/api/assignments/{code}/submit/", {"grades": []}, format="json").status_code
        == 404
    )


def test_the_case_payload_carries_nothing_that_unblinds(cast):
    assignment = cast.first_assignment("reader_a1")
    payload = _client("reader_a1").get(f"/api/assignments/{assignment.code}/").json()
    text = str(payload)
    case = assignment.case
    assert case.code not in text  # the coordinator's case code
    assert case.patient_pseudonym not in text
    assert "ref_alpha" not in text  # who the reference reader is
    assert payload["ai_output"] is None and payload["arm"] == "unaided"
    assert set(payload) == {
        "code",
        "study",
        "session",
        "arm",
        "position",
        "status",
        "dicomweb_root",
        "study_instance_uid",
        "series",
        "protocol",
        "draft",
        "active_seconds",
        "submitted",
        "ai_output",
    }


def test_a_reader_never_receives_the_reference_readers_reads(cast):
    from tests.reads import read_payload

    reference_user = cast.alpha.readers["ref_alpha"]
    assignment = cast.first_assignment("ref_alpha")
    client_for(reference_user).post(
        f"/api/assignments/{assignment.code}/submit/",
        read_payload(assignment.case, grade=3),
        format="json",
    )
    reader = _client("reader_a1")
    assert reader.get("/api/my/reads/").json() == []
    assert reader.get("/api/studies/alpha/reads/").status_code == 403
    assert reader.get(f"/api/assignments/{assignment.code}/").status_code == 404


def test_only_staff_or_permitted_users_create_studies(cast):
    from django.contrib.auth.models import Permission

    body = {"slug": "gamma", "name": "Gamma"}
    assert _client("coord_alpha").post("/api/studies/", body, format="json").status_code == 403
    coord = get_user_model().objects.get(username="coord_alpha")
    coord.user_permissions.add(Permission.objects.get(codename="add_study"))
    response = _client("coord_alpha").post("/api/studies/", body, format="json")
    assert response.status_code == 201
    assert response.json()["state"] == "draft"


def test_the_study_list_shows_only_the_callers_studies(cast):
    slugs = {s["slug"] for s in _client("reader_b1").get("/api/studies/").json()}
    assert slugs == {"beta"}
    assert _client("outsider").get("/api/studies/").json() == []

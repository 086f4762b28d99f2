"""Pages and documents a person meets: login, home, the OpenAPI schema, the admin."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

from grading.models import Read
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_is_a_valid_openapi_3_document(tmp_path):
    # drf-spectacular validates against the OpenAPI 3 JSON schema and fails on any warning.
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/assignments/{code}/submit/" in schema["paths"]


def test_the_schema_is_served_to_a_logged_in_user(cast):
    response = client_for(cast.outsider).get("/api/schema/")
    assert response.status_code == 200 and b"openapi" in response.content


def test_the_home_page_asks_for_a_login_then_shows_the_readers_worklist(cast, client):
    assert client.get("/").status_code == 302
    assert (
        client.post(
            "/accounts/login/", {"username": "reader_a1", "password": "pw-reader_a1"}
        ).status_code
        == 302
    )
    page = client.get("/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    codes = (
        cast.reader_a.reader_roles.get()
        .assignments.filter(session=cast.alpha.open_session)
        .values_list("code", flat=True)
    )
    for code in codes:
        assert code.encode() in page.content
    assert cast.alpha.cases[0].code.encode() not in page.content


def test_the_admin_shows_reads_but_cannot_change_them(cast, admin_client):
    from tests.reads import read_payload

    user = cast.reader_a
    assignment = cast.first_assignment("reader_a1")
    client_for(user).post(
        f"/api/assignments/{assignment.code}/submit/", read_payload(assignment.case), format="json"
    )
    read = Read.objects.get(assignment=assignment)
    assert admin_client.get(f"/admin/grading/read/{read.pk}/change/").status_code == 200
    response = admin_client.post(f"/admin/grading/read/{read.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert Read.objects.filter(pk=read.pk).exists()


def test_an_admin_action_moves_a_study_through_the_audited_service(cast, admin_client):
    from readerstudy.audit.models import AuditEvent

    study = cast.alpha.study
    response = admin_client.post(
        "/admin/studies/study/", {"action": "make_locked", "_selected_action": [study.pk]}
    )
    assert response.status_code == 302
    study.refresh_from_db()
    assert study.state == "locked"
    assert AuditEvent.objects.filter(action="study.state", new={"state": "locked"}).exists()

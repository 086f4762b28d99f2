"""Coordinator amendments: only with a reason, only on submitted reads, always audited."""

from __future__ import annotations

import pytest

from grading.models import Grade, Read
from readerstudy.audit.models import AuditEvent
from tests.conftest import client_for
from tests.reads import read_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(cast):
    user = cast.alpha.readers["reader_a1"]
    assignment = cast.first_assignment("reader_a1")
    client_for(user).post(
        f"/api/assignments/{assignment.code}/submit/",
        read_payload(assignment.case, grade=1),
        format="json",
    )
    return Read.objects.get(assignment=assignment)


def _amend(user, read, payload, study="alpha"):
    return client_for(user).post(
        f"/api/studies/{study}/reads/{read.pk}/amend/", payload, format="json"
    )


def test_a_coordinator_amends_with_a_reason_and_the_audit_keeps_old_and_new(cast, submitted):
    payload = {
        **read_payload(submitted.assignment.case, grade=1, overrides={"L1-L2/canal": 0}),
        "reason": "typo on L1-L2, confirmed by the reader",
    }
    response = _amend(cast.alpha.coordinator, submitted, payload)
    assert response.status_code == 200, response.json()
    assert Grade.objects.get(read=submitted, site="L1-L2/canal").grade == 0
    event = AuditEvent.objects.get(action="read.amend")
    assert event.actor == cast.alpha.coordinator
    assert event.reason == "typo on L1-L2, confirmed by the reader"
    old = {g["site"]: g["grade"] for g in event.old["grades"]}
    new = {g["site"]: g["grade"] for g in event.new["grades"]}
    assert (old["L1-L2/canal"], new["L1-L2/canal"]) == (1, 0)
    submitted.refresh_from_db()
    assert submitted.amendment_count == 1


def test_an_amendment_without_a_reason_is_refused(cast, submitted):
    payload = {**read_payload(submitted.assignment.case, grade=0), "reason": "  "}
    response = _amend(cast.alpha.coordinator, submitted, payload)
    assert response.status_code == 400
    assert set(Grade.objects.filter(read=submitted).values_list("grade", flat=True)) == {1}


@pytest.mark.parametrize("who", ["reader_a1", "stat_alpha", "coord_beta", "outsider"])
def test_only_the_studys_coordinator_may_amend(cast, submitted, who):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=who)
    payload = {**read_payload(submitted.assignment.case, grade=0), "reason": "because"}
    response = _amend(user, submitted, payload)
    assert response.status_code == (403 if who in ("reader_a1", "stat_alpha") else 404)
    assert set(Grade.objects.filter(read=submitted).values_list("grade", flat=True)) == {1}


def test_an_amendment_that_changes_nothing_is_a_409(cast, submitted):
    payload = {**read_payload(submitted.assignment.case, grade=1), "reason": "no-op"}
    assert _amend(cast.alpha.coordinator, submitted, payload).status_code == 409

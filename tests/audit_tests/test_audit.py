"""The audit trail: every change has its event, and events cannot be changed or removed."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from readerstudy.audit.models import AppendOnlyError, AuditEvent
from tests.conftest import client_for
from tests.reads import read_payload

pytestmark = pytest.mark.django_db


def test_setting_up_a_study_leaves_one_event_per_change(cast):
    actions = list(
        AuditEvent.objects.filter(study=cast.alpha.study).values_list("action", flat=True)
    )
    for expected in [
        "study.create",
        "membership.add",
        "reader.add",
        "reference.designate",
        "case.import",
        "session.create",
        "assignment.create",
        "study.state",
    ]:
        assert expected in actions, expected
    assert actions.count("session.create") == 2
    assert actions.count("reader.add") == 3


def test_events_record_actor_utc_time_old_and_new(cast):
    event = AuditEvent.objects.get(study=cast.alpha.study, action="study.state")
    assert event.actor == cast.alpha.coordinator and event.actor_label == "coord_alpha"
    assert event.at.utcoffset().total_seconds() == 0
    assert (event.old, event.new) == ({"state": "draft"}, {"state": "open"})


def test_a_submitted_read_has_its_event_with_the_grades(cast):
    user = cast.alpha.readers["reader_a1"]
    assignment = cast.first_assignment("reader_a1")
    client_for(user).post(
        f"/api/assignments/{assignment.code}/submit/",
        read_payload(assignment.case, grade=3),
        format="json",
    )
    event = AuditEvent.objects.get(action="read.submit")
    assert event.actor == user
    assert {g["grade"] for g in event.new["grades"]} == {3}
    assert len(event.new["marks"]) == 25


def test_events_cannot_be_updated_or_deleted_through_the_orm(cast):
    event = AuditEvent.objects.first()
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_auditevent SET reason = 'x'", "DELETE FROM audit_auditevent"]
)
def test_the_database_refuses_raw_sql_that_rewrites_events(cast, sql):
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == count
    assert not AuditEvent.objects.filter(reason="x").exists()


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused():
    # transaction=True: pytest-django's default wraps every test in a transaction.
    from readerstudy.audit.services import Actor, audit_record

    with pytest.raises(RuntimeError):
        audit_record(actor=Actor.system("test"), action="x", obj="1")

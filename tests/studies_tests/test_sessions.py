"""Sessions and assignments: stored random orders, fresh codes per session, the washout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from readerstudy.api_errors import Conflict
from readerstudy.audit.models import AuditEvent
from readerstudy.audit.services import Actor
from readerstudy.studies import services
from readerstudy.studies.models import Assignment, Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(django_user_model):
    """A draft study with 12 cases (no images needed to plan) and three readers."""
    coordinator = django_user_model.objects.create_user("coord", password="pw-coordinator")
    actor = Actor(user=coordinator)
    study = services.study_create(actor=actor, slug="plan", name="Plan")
    for i in range(12):
        Case.objects.create(study=study, patient_pseudonym=f"P{i}", study_instance_uid=f"2.25.{i}")
    readers = []
    for name in ("r1", "r2", "r3"):
        django_user_model.objects.create_user(name, password=f"pw-{name}")
        readers.append(services.reader_add_human(actor=actor, study=study, username=name))
    return actor, study, readers


def _order(session, reader) -> list[int]:
    return list(
        Assignment.objects.filter(session=session, reader=reader)
        .order_by("position")
        .values_list("case_id", flat=True)
    )


def test_each_reader_gets_their_own_random_order_derived_from_the_stored_seed(planned):
    actor, study, readers = planned
    session = services.session_create(
        actor=actor, study=study, number=1, opens_at=timezone.now(), seed=123
    )
    services.session_assign(actor=actor, session=session)
    orders = [_order(session, reader) for reader in readers]
    assert all(
        sorted(order) == sorted(study.cases.values_list("id", flat=True)) for order in orders
    )
    assert len({tuple(order) for order in orders}) == 3  # 12! orders: equal ones would be a bug
    for reader, order in zip(readers, orders, strict=True):
        case_ids = list(study.cases.values_list("id", flat=True))
        assert (
            services.reader_permutation(session=session, reader=reader, case_ids=case_ids) == order
        )
    positions = Assignment.objects.filter(session=session, reader=readers[0]).values_list(
        "position", flat=True
    )
    assert sorted(positions) == list(range(1, 13))


def test_a_repeat_session_reshuffles_and_gives_every_assignment_a_new_code(planned):
    actor, study, readers = planned
    s1 = services.session_create(
        actor=actor, study=study, number=1, opens_at=timezone.now(), seed=1
    )
    s2 = services.session_create(
        actor=actor, study=study, number=2, opens_at=timezone.now() + timedelta(weeks=4), seed=2
    )
    services.session_assign(actor=actor, session=s1)
    services.session_assign(actor=actor, session=s2)
    assert _order(s1, readers[0]) != _order(s2, readers[0])
    codes_s1 = set(Assignment.objects.filter(session=s1).values_list("code", flat=True))
    codes_s2 = set(Assignment.objects.filter(session=s2).values_list("code", flat=True))
    assert len(codes_s1) == len(codes_s2) == 36 and not codes_s1 & codes_s2


def test_assigning_again_keeps_existing_positions_and_appends_new_cases(planned):
    actor, study, readers = planned
    session = services.session_create(
        actor=actor, study=study, number=1, opens_at=timezone.now(), seed=9
    )
    services.session_assign(actor=actor, session=session, readers=readers[:1])
    before = _order(session, readers[0])
    new_case = Case.objects.create(
        study=study, patient_pseudonym="P99", study_instance_uid="2.25.99"
    )
    created = services.session_assign(actor=actor, session=session, readers=readers[:1])
    assert [a.case for a in created] == [new_case]
    assert _order(session, readers[0]) == [*before, new_case.pk]


def test_the_assignment_event_records_every_order(planned):
    actor, study, readers = planned
    session = services.session_create(
        actor=actor, study=study, number=1, opens_at=timezone.now(), seed=5
    )
    services.session_assign(actor=actor, session=session)
    event = AuditEvent.objects.get(action="assignment.create")
    assert event.new["seed"] == 5 and event.new["count"] == 36
    assert {tuple(row[:3]) for row in event.new["assignments"]} == {
        (a.reader.name, a.case.code, a.position) for a in Assignment.objects.filter(session=session)
    }


def test_a_study_cannot_open_without_a_reference_and_assignments(planned):
    actor, study, readers = planned
    with pytest.raises(Conflict, match="no reference reader.*no session has assignments"):
        services.study_transition(actor=actor, study=study, to_state="open")
    with pytest.raises(Conflict, match="cannot move"):
        services.study_transition(actor=actor, study=study, to_state="locked")


def test_a_duplicate_session_number_is_a_conflict(planned):
    actor, study, _ = planned
    services.session_create(actor=actor, study=study, number=1, opens_at=timezone.now())
    with pytest.raises(Conflict):
        services.session_create(actor=actor, study=study, number=1, opens_at=timezone.now())

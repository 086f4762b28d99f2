"""Concurrent submissions on PostgreSQL: the constraints, not luck, make exactly one read.

SQLite serialises writers (IMMEDIATE transactions), so the race only exists on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from grading.models import Grade, Read
from grading.services import read_submit
from readerstudy.api_errors import Conflict
from readerstudy.audit.models import AuditEvent
from readerstudy.audit.services import Actor
from tests.reads import read_payload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(assignment, payloads):
    barrier = threading.Barrier(len(payloads))
    outcomes = [None] * len(payloads)
    actor = Actor(user=assignment.reader.user)

    def submit(index):
        try:
            barrier.wait()
            outcomes[index] = read_submit(
                actor=actor, assignment=assignment, payload=payloads[index]
            )
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _assignment(cast):
    return cast.first_assignment("reader_a1")


def test_sixteen_identical_concurrent_submissions_make_exactly_one_read(cast):
    assert connection.vendor == "postgresql"
    assignment = _assignment(cast)
    payload = read_payload(assignment.case, grade=2)
    outcomes = _race(assignment, [payload] * 16)
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sum(o.created for o in outcomes) == 1
    assert Read.objects.filter(assignment=assignment).count() == 1
    assert Grade.objects.filter(read__assignment=assignment).count() == 25
    assert AuditEvent.objects.filter(action="read.submit").count() == 1


def test_concurrent_different_submissions_keep_one_and_refuse_the_rest(cast):
    assignment = _assignment(cast)
    a, b = read_payload(assignment.case, grade=0), read_payload(assignment.case, grade=1)
    outcomes = _race(assignment, [a, b] * 8)
    created = [o for o in outcomes if not isinstance(o, Exception) and o.created]
    assert len(created) == 1
    winner = {g.grade for g in Grade.objects.filter(read__assignment=assignment)}
    assert len(winner) == 1
    losers = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(losers) == 8  # every submission of the other content got a 409
    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, Conflict)]

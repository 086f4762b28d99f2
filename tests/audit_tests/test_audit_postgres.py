"""On PostgreSQL the append-only triggers also refuse TRUNCATE."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from readerstudy.audit.models import AuditEvent

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)  # committed rows: TRUNCATE meets only our trigger
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET reason = 'x'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ],
)
def test_postgres_refuses_every_rewrite_of_events(cast, sql):
    assert connection.vendor == "postgresql"
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
def test_postgres_enforces_one_grade_per_site_in_the_schema(cast):
    from django.db import IntegrityError
    from django.utils import timezone

    from grading.models import Grade, Read

    assignment = cast.alpha.open_session.assignments.first()
    read = Read.objects.create(assignment=assignment, opened_at=timezone.now())
    Grade.objects.create(read=read, site="L1-L2/canal", grade=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Grade.objects.create(read=read, site="L1-L2/canal", grade=2)

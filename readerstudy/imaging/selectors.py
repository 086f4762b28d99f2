"""Reads for serving images. The pixel path is hot, so it is one hand-written query.

:func:`visible_frame_source` answers "may this user load this instance, and where are its
bytes?" in a single indexed query. It states the same rule as
:func:`readerstudy.studies.selectors.image_visible_cases` (a reader's assigned cases in open
sessions of open studies; every case of a study the user coordinates); the DICOMweb tests
check both paths against the same cast. The ORM version of this lookup cost about 2 ms of
query building per frame, more than reading the frame itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.utils import timezone

from readerstudy.accounts.models import Membership, Role
from readerstudy.imaging.models import Instance, Series
from readerstudy.studies.models import Assignment, Case, Reader, ReadingSession, Study, StudyState


@dataclass(frozen=True)
class FrameSource:
    path: str
    pixel_data_offset: int
    frame_length: int
    number_of_frames: int
    sha256: str


@cache
def _frame_sql() -> str:
    t = {
        "instance": Instance._meta.db_table,
        "series": Series._meta.db_table,
        "case": Case._meta.db_table,
        "assignment": Assignment._meta.db_table,
        "reader": Reader._meta.db_table,
        "session": ReadingSession._meta.db_table,
        "study": Study._meta.db_table,
        "membership": Membership._meta.db_table,
    }
    return f"""
        SELECT i.path, i.pixel_data_offset, i.frame_length, i.number_of_frames, i.sha256
        FROM {t["instance"]} i
        JOIN {t["series"]} se ON se.id = i.series_id
        JOIN {t["case"]} c ON c.id = se.case_id
        WHERE i.sop_instance_uid = %s AND se.series_instance_uid = %s
          AND c.study_instance_uid = %s
          AND (
            EXISTS (
              SELECT 1 FROM {t["assignment"]} a
              JOIN {t["reader"]} r ON r.id = a.reader_id
              JOIN {t["session"]} s ON s.id = a.session_id
              JOIN {t["study"]} st ON st.id = s.study_id
              WHERE a.case_id = c.id AND r.user_id = %s AND s.opens_at <= %s
                AND st.state = %s
            )
            OR EXISTS (
              SELECT 1 FROM {t["membership"]} m
              WHERE m.study_id = c.study_id AND m.user_id = %s AND m.role = %s
            )
          )
        LIMIT 1
    """


def visible_frame_source(
    *, user_id: int, study_uid: str, series_uid: str, instance_uid: str
) -> FrameSource | None:
    """Where the instance's pixels are, if ``user_id`` may see it; else None."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [
        instance_uid,
        series_uid,
        study_uid,
        user_id,
        now,
        StudyState.OPEN.value,
        user_id,
        Role.COORDINATOR.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_frame_sql(), params)
        row = cursor.fetchone()
    return FrameSource(*row) if row else None

"""Reads for serving images. The pixel path is hot, so it is one hand-written query.

:func:`visible_frame_source` answers "may this caller load this instance, and where are its
bytes?" in a single indexed query, the caller given as a user id or as an API token. It
states the same rule as :func:`readerstudy.studies.selectors.image_visible_cases` (a reader's
assigned cases in open sessions of open studies; every case of a study the user
coordinates); the DICOMweb tests check both paths against the same cast. The ORM version of
this lookup cost about 2 ms of query building per frame, more than reading the frame itself,
and even Django's cursor wrapper costs a fifth of a fast-path request, so the query runs on
the DB-API cursor (``bench/dicomweb.py`` measures both).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
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
def _caller_sql(by_token: bool) -> str:
    """SQL for the caller's user id: a parameter, or the active user behind a token."""
    if not by_token:
        return "%s"
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    return (
        f"(SELECT t.user_id FROM {Token._meta.db_table} t "
        f"JOIN {get_user_model()._meta.db_table} u ON u.id = t.user_id "
        "WHERE t.key = %s AND u.is_active)"
    )


def token_user_id(key: str) -> int | None:
    """The active user behind a DRF token, in one small query; None if there is none."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_caller_sql(True)}", [key])
        row = cursor.fetchone()
    return row[0] if row else None


@cache
def _frame_sql(vendor: str, by_token: bool) -> str:
    caller = _caller_sql(by_token)
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
    sql = f"""
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
              WHERE a.case_id = c.id AND r.user_id = {caller} AND s.opens_at <= %s
                AND st.state = %s
            )
            OR EXISTS (
              SELECT 1 FROM {t["membership"]} m
              WHERE m.study_id = c.study_id AND m.user_id = {caller} AND m.role = %s
            )
          )
        LIMIT 1
    """
    # The DB-API cursor takes the driver's own placeholders: sqlite3 uses qmark style.
    return sql.replace("%s", "?") if vendor == "sqlite" else sql


def visible_frame_source(
    *,
    study_uid: str,
    series_uid: str,
    instance_uid: str,
    user_id: int | None = None,
    token: str | None = None,
) -> FrameSource | None:
    """Where the instance's pixels are, if the caller may see it; else None.

    The caller is ``user_id``, or the active user holding the API ``token`` (exactly one).
    """
    if (user_id is None) == (token is None):
        raise TypeError("give exactly one of user_id and token")
    caller = token if user_id is None else user_id
    database = connections[DEFAULT_DB_ALIAS]  # the proxy ``connection`` costs a lookup per use
    now = database.ops.adapt_datetimefield_value(timezone.now())
    params = [
        instance_uid,
        series_uid,
        study_uid,
        caller,
        now,
        StudyState.OPEN.value,
        caller,
        Role.COORDINATOR.value,
    ]
    database.ensure_connection()
    cursor = database.connection.cursor()
    try:
        cursor.execute(_frame_sql(database.vendor, user_id is None), params)
        row = cursor.fetchone()
    finally:
        cursor.close()
    return FrameSource(*row) if row else None

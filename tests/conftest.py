"""Shared fixtures, and the named cast every permission test uses.

The cast (grand-challenge's TwoReaderStudies, healthchecks' Alice/Bob/Charlie): two open
studies, each with its own coordinator, readers and statistician, plus an outsider with no
role anywhere. Every endpoint test asks "can the outsider, or the other study's reader, see
this?".
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from readerstudy.audit.services import Actor
from tests.dicom_files import write_case


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # PBKDF2 costs ~0.4 s per hash; tests make dozens of users (handbook reliability §11).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BLINDED_STORE = tmp_path / "media" / "blinded"
    settings.UPLOAD_STAGING = tmp_path / "media" / "staging"


@pytest.fixture
def api():
    return APIClient()


def client_for(user) -> APIClient:
    """A client logged in by session, the way the browser is (DRF views and DICOMweb alike)."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


@dataclass
class StudyCast:
    study: object
    coordinator: object
    statistician: object
    readers: dict  # username → User
    reference: object  # the reference Reader
    cases: list
    open_session: object
    future_session: object


@dataclass
class Cast:
    alpha: StudyCast
    beta: StudyCast
    outsider: object

    @property
    def reader_a(self):
        return self.alpha.readers["reader_a1"]

    @property
    def reader_b(self):
        return self.beta.readers["reader_b1"]

    def first_assignment(self, username: str, *, future: bool = False):
        """The first assignment of an alpha reader in the open (or the washout) session."""
        session = self.alpha.future_session if future else self.alpha.open_session
        reader = self.alpha.readers[username].reader_roles.get()
        return reader.assignments.filter(session=session).order_by("position").first()


def build_study(
    tmp_path: Path, slug: str, reader_names: list[str], patients: list[str]
) -> StudyCast:
    from django.contrib.auth import get_user_model

    from readerstudy.imaging.services import dicom_import
    from readerstudy.studies import services

    users = get_user_model().objects
    coordinator = users.create_user(f"coord_{slug}", password="pw-coordinator")
    statistician = users.create_user(f"stat_{slug}", password="pw-statistician")
    coord = Actor(user=coordinator)
    study = services.study_create(actor=coord, slug=slug, name=f"Study {slug}")
    services.membership_add(
        actor=coord, study=study, username=statistician.username, role="statistician"
    )
    readers = {}
    for name in reader_names:
        readers[name] = users.create_user(name, password=f"pw-{name}")
        services.reader_add_human(actor=coord, study=study, username=name)
    reference_user = users.create_user(f"ref_{slug}", password="pw-reference")
    reference = services.reader_add_human(
        actor=coord, study=study, username=reference_user.username
    )
    services.reference_designate(actor=coord, study=study, reader=reference)
    source = tmp_path / f"dicom-{slug}"
    for patient in patients:
        write_case(source / patient, f"{slug}-{patient}")
    report = dicom_import(actor=coord, study=study, paths=[source])
    assert not report.rejected, report.rejected
    now = timezone.now()
    open_session = services.session_create(
        actor=coord, study=study, number=1, opens_at=now - timedelta(days=1), seed=11
    )
    future_session = services.session_create(
        actor=coord, study=study, number=2, opens_at=now + timedelta(days=28), seed=22
    )
    services.session_assign(actor=coord, session=open_session)
    services.session_assign(actor=coord, session=future_session)
    services.study_transition(actor=coord, study=study, to_state="open")
    study.refresh_from_db()
    return StudyCast(
        study=study,
        coordinator=coordinator,
        statistician=statistician,
        readers={**readers, reference_user.username: reference_user},
        reference=reference,
        cases=list(study.cases.order_by("id")),
        open_session=open_session,
        future_session=future_session,
    )


@pytest.fixture
def cast(db, tmp_path) -> Cast:
    from django.contrib.auth import get_user_model

    alpha = build_study(tmp_path, "alpha", ["reader_a1", "reader_a2"], ["p1", "p2"])
    beta = build_study(tmp_path, "beta", ["reader_b1"], ["p3"])
    outsider = get_user_model().objects.create_user("outsider", password="pw-outsider")
    return Cast(alpha=alpha, beta=beta, outsider=outsider)


@pytest.fixture(autouse=True)
def _audit_triggers_armed_in_every_test(request):
    """Keep the append-only triggers armed during every test, yet let teardown flush.

    After a transactional test Django empties the database (DELETE on SQLite, TRUNCATE on
    PostgreSQL), which the audit table's triggers refuse, as they should for the app. Only for
    that flush are they set aside: dropped on SQLite (and re-created, idempotently, at the
    start of each test), or switched off for the session on PostgreSQL with
    ``session_replication_role = replica``, a superuser-only setting the app never has.
    """
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if not uses_db:
        yield
        return
    request.getfixturevalue("_django_db_helper")  # set up first, so it tears down last
    from django.db import connection

    triggers = importlib.import_module("readerstudy.audit.migrations.0003_append_only_triggers")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in triggers.SQLITE:
                cursor.execute(statement)
        else:
            cursor.execute("SET session_replication_role = DEFAULT")
    yield
    transactional = (marker and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if transactional:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                for statement in triggers.SQLITE_REVERSE:
                    cursor.execute(statement)
            else:
                cursor.execute("SET session_replication_role = replica")


def pytest_collection_modifyitems(config, items):
    """Postgres-marked tests need PostgreSQL: skipped elsewhere, except under CI, where the
    absence of PostgreSQL is an error (make test runs them on a throwaway cluster)."""
    import os

    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    if os.environ.get("CI") == "true":
        return  # left to run, and fail, on SQLite: CI never skips them
    reason = "needs PostgreSQL (DATABASE_URL=postgres://…); make test provides a throwaway cluster"
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))

"""Browser tests: pytest-playwright drives Debian's chromium (no browser download) against
pytest-django's live_server, rendering on the CPU (``?cpu=1``) so results are deterministic.

Playwright's sync API runs an event loop in the test thread, so Django's ORM would refuse to
run there (SynchronousOnlyOperation): the tests set DJANGO_ALLOW_ASYNC_UNSAFE (handbook
imaging §8). Screenshots go to ``test-artifacts/`` (git-ignored), kept for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from readerstudy.audit.services import Actor

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
                item.add_marker(pytest.mark.skip(reason="chromium is not installed"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}}


@pytest.fixture(scope="session")
def phantom_dir(tmp_path_factory):
    """Two phantom lumbar MRI studies (53 instances each), generated once per session."""
    from fixtures.phantom import generate_studies

    out = tmp_path_factory.mktemp("phantom")
    return [study.dicom_dir for study in generate_studies(n=2, seed=5, out_dir=out, workers=1)]


class ReadingStudy:
    """A study with phantom cases, readers ``rita`` and ``otto``, an open unaided session,
    a locked one (washout), and an AI-assisted one with the model's reads."""

    def __init__(self, phantom_dir):
        from django.contrib.auth import get_user_model

        from grading.services import read_submit
        from readerstudy.imaging.services import dicom_import
        from readerstudy.studies import services
        from readerstudy.studies.models import Assignment
        from tests.reads import read_payload

        users = get_user_model().objects
        self.coordinator = users.create_user("cora", password="pw-cora")
        coord = Actor(user=self.coordinator)
        study = services.study_create(actor=coord, slug="e2e", name="E2E")
        self.readers = {
            name: users.create_user(name, password=f"pw-{name}") for name in ["rita", "otto"]
        }
        for name in self.readers:
            services.reader_add_human(actor=coord, study=study, username=name)
        users.create_user("ref", password="pw-ref")
        reference = services.reader_add_human(actor=coord, study=study, username="ref")
        services.reference_designate(actor=coord, study=study, reader=reference)
        model = services.reader_add_model(
            actor=coord, study=study, name="dl", model_version="1.0", weights_sha256="cd" * 32
        )
        report = dicom_import(actor=coord, study=study, paths=phantom_dir)
        assert not report.rejected, report.rejected
        now = timezone.now()
        self.sessions = {}
        for number, arm, opens in [
            (1, "unaided", now - timedelta(days=1)),
            (2, "unaided", now + timedelta(days=28)),
            (3, "ai_assisted", now - timedelta(hours=1)),
        ]:
            session = services.session_create(
                actor=coord, study=study, number=number, opens_at=opens, arm=arm, seed=number
            )
            services.session_assign(actor=coord, session=session)
            self.sessions[number] = session
        services.study_transition(actor=coord, study=study, to_state="open")
        for assignment in Assignment.objects.filter(reader=model, session=self.sessions[3]):
            read_submit(
                actor=Actor(label="model:dl 1.0"),
                assignment=assignment,
                payload=read_payload(assignment.case, grade=2),
            )
        self.study = study

    def assignments(self, username, session):
        from readerstudy.studies.models import Assignment

        return list(
            Assignment.objects.filter(
                reader__user__username=username, session=self.sessions[session]
            ).order_by("position")
        )


@pytest.fixture
def reading_study(transactional_db, phantom_dir):
    return ReadingStudy(phantom_dir)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"pw-{username}")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def open_case(page, url):
    """Open a reading page on the CPU renderer and wait until both viewports show an image."""
    page.goto(f"{url}?cpu=1")
    wait_loaded(page)


def wait_until(page, expression: str, timeout: float = 10.0):
    """Poll a JavaScript expression until it is truthy.

    Playwright's own ``wait_for_function`` evaluates its predicate with ``eval``, which the
    reading page's Content-Security-Policy forbids, as it should; ``page.evaluate`` goes
    through the DevTools protocol and is not subject to it.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(f"() => {expression}")
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {expression}")
        time.sleep(0.05)


def wait_loaded(page):
    wait_until(
        page,
        "Boolean(window.readerStudy && (window.readerStudy.loaded || window.readerStudy.error))",
        timeout=30,
    )
    error = page.evaluate("() => window.readerStudy.error")
    assert error is None, error


def db_settled(query, timeout: float = 10.0):
    """Run an ORM ``query`` from the test thread while the page is live.

    The live server and the test share one in-memory SQLite database (shared cache), whose
    table locks fail at once with "database table is locked" instead of waiting, e.g. when the
    page autosaves a draft just as the test reads. Retry until the lock is gone.
    """
    from django.db import OperationalError

    deadline = time.monotonic() + timeout
    while True:
        try:
            return query()
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))

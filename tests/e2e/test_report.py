"""The statistician's report page in the browser: build, read the tables and figures, download
every export, follow a build's progress; readers are refused."""

from __future__ import annotations

import zipfile

import pytest

from readerstudy.audit.services import Actor

from .conftest import ARTIFACTS, db_settled, log_in, screenshot, wait_until


@pytest.fixture
def report_study(reading_study):
    from django.contrib.auth import get_user_model

    from grading.services import read_submit
    from readerstudy.studies import services
    from tests.reads import read_payload

    study = reading_study.study
    get_user_model().objects.create_user("stan", password="pw-stan")
    services.membership_add(
        actor=Actor(user=reading_study.coordinator),
        study=study,
        username="stan",
        role="statistician",
    )
    grades = {"ref": 1, "rita": 1, "otto": 0}
    for name, grade in grades.items():
        for assignment in reading_study.assignments(name, 1):
            user = reading_study.readers.get(name) or assignment.reader.user
            read_submit(
                actor=Actor(user=user),
                assignment=assignment,
                payload=read_payload(assignment.case, grade=grade, overrides={"L4-L5/canal": 3}),
            )
    return reading_study


def test_a_statistician_builds_the_report_and_downloads_every_export(
    live_server, page, report_study, tmp_path
):
    log_in(page, live_server, "stan")
    page.click("a.report-link")
    page.wait_for_url(f"{live_server.url}/studies/e2e/report/")
    page.fill("input[name=bootstrap]", "50")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-body")
    assert "Agreement with the reference" in page.inner_text("#report-body")
    wait_until(
        page,
        "[...document.querySelectorAll('#report-body img')].length > 0 && "
        "[...document.querySelectorAll('#report-body img')].every(i => i.naturalWidth > 0)",
    )
    screenshot(page, "report-page.png")
    page.screenshot(path=str(ARTIFACTS / "report-page-full.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#download-zip")
    path = tmp_path / "report.zip"
    download.value.save_as(path)
    names = {n.split("/", 1)[1] for n in zipfile.ZipFile(path).namelist()}
    assert {
        "reads.csv",
        "marks.csv",
        "statistics.csv",
        "statistics.json",
        "report.xlsx",
        "report.html",
        "report.pdf",
        "manifest.json",
        "formats/imrmc.csv",
    } <= names
    assert any(n.startswith("cli/") for n in names)
    with page.expect_download() as pdf:
        page.click("#report-downloads a:text('report.pdf')")
    assert pdf.value.suggested_filename.endswith("report.pdf")


def test_the_page_follows_a_running_build_and_reloads_when_it_ends(live_server, page, report_study):
    from grading.models import ReportRun

    run = ReportRun.objects.create(
        study=report_study.study,
        seed=1,
        bootstrap=0,
        status="running",
        progress_done=3,
        progress_total=9,
    )
    log_in(page, live_server, "stan")
    page.goto(f"{live_server.url}/studies/e2e/report/")
    wait_until(page, "document.getElementById('report-bar')?.value === 3")
    assert page.evaluate("() => document.getElementById('report-bar').max") == 9
    db_settled(
        lambda: ReportRun.objects.filter(pk=run.pk).update(
            status="failed", error="stopped for the test"
        )
    )
    page.wait_for_url(f"**/studies/e2e/report/?run={run.pk}", timeout=10_000)
    assert page.locator("#report-progress").count() == 0
    assert "stopped for the test" in page.inner_text("main")


def test_a_reader_is_refused_the_report_page(live_server, page, report_study):
    log_in(page, live_server, "rita")
    assert page.locator("a.report-link").count() == 0
    response = page.goto(f"{live_server.url}/studies/e2e/report/")
    assert response.status == 403

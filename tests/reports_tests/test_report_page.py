"""The report page, its background job and its files: analysts build and download, readers are
refused (403), people outside the study see nothing (404), failures are recorded."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from grading.models import ReportRun
from grading.reports.services import report_run_sweep
from tests.conftest import client_for
from tests.reads import submit_all

pytestmark = pytest.mark.django_db

API = "/api/studies/alpha/reports/"
PAGE = "/studies/alpha/report/"


@pytest.fixture
def graded(cast):
    submit_all(cast, "ref_alpha", grade=1, overrides={"L4-L5/canal": 3, "L3-L4/recess/left": 2})
    submit_all(cast, "reader_a1", grade=1, overrides={"L4-L5/canal": 2, "L5-S1/foramen/left": None})
    submit_all(cast, "reader_a2", grade=0, overrides={"L4-L5/canal": 3})
    return cast


def build(client, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(API, {"bootstrap": 20, **body}, format="json")
    assert response.status_code == 202, response.content
    return client.get(f"{API}{response.json()['id']}/").json()


def test_readers_are_refused_the_report_page_api_files_and_zip(
    graded, django_capture_on_commit_callbacks
):
    run = build(client_for(graded.alpha.statistician), django_capture_on_commit_callbacks)
    file_url = run["files"][0]["url"]
    for username in ("reader_a1", "ref_alpha"):
        reader = client_for(graded.alpha.readers[username])
        assert reader.get(PAGE).status_code == 403
        assert reader.post(f"{PAGE}start/", {"seed": 1}).status_code == 403
        assert reader.get(API).status_code == 403
        assert reader.post(API, {}, format="json").status_code == 403
        assert reader.get(f"{API}{run['id']}/").status_code == 403
        assert reader.get(file_url).status_code == 403
        assert reader.get(run["zip_url"]).status_code == 403
    for outsider in (graded.outsider, graded.beta.readers["reader_b1"]):
        client = client_for(outsider)
        assert client.get(PAGE).status_code == 404
        assert client.get(API).status_code == 404
        assert client.get(file_url).status_code == 404
    anonymous = client_for(None)
    assert anonymous.get(PAGE).status_code == 302  # to the login page
    assert anonymous.get(API).status_code in (401, 403)


def test_a_statistician_builds_a_report_and_downloads_every_file_intact(
    graded, django_capture_on_commit_callbacks
):
    client = client_for(graded.alpha.statistician)
    run = build(client, django_capture_on_commit_callbacks, seed=5)
    assert run["status"] == "done" and run["error"] == ""
    assert run["progress_done"] == run["progress_total"] == 1
    paths = {f["path"] for f in run["files"]}
    assert {"reads.csv", "statistics.json", "report.xlsx", "report.pdf", "manifest.json"} <= paths
    for entry in run["files"]:
        if entry["path"] in ("reads.csv", "report.xlsx", "manifest.json"):
            response = client.get(entry["url"])
            assert response.status_code == 200
            assert "attachment" in response["Content-Disposition"]
            content = b"".join(response.streaming_content)
            assert hashlib.sha256(content).hexdigest() == entry["sha256"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(run["zip_url"]).content))
    assert len(archive.namelist()) == len(paths)
    page = client.get(f"{PAGE}?run={run['id']}").content.decode()
    assert 'id="report-body"' in page and 'id="download-zip"' in page
    assert "Agreement with the reference" in page
    assert client.get(file_url_for(run, "../../settings.py")).status_code == 404
    assert client.get(file_url_for(run, ".page.html")).status_code == 404  # not an export


def file_url_for(run, path: str) -> str:
    return run["files"][0]["url"].rsplit("/files/", 1)[0] + "/files/" + path


def test_the_coordinator_starts_a_build_from_the_page_form(
    graded, django_capture_on_commit_callbacks
):
    client = client_for(graded.alpha.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{PAGE}start/", {"seed": "9", "bootstrap": "0"})
    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert response["Location"].endswith(f"?run={run.pk}")
    assert (run.status, run.seed, run.bootstrap) == ("done", 9, 0)


def test_a_study_without_reads_is_refused_with_the_reason_and_nothing_is_recorded(cast):
    response = client_for(cast.alpha.statistician).post(API, {}, format="json")
    assert response.status_code == 400
    assert "no submitted reads" in response.json()["error"]["message"]
    assert not ReportRun.objects.exists()
    page = client_for(cast.alpha.statistician).post(f"{PAGE}start/", {"seed": "x"})
    assert page.status_code == 302 and "error=" in page["Location"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"bootstrap": -1}, "bootstrap"),
        ({"seed": "abc"}, "seed"),
        ({"ai_session": 0}, "ai_session"),
    ],
)
def test_a_bad_payload_gets_400_naming_the_field(graded, body, field):
    response = client_for(graded.alpha.statistician).post(API, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_session_that_does_not_exist_is_refused(graded):
    response = client_for(graded.alpha.statistician).post(
        API, {"primary_session": 7}, format="json"
    )
    assert response.status_code == 400
    assert "session 7 does not exist" in response.json()["error"]["message"]


def test_a_failed_build_is_recorded_on_the_run_with_its_reason(
    graded, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("grading.reports.services.build_report", broken)
    run = build(client_for(graded.alpha.statistician), django_capture_on_commit_callbacks)
    assert run["status"] == "failed" and "disk full" in run["error"]
    assert run["files"] == [] and run["zip_url"] is None


def test_the_sweeper_fails_a_run_whose_worker_died(graded):
    run = ReportRun.objects.create(
        study=graded.alpha.study,
        seed=1,
        bootstrap=0,
        status="running",
        started_at=timezone.now() - timedelta(hours=2),
    )
    assert report_run_sweep() == 1
    run.refresh_from_db()
    assert run.status == "failed" and "worker" in run.error


def test_agreement_report_names_the_problem_for_an_unknown_study_or_one_without_reads(
    cast, tmp_path
):
    from django.core.management import CommandError, call_command

    tmp_path = tmp_path / "report"
    with pytest.raises(CommandError, match="No study with slug 'nope'"):
        call_command("agreement_report", "--study", "nope", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="no submitted reads"):
        call_command("agreement_report", "--study", "alpha", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="--bootstrap"):
        call_command(
            "agreement_report", "--study", "alpha", "--out", str(tmp_path), "--bootstrap", "-1"
        )
    assert not tmp_path.exists()  # nothing half-written


def test_agreement_report_writes_the_exports_and_says_where(graded, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "agreement_report",
        "--study",
        "alpha",
        "--out",
        str(tmp_path / "r"),
        "--bootstrap",
        "0",
        stdout=out,
    )
    assert "statistics written to" in out.getvalue()
    assert (tmp_path / "r" / "statistics.json").exists()
    assert (tmp_path / "r" / "manifest.json").exists()

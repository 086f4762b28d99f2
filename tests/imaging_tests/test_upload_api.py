"""The coordinator's upload API: the whole upload is checked before anything is stored."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from readerstudy.imaging.models import Instance
from readerstudy.studies.models import Case
from tests.conftest import client_for
from tests.dicom_files import case_datasets
from tests.dicom_tests.builders import bundled, to_bytes

pytestmark = pytest.mark.django_db
URL = "/api/studies/alpha/cases/import/"


def _zip(members: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return SimpleUploadedFile("cases.zip", buffer.getvalue(), content_type="application/zip")


def test_a_zip_upload_makes_a_case_and_reports_it(cast):
    members = {f"new/{i}.dcm": to_bytes(ds) for i, ds in enumerate(case_datasets("newcomer"))}
    response = client_for(cast.alpha.coordinator).post(
        URL, {"files": [_zip(members)], "case_set": "external"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    [case] = response.json()["cases"]
    assert case["instances_added"] == 3 and case["series"] == {"SAG T2": 3}
    assert Case.objects.get(code=case["code"]).case_set == "external"


@pytest.mark.parametrize(
    ("members", "code"),
    [
        ({"ok.dcm": None, "../escape.dcm": None}, "zip_traversal"),
        ({"ok.dcm": None, "ct.dcm": to_bytes(bundled("CT_small.dcm"))}, "not_mr"),
        ({"ok.dcm": None, "notes.txt": b"not a dicom file at all"}, "not_dicom"),
    ],
)
def test_a_bad_upload_is_a_400_naming_the_file_and_nothing_is_imported(cast, members, code):
    good = to_bytes(case_datasets("newcomer")[0])
    members = {name: data if data is not None else good for name, data in members.items()}
    cases_before, instances_before = Case.objects.count(), Instance.objects.count()
    response = client_for(cast.alpha.coordinator).post(
        URL, {"files": [_zip(members)]}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "import_rejected"
    assert any(r["code"] == code for r in body["report"]["rejected"])
    assert "cases.zip" in " ".join(body["error"]["fields"]["files"])
    assert (Case.objects.count(), Instance.objects.count()) == (cases_before, instances_before)


def test_an_upload_without_files_is_a_400(cast):
    response = client_for(cast.alpha.coordinator).post(URL, {}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.json()["error"]["fields"]


@pytest.mark.parametrize("who", ["stat_alpha", "reader_a1", "coord_beta", "outsider"])
def test_only_the_coordinator_uploads(cast, who):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=who)
    members = {"a.dcm": to_bytes(case_datasets("newcomer")[0])}
    response = client_for(user).post(URL, {"files": [_zip(members)]}, format="multipart")
    assert response.status_code == (403 if who in ("stat_alpha", "reader_a1") else 404)
    assert Case.objects.filter(study__slug="alpha").count() == 2  # the cast's two, nothing new

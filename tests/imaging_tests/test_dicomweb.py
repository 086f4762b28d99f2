"""The DICOMweb subset: what each member of the cast may load, and what bytes go out."""

from __future__ import annotations

import email
import io

import pytest
from django.contrib.auth import get_user_model
from pydicom import dcmread
from rest_framework.test import APIClient

from readerstudy.imaging.dicom.dicomjson import allowed_tags
from readerstudy.imaging.models import Instance
from tests.conftest import client_for, token_for
from tests.dicom_files import case_datasets
from tests.dicom_tests.builders import PLANTED

pytestmark = pytest.mark.django_db
FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'


def _user(name):
    return get_user_model().objects.get(username=name)


def _study_uids(client) -> set[str]:
    response = client.get("/dicomweb/studies")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/dicom+json"
    return {item["0020000D"]["Value"][0] for item in response.json()}


def _url(instance: Instance, suffix: str = "") -> str:
    case = instance.series.case
    return (
        f"/dicomweb/studies/{case.study_instance_uid}/series/{instance.series.series_instance_uid}"
        f"/instances/{instance.sop_instance_uid}{suffix}"
    )


def _parts(response) -> list[bytes]:
    message = email.message_from_bytes(
        b"Content-Type: " + response["Content-Type"].encode() + b"\r\n\r\n" + response.content
    )
    return [part.get_payload(decode=True) for part in message.get_payload()]


def test_a_reader_lists_exactly_their_assigned_cases(cast):
    alpha = {c.study_instance_uid for c in cast.alpha.cases}
    beta = {c.study_instance_uid for c in cast.beta.cases}
    assert _study_uids(client_for(cast.reader_a)) == alpha
    assert _study_uids(client_for(cast.reader_b)) == beta
    assert _study_uids(client_for(cast.alpha.coordinator)) == alpha
    assert _study_uids(client_for(cast.outsider)) == set()
    assert (
        _study_uids(client_for(cast.alpha.statistician)) == set()
    )  # statisticians get tables, not images


def test_without_credentials_dicomweb_answers_401(cast):
    response = APIClient().get("/dicomweb/studies")
    assert response.status_code == 401
    assert (
        APIClient().get("/dicomweb/studies", HTTP_AUTHORIZATION="Token nonsense").status_code == 401
    )


def test_a_token_works_like_a_session(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(cast.reader_b)}")
    assert _study_uids(client) == {c.study_instance_uid for c in cast.beta.cases}


@pytest.mark.parametrize("suffix", ["", "/frames/1", "/metadata"])
def test_another_studys_reader_gets_404_for_every_path(cast, suffix):
    instance = Instance.objects.filter(series__case=cast.alpha.cases[0]).first()
    assert (
        client_for(cast.reader_b).get(_url(instance, suffix), HTTP_ACCEPT="*/*").status_code == 404
    )
    assert (
        client_for(cast.outsider).get(_url(instance, suffix), HTTP_ACCEPT="*/*").status_code == 404
    )
    assert (
        client_for(cast.reader_a).get(_url(instance, suffix), HTTP_ACCEPT="*/*").status_code == 200
    )


def test_cases_disappear_when_the_session_is_not_open(cast):
    from datetime import timedelta

    from django.utils import timezone

    session = cast.alpha.open_session
    session.opens_at = timezone.now() + timedelta(days=3)
    session.save()
    assert _study_uids(client_for(cast.reader_a)) == set()


def test_frames_are_the_original_pixels_with_a_strong_etag(cast):
    case = cast.alpha.cases[0]
    originals = case_datasets("alpha-p1")
    client = client_for(cast.reader_a)
    for instance in Instance.objects.filter(series__case=case).order_by("instance_number"):
        response = client.get(_url(instance, "/frames/1"), HTTP_ACCEPT=FRAME_ACCEPT)
        assert response.status_code == 200
        assert response["Content-Type"].startswith(
            'multipart/related; type="application/octet-stream"'
        )
        assert response["Cache-Control"] == "private, max-age=31536000, immutable"
        [frame] = _parts(response)
        assert frame == originals[instance.instance_number - 1].PixelData
        again = client.get(_url(instance, "/frames/1"), HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304


def test_a_compressed_transfer_syntax_request_is_refused_with_406(cast):
    instance = Instance.objects.filter(series__case=cast.alpha.cases[0]).first()
    accept = (
        'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.4.50'
    )
    response = client_for(cast.reader_a).get(_url(instance, "/frames/1"), HTTP_ACCEPT=accept)
    assert response.status_code == 406


def test_a_frame_number_out_of_range_is_404(cast):
    instance = Instance.objects.filter(series__case=cast.alpha.cases[0]).first()
    assert client_for(cast.reader_a).get(_url(instance, "/frames/2")).status_code == 404


def test_series_metadata_is_allow_listed_and_never_cached(cast):
    instance = Instance.objects.filter(series__case=cast.alpha.cases[0]).first()
    case = instance.series.case
    url = f"/dicomweb/studies/{case.study_instance_uid}/series/{instance.series.series_instance_uid}/metadata"
    response = client_for(cast.reader_a).get(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    items = response.json()
    assert len(items) == 3
    allowed = allowed_tags() | {"00083002", "00020010", "7FE00010"}
    assert all(set(item) <= allowed for item in items)
    assert items[0]["0008103E"]["Value"] == ["SAG T2"]


def test_no_planted_phi_appears_in_any_byte_served_to_a_reader(cast):
    client = client_for(cast.reader_a)
    served = [client.get("/dicomweb/studies").content]
    for case in cast.alpha.cases:
        served.append(client.get(f"/dicomweb/studies/{case.study_instance_uid}/series").content)
        for instance in Instance.objects.filter(series__case=case):
            series = instance.series.series_instance_uid
            served.append(
                client.get(
                    f"/dicomweb/studies/{case.study_instance_uid}/series/{series}/instances"
                ).content
            )
            served.append(
                client.get(
                    f"/dicomweb/studies/{case.study_instance_uid}/series/{series}/metadata"
                ).content
            )
            served.append(client.get(_url(instance)).content)
            served.append(client.get(_url(instance, "/frames/1")).content)
            served.append(
                client.get(
                    "/wado",
                    {
                        "requestType": "WADO",
                        "studyUID": case.study_instance_uid,
                        "seriesUID": series,
                        "objectUID": instance.sop_instance_uid,
                    },
                ).getvalue()
            )
    blob = b"".join(served)
    for secret in [*PLANTED, "MRN-alpha-p1", "SECRET^alpha-p1"]:
        assert secret.encode() not in blob, secret


def test_instance_retrieval_and_wado_uri_give_the_blinded_part10_file(cast):
    instance = Instance.objects.filter(series__case=cast.alpha.cases[0]).first()
    client = client_for(cast.reader_a)
    [part10] = _parts(client.get(_url(instance)))
    ds = dcmread(io.BytesIO(part10))
    assert ds.SOPInstanceUID == instance.sop_instance_uid and ds.PatientName == ""
    case = instance.series.case
    params = {
        "requestType": "WADO",
        "studyUID": case.study_instance_uid,
        "seriesUID": instance.series.series_instance_uid,
        "objectUID": instance.sop_instance_uid,
    }
    response = client.get("/wado", params)
    assert response.status_code == 200 and response["Content-Type"] == "application/dicom"
    assert b"".join(response.streaming_content) == part10
    assert client.get("/wado", {**params, "requestType": "X"}).status_code == 400
    assert client.get("/wado", {"requestType": "WADO"}).status_code == 400


def test_frames_follow_the_same_rule_for_coordinators_tokens_and_locked_studies(cast):
    from readerstudy.audit.services import Actor
    from readerstudy.studies.services import study_transition

    instance = Instance.objects.filter(series__case=cast.alpha.cases[0]).first()
    url = _url(instance, "/frames/1")
    assert client_for(cast.alpha.coordinator).get(url).status_code == 200
    assert client_for(cast.beta.coordinator).get(url).status_code == 404
    with_token = APIClient()
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {token_for(cast.reader_a)}")
    assert with_token.get(url).status_code == 200
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token 0000")
    assert bad_token.get(url).status_code == 401
    study_transition(
        actor=Actor(user=cast.alpha.coordinator), study=cast.alpha.study, to_state="locked"
    )
    assert with_token.get(url).status_code == 404  # reading is over
    assert client_for(cast.alpha.coordinator).get(url).status_code == 200


def test_a_damaged_stored_file_is_a_500_that_is_never_cached(cast, settings):
    instance = Instance.objects.filter(series__case=cast.alpha.cases[0]).first()
    stored = settings.BLINDED_STORE / instance.path
    stored.write_bytes(stored.read_bytes()[: instance.pixel_data_offset + 10])
    response = client_for(cast.reader_a).get(_url(instance, "/frames/1"))
    assert response.status_code == 500
    assert "immutable" not in response.get("Cache-Control", "")

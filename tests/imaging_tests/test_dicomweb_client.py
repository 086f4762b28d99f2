"""A standard client, dicomweb-client, reads our DICOMweb over HTTP with a reader's token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dicomweb_client.api import DICOMwebClient
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from pydicom import dcmread

from readerstudy.audit.services import Actor
from readerstudy.imaging.dicom.blinding import pseudonymous_uid
from readerstudy.imaging.services import dicom_import
from readerstudy.studies import services

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phantom_study(tmp_path):
    from fixtures.phantom import generate_studies

    phantoms = generate_studies(n=2, seed=21, out_dir=tmp_path / "phantom")
    users = get_user_model().objects
    coordinator = Actor(user=users.create_user("coord", password="pw-coordinator"))
    study = services.study_create(actor=coordinator, slug="live", name="Live")
    dicom_import(actor=coordinator, study=study, paths=[p.dicom_dir for p in phantoms])
    reader_user = users.create_user("reader2", password="pw-reader2")
    reader = services.reader_add_human(actor=coordinator, study=study, username="reader2")
    services.reference_designate(actor=coordinator, study=study, reader=reader)
    session = services.session_create(
        actor=coordinator, study=study, number=1, opens_at=timezone.now() - timedelta(hours=1)
    )
    first_case = study.cases.order_by("id").first()
    services.session_assign(actor=coordinator, session=session, cases=[first_case])  # one of two
    services.study_transition(actor=coordinator, study=study, to_state="open")
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=reader_user)
    return phantoms, first_case, token.key


def test_dicomweb_client_lists_only_the_assigned_case_and_reads_original_pixels(
    live_server, phantom_study
):
    phantoms, case, token = phantom_study
    client = DICOMwebClient(
        url=f"{live_server.url}/dicomweb", headers={"Authorization": f"Token {token}"}
    )

    studies = client.search_for_studies()
    assert [s["0020000D"]["Value"][0] for s in studies] == [case.study_instance_uid]

    series = client.search_for_series(case.study_instance_uid)
    labels = sorted(s["0008103E"]["Value"][0] for s in series)
    assert labels == ["AX T2", "SAG T1", "SAG T2"]

    key = settings.READERSTUDY_UID_KEY.encode()
    originals = {}
    for phantom in phantoms:
        for path in phantom.dicom_dir.rglob("*.dcm"):
            ds = dcmread(path)
            originals[pseudonymous_uid(ds.SOPInstanceUID, key=key)] = ds
    checked = 0
    for item in series:
        series_uid = item["0020000E"]["Value"][0]
        metadata = client.retrieve_series_metadata(case.study_instance_uid, series_uid)
        for instance in metadata[:4]:
            sop_uid = instance["00080018"]["Value"][0]
            [frame] = client.retrieve_instance_frames(
                case.study_instance_uid, series_uid, sop_uid, frame_numbers=[1]
            )
            assert frame == originals[sop_uid].PixelData  # the pre-blinding phantom pixels
            checked += 1
        blinded = client.retrieve_instance(case.study_instance_uid, series_uid, sop_uid)
        assert str(blinded.PatientName) == "" and blinded.PatientIdentityRemoved == "YES"
    assert checked == 12


def test_dicomweb_client_without_a_valid_token_is_refused(live_server, phantom_study):
    from requests import HTTPError

    client = DICOMwebClient(
        url=f"{live_server.url}/dicomweb", headers={"Authorization": "Token wrong"}
    )
    with pytest.raises(HTTPError, match="401"):
        client.search_for_studies()

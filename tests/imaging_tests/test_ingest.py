"""DICOM ingest: blinded on the way in, one case per patient, whole or not at all."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core import serializers
from django.core.management import CommandError, call_command
from pydicom import dcmread

from readerstudy.audit.services import Actor
from readerstudy.imaging.models import Instance, Series
from readerstudy.studies import services
from readerstudy.studies.models import Case
from tests.dicom_files import write_case
from tests.dicom_tests.builders import bundled, synthetic_mr, to_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(django_user_model):
    coordinator = django_user_model.objects.create_user("coord", password="pw-coordinator")
    return services.study_create(actor=Actor(user=coordinator), slug="ingest", name="Ingest")


def _import(*paths, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_dicom", "--study", "ingest", *map(str, paths), stdout=out, stderr=err, **options
    )
    return out.getvalue(), err.getvalue()


def _stored_files() -> list[Path]:
    return (
        [p for p in settings.BLINDED_STORE.rglob("*") if p.is_file()]
        if settings.BLINDED_STORE.exists()
        else []
    )


def test_one_case_is_made_per_patient_with_neutral_series_labels(study, tmp_path):
    write_case(tmp_path / "in" / "a", "alice")
    write_case(tmp_path / "in" / "b", "bob", slices=2)
    out, _ = _import(tmp_path / "in", case_set="external")
    assert "Imported 5 instances into 2 case(s)" in out
    assert Case.objects.filter(study=study, case_set="external").count() == 2
    assert set(Series.objects.values_list("label", flat=True)) == {"SAG T2"}
    assert len(_stored_files()) == 5


def test_reimport_keeps_pseudonymous_uids_and_adds_nothing(study, tmp_path):
    write_case(tmp_path / "in", "alice")
    _import(tmp_path / "in")
    uids = set(Instance.objects.values_list("sop_instance_uid", flat=True))
    out, _ = _import(tmp_path / "in")
    assert "0 instances added" in out and "3 already present" in out
    assert set(Instance.objects.values_list("sop_instance_uid", flat=True)) == uids
    assert all(uid.startswith("2.25.") for uid in uids)
    assert Case.objects.count() == 1


def _truncated(path):
    path.write_bytes(to_bytes(synthetic_mr())[:400])


def _not_dicom(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 300)


def _ct(path):
    path.write_bytes(to_bytes(bundled("CT_small.dcm")))


def _derived(path):
    ds = synthetic_mr()
    ds.ImageType = ["DERIVED", "SECONDARY", "MPR"]
    path.write_bytes(to_bytes(ds))


def _overlay(path):
    ds = synthetic_mr()
    ds.add_new(0x60000010, "US", 16)
    ds.add_new(0x60003000, "OW", b"\0" * 32)
    path.write_bytes(to_bytes(ds))


def _traversal_zip(path):
    path = path.with_suffix(".zip")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ok.dcm", to_bytes(synthetic_mr()))
        archive.writestr("../../evil.dcm", to_bytes(synthetic_mr()))
    return path


@pytest.mark.parametrize(
    ("make_bad", "code"),
    [
        (_truncated, "truncated"),
        (_not_dicom, "not_dicom"),
        (_ct, "not_mr"),
        (_derived, "derived_image"),
        (_overlay, "overlay"),
        (_traversal_zip, "zip_traversal"),
    ],
)
def test_a_bad_file_stops_the_import_with_its_reason_and_nothing_is_half_imported(
    study, tmp_path, make_bad, code
):
    source = tmp_path / "in"
    write_case(source / "good", "alice")
    bad = source / "bad.dcm"
    bad = make_bad(bad) or bad
    with pytest.raises(CommandError, match="Nothing was imported"):
        _import(source)
    assert Case.objects.count() == 0 and Instance.objects.count() == 0
    assert _stored_files() == []
    # The CLI names the file and the reason.
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_dicom", "--study", "ingest", str(source), stderr=stderr)
    assert f"[{code}]" in stderr.getvalue() and bad.name in stderr.getvalue()


def test_skip_rejected_imports_the_good_cases_and_reports_the_rest(study, tmp_path):
    source = tmp_path / "in"
    write_case(source / "good", "alice")
    _ct(source / "ct.dcm")
    out, err = _import(source, skip_rejected=True)
    assert "[not_mr]" in err
    assert Case.objects.count() == 1 and Instance.objects.count() == 3


def test_one_study_holding_two_patients_is_refused(study, tmp_path):
    datasets = write_case(tmp_path / "in", "alice")
    intruder = datasets[0]
    intruder.PatientID = "MRN-SOMEONE-ELSE"
    intruder.SOPInstanceUID = intruder.file_meta.MediaStorageSOPInstanceUID = (
        intruder.SOPInstanceUID + ".9"
    )
    (tmp_path / "in" / "intruder.dcm").write_bytes(to_bytes(intruder))
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_dicom", "--study", "ingest", str(tmp_path / "in"), stderr=stderr)
    assert "[mixed_patients]" in stderr.getvalue()
    assert Case.objects.count() == 0


def test_an_import_without_a_uid_key_is_refused_clearly(study, tmp_path, settings):
    settings.READERSTUDY_UID_KEY = None
    write_case(tmp_path / "in", "alice")
    with pytest.raises(CommandError, match="READERSTUDY_UID_KEY"):
        _import(tmp_path / "in")


def test_an_unknown_study_is_a_clear_cli_error(tmp_path):
    with pytest.raises(CommandError, match="No study with slug 'nope'"):
        call_command("import_dicom", "--study", "nope", str(tmp_path))


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    from fixtures.phantom import generate_study

    return generate_study(seed=11, index=0, out_dir=tmp_path_factory.mktemp("phantom"))


def test_no_planted_phi_survives_in_any_stored_byte_or_database_row(study, phantom, tmp_path):
    truth_dir = tmp_path / "truth"
    truth_dir.mkdir()
    (truth_dir / phantom.truth_path.name).write_text(json.dumps(phantom.truth))
    out, _ = _import(phantom.dicom_dir, truth=str(truth_dir))
    assert "truth for 25 sites" in out
    planted = phantom.truth["planted_phi"]
    assert len(planted) >= 6
    raw = [p.read_bytes() for p in phantom.dicom_dir.rglob("*.dcm")]
    assert all(any(s.encode() in blob for blob in raw) for s in planted), (
        "the phantom plants its PHI"
    )
    stored = b"".join(p.read_bytes() for p in _stored_files())
    from django.apps import apps

    database = serializers.serialize(
        "json", [o for m in apps.get_models() for o in m.objects.all()]
    ).encode()
    for secret in planted + [phantom.truth["patient_id"], phantom.truth["study_instance_uid"]]:
        assert secret.encode() not in stored, secret
        assert secret.encode() not in database, secret


def test_stored_instances_are_indexed_with_their_pixel_offset(study, phantom):
    _import(phantom.dicom_dir)
    instance = Instance.objects.order_by("id").first()
    data = (settings.BLINDED_STORE / instance.path).read_bytes()
    ds = dcmread(io.BytesIO(data))
    assert (
        data[instance.pixel_data_offset : instance.pixel_data_offset + instance.pixel_data_length]
        == ds.PixelData
    )
    assert ds.PatientIdentityRemoved == "YES"
    assert instance.metadata["00200037"]["Value"] == [float(v) for v in ds.ImageOrientationPatient]

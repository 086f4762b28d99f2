"""DICOM headers, UIDs, geometry and planted PHI of a written phantom study."""

from __future__ import annotations

import re

import numpy as np
import pydicom
import pytest
from pydicom.uid import ExplicitVRLittleEndian

from fixtures.phantom import LEVELS, planted_phi
from fixtures.phantom.phi import INSTITUTION

from .conftest import INDEX, SEED

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
UID_PATTERN = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


@pytest.fixture(scope="module")
def series(study) -> dict[str, list[pydicom.Dataset]]:
    """Role -> datasets of the library study, in InstanceNumber order."""
    out = {}
    for role in ("sag_t1", "sag_t2", "ax_t2"):
        files = sorted((study.dicom_dir / role).glob("*.dcm"))
        out[role] = sorted((pydicom.dcmread(f) for f in files), key=lambda d: d.InstanceNumber)
    return out


def _floats(values) -> list[float]:
    return [float(v) for v in values]


def test_the_three_series_share_one_study_and_one_frame_of_reference(study, series):
    every = [ds for datasets in series.values() for ds in datasets]
    assert {ds.StudyInstanceUID for ds in every} == {study.truth["study_instance_uid"]}
    assert len({ds.FrameOfReferenceUID for ds in every}) == 1
    per_series = {role: {ds.SeriesInstanceUID for ds in dss} for role, dss in series.items()}
    assert all(len(uids) == 1 for uids in per_series.values())
    assert len(set.union(*per_series.values())) == 3
    assert len({ds.SOPInstanceUID for ds in every}) == len(every) == 53


def test_uids_are_valid_and_match_the_file_meta(series):
    for datasets in series.values():
        for ds in datasets:
            for uid in (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID):
                assert len(uid) <= 64 and UID_PATTERN.match(uid)
            assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
            assert ds.file_meta.MediaStorageSOPClassUID == MR_IMAGE_STORAGE


def test_every_file_is_an_original_12_bit_mr_image(series):
    for role, datasets in series.items():
        for ds in datasets:
            assert ds.SOPClassUID == MR_IMAGE_STORAGE
            assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
            assert (ds.BitsAllocated, ds.BitsStored, ds.HighBit) == (16, 12, 11)
            assert ds.PixelRepresentation == 0
            assert ds.PhotometricInterpretation == "MONOCHROME2"
            assert list(ds.ImageType) == ["ORIGINAL", "PRIMARY", "M", "ND"]
            assert (ds.Modality, ds.BodyPartExamined, ds.PatientPosition) == ("MR", "LSPINE", "HFS")
            assert (ds.ScanningSequence, ds.MRAcquisitionType) == ("SE", "2D")
            assert ds.pixel_array.dtype == np.uint16 and ds.pixel_array.max() <= 4095
            assert float(ds.WindowWidth) > 0
            tr, te = float(ds.RepetitionTime), float(ds.EchoTime)
            assert (tr, te) == ((550.0, 10.0) if role == "sag_t1" else (3500.0, 100.0))


def test_sagittal_slices_step_4_mm_from_patient_right_to_left(series):
    for role in ("sag_t1", "sag_t2"):
        datasets = series[role]
        assert [ds.InstanceNumber for ds in datasets] == list(range(1, 20))
        positions = np.array([_floats(ds.ImagePositionPatient) for ds in datasets])
        np.testing.assert_allclose(positions[:, 0], np.arange(-36.0, 37.0, 4.0))
        assert np.ptp(positions[:, 1]) == 0 and np.ptp(positions[:, 2]) == 0
        for ds in datasets:
            assert _floats(ds.ImageOrientationPatient) == [0, 1, 0, 0, 0, -1]
            spacing = _floats(ds.PixelSpacing)
            assert spacing[0] == spacing[1] and 1.1 <= spacing[0] <= 1.25
            assert ds.Rows == ds.Columns and abs(ds.Rows * spacing[0] - 280.0) <= spacing[0]
            assert float(ds.SliceThickness) == float(ds.SpacingBetweenSlices) == 4.0
            assert float(ds.SliceLocation) == float(ds.ImagePositionPatient[0])


def test_axial_slices_lie_at_the_disc_levels_of_the_truth_keypoints(study, series):
    datasets = series["ax_t2"]
    assert [ds.InstanceNumber for ds in datasets] == list(range(1, 16))
    positions = np.array([_floats(ds.ImagePositionPatient) for ds in datasets])
    assert np.ptp(positions[:, 0]) == 0 and np.ptp(positions[:, 1]) == 0
    canal_z = {
        s["level"]: s["keypoint_lps"][2] for s in study.truth["sites"] if s["region"] == "canal"
    }
    for k, level in enumerate(LEVELS):  # L1-L2 first, superior slice first
        z = positions[3 * k : 3 * k + 3, 2]
        np.testing.assert_allclose(np.diff(z), [-4.0, -4.0], atol=1e-3)
        assert abs(z[1] - canal_z[level]) <= 2.0
    for ds in datasets:
        assert _floats(ds.ImageOrientationPatient) == [1, 0, 0, 0, 1, 0]
        spacing = _floats(ds.PixelSpacing)
        assert spacing[0] == spacing[1] and 0.65 <= spacing[0] <= 0.75
        assert abs(ds.Rows * spacing[0] - 150.0) <= spacing[0]
        assert float(ds.SliceLocation) == float(ds.ImagePositionPatient[2])


def test_every_truth_keypoint_falls_inside_the_field_of_view_of_its_series(study, series):
    for site in study.truth["sites"]:
        x, y, z = site["keypoint_lps"]
        role = "sag_t1" if site["region"] == "foramen" else "ax_t2"
        ds = series[role][0]
        ipp, px = _floats(ds.ImagePositionPatient), float(ds.PixelSpacing[0])
        if role == "sag_t1":
            col, row = (y - ipp[1]) / px, (ipp[2] - z) / px
        else:
            col, row = (x - ipp[0]) / px, (y - ipp[1]) / px
        assert 0 <= row < ds.Rows and 0 <= col < ds.Columns


def test_axial_images_reference_the_mid_sagittal_t2_instance(series):
    mid = next(ds for ds in series["sag_t2"] if float(ds.ImagePositionPatient[0]) == 0.0)
    for ds in series["ax_t2"]:
        (item,) = ds.ReferencedImageSequence
        assert item.ReferencedSOPClassUID == MR_IMAGE_STORAGE
        assert item.ReferencedSOPInstanceUID == mid.SOPInstanceUID


def test_every_planted_phi_string_is_in_the_raw_bytes_of_every_file(study):
    strings = planted_phi(SEED, INDEX)
    assert strings == study.truth["planted_phi"]
    assert all(len(s) >= 8 for s in strings) and len(set(strings)) == len(strings)
    assert INSTITUTION in strings and study.truth["patient_id"] in strings
    for path in study.dicom_dir.rglob("*.dcm"):
        blob = path.read_bytes()
        missing = [s for s in strings if s.encode("ascii") not in blob]
        assert missing == [], path


def test_the_header_carries_identity_tags_and_a_private_vendor_block(study, series):
    ds = series["sag_t2"][0]
    assert ds.PatientID == study.truth["patient_id"] == f"MRN-{SEED}-{INDEX:04d}"
    assert ds.PatientName.family_name in study.truth["planted_phi"]
    assert ds.StudyDescription.startswith("LUMBAR SPINE MRI ")
    for keyword in (
        "PatientBirthDate", "PatientAge", "PatientSex", "InstitutionAddress",
        "ReferringPhysicianName", "AccessionNumber", "StudyID", "OperatorsName",
        "StationName", "DeviceSerialNumber", "ImageComments", "OtherPatientIDs",
    ):  # fmt: skip
        assert str(ds.data_element(keyword).value).strip(), keyword
    assert ds[0x0009, 0x0010].value == "PHANTOM AI"
    assert ds[0x0009, 0x1001].VR == "LO" and ds.PatientID in ds[0x0009, 0x1001].value


def test_no_truth_is_written_into_the_dicom(study):
    for path in study.dicom_dir.rglob("*.dcm"):
        blob = path.read_bytes()
        assert b"keypoint" not in blob and b"severity" not in blob

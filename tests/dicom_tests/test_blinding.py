"""Golden de-identification tests: what the blinded file keeps and drops."""

from __future__ import annotations

import re
import warnings
from io import BytesIO

import numpy as np
import pytest
from pydicom import Dataset, dcmread
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from readerstudy.imaging.dicom import (
    blind_dataset,
    encode_part10,
    patient_pseudonym,
    pseudonymous_uid,
    read_validated,
    series_label,
)

from .builders import (
    KEY,
    ORIGINAL_UIDS,
    OTHER_KEY,
    PLANTED,
    REFERENCED_UID,
    original_testdata,
    synthetic_mr,
    to_bytes,
)

GOLDEN_KEYWORDS = {
    # Kept from the source.
    "ImageType", "SOPClassUID", "Modality", "BodyPartExamined", "ScanningSequence",
    "SequenceVariant", "ScanOptions", "MRAcquisitionType", "SliceThickness",
    "RepetitionTime", "EchoTime", "EchoTrainLength", "FlipAngle",
    "MagneticFieldStrength", "ImagingFrequency", "PatientPosition", "SeriesNumber",
    "AcquisitionNumber", "InstanceNumber", "ImagePositionPatient",
    "ImageOrientationPatient", "SliceLocation", "PixelSpacing", "SamplesPerPixel",
    "PhotometricInterpretation", "Rows", "Columns", "BitsAllocated", "BitsStored",
    "HighBit", "PixelRepresentation", "WindowCenter", "WindowWidth",
    "RescaleIntercept", "RescaleSlope", "PixelData",
    # Remapped.
    "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID",
    "ReferencedImageSequence",
    # Present but empty.
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate",
    "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber",
    # Written by blinding.
    "SeriesDescription", "PatientIdentityRemoved", "DeidentificationMethod",
    "DeidentificationMethodCodeSequence",
}  # fmt: skip
GEOMETRY = (
    "ImagePositionPatient",
    "ImageOrientationPatient",
    "PixelSpacing",
    "SliceThickness",
    "Rows",
    "Columns",
)


def _blind(ds: Dataset, key: bytes = KEY) -> Dataset:
    validated = read_validated(to_bytes(ds), name="test.dcm")
    return blind_dataset(validated, key=key, series_label=series_label(validated))


def _reencoded(ds: Dataset) -> Dataset:
    return dcmread(BytesIO(encode_part10(ds)))


def test_the_blinded_dataset_holds_exactly_the_golden_attributes() -> None:
    blinded = _blind(synthetic_mr())
    assert {elem.keyword for elem in blinded} == GOLDEN_KEYWORDS
    assert {elem.keyword for elem in _reencoded(blinded)} == GOLDEN_KEYWORDS


def test_no_planted_string_survives_anywhere_in_the_encoded_file() -> None:
    encoded = encode_part10(_blind(synthetic_mr()))
    for planted in PLANTED:
        assert planted.encode() not in encoded, planted


def test_identity_attributes_are_present_but_empty() -> None:
    blinded = _reencoded(_blind(synthetic_mr()))
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "StudyDate"):
        assert keyword in blinded and not blinded[keyword].value
    assert blinded.PatientIdentityRemoved == "YES"
    assert blinded.SeriesDescription == "SAG T2"
    assert "ReaderStudy allow-list blinding v1" in blinded.DeidentificationMethod
    codes = [
        (item.CodeValue, item.CodingSchemeDesignator)
        for item in blinded.DeidentificationMethodCodeSequence
    ]
    assert codes == [("113100", "DCM"), ("113105", "DCM")]


def test_uids_are_keyed_pseudonyms_stable_per_key() -> None:
    first, again, other = (
        _blind(synthetic_mr()),
        _blind(synthetic_mr()),
        _blind(synthetic_mr(), key=OTHER_KEY),
    )
    for keyword, original in ORIGINAL_UIDS.items():
        assert re.fullmatch(r"2\.25\.(0|[1-9][0-9]*)", first[keyword].value)
        assert len(first[keyword].value) <= 64
        assert first[keyword].value == pseudonymous_uid(original, key=KEY)
        assert first[keyword].value == again[keyword].value
        assert first[keyword].value != other[keyword].value
    assert first.file_meta.MediaStorageSOPInstanceUID == first.SOPInstanceUID
    assert first.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian


def test_a_reference_points_at_the_remapped_referenced_instance() -> None:
    blinded = _blind(synthetic_mr())
    (item,) = blinded.ReferencedImageSequence
    referenced = synthetic_mr()
    referenced.SOPInstanceUID = REFERENCED_UID
    assert item.ReferencedSOPInstanceUID == _blind(referenced).SOPInstanceUID
    assert {elem.keyword for elem in item} == {
        "ReferencedSOPClassUID",
        "ReferencedSOPInstanceUID",
        "ReferencedFrameNumber",
    }
    assert item.ReferencedSOPClassUID == "1.2.840.10008.5.1.4.1.1.4"


def test_pixels_and_geometry_are_unchanged() -> None:
    source = synthetic_mr()
    blinded = _reencoded(_blind(source))
    assert blinded.PixelData == source.PixelData
    for keyword in GEOMETRY:
        assert blinded[keyword].value == source[keyword].value


@pytest.mark.parametrize(
    "name", ["MR_small.dcm", "MR_small_bigendian.dcm", "MR_small_implicit.dcm"]
)
def test_pixels_survive_re_encoding_from_any_native_syntax(name: str) -> None:
    source = original_testdata(name)
    blinded = _reencoded(_blind(source))
    assert blinded.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert blinded["PixelData"].VR == "OW"
    np.testing.assert_array_equal(blinded.pixel_array, source.pixel_array)
    assert blinded.ImagePositionPatient == source.ImagePositionPatient


def test_implicit_vr_input_is_written_as_explicit_little_endian() -> None:
    source = synthetic_mr()
    source.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    encoded = encode_part10(_blind(source))
    assert dcmread(BytesIO(encoded)).file_meta.TransferSyntaxUID == ExplicitVRLittleEndian


def test_blinding_leaves_the_source_untouched_and_warns_about_nothing() -> None:
    source = read_validated(to_bytes(synthetic_mr()), name="test.dcm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        blinded = blind_dataset(source, key=KEY, series_label="SAG T2")
        encode_part10(blinded)
    assert source.PatientName == "SECRET^NAME"
    assert source.SOPInstanceUID == ORIGINAL_UIDS["SOPInstanceUID"]


def test_the_preamble_of_a_tiff_polyglot_is_not_carried_over() -> None:
    data = bytearray(to_bytes(synthetic_mr()))
    data[:8] = b"II*\x00\x08\x00\x00\x00"  # a TIFF header hiding in the preamble
    validated = read_validated(bytes(data), name="polyglot.dcm")
    encoded = encode_part10(blind_dataset(validated, key=KEY, series_label="SAG T2"))
    assert encoded[:128] == b"\0" * 128


@pytest.mark.parametrize(
    ("iop", "tr", "te", "label"),
    [
        (["0", "1", "0", "0", "0", "-1"], "3000", "100", "SAG T2"),
        (["0", "1", "0", "0", "0", "-1"], "500", "12", "SAG T1"),
        (["1", "0", "0", "0", "1", "0"], "4000", "90", "AX T2"),
        (["1", "0", "0", "0", "0", "-1"], "600", "10", "COR T1"),
        (["1", "0", "0", "0", "1", "0"], "2500", "30", "AX PD"),
        # 20 degrees off axial is still axial; 45 degrees is oblique.
        (["1", "0", "0", "0", "0.9397", "0.3420"], "4000", "90", "AX T2"),
        (["1", "0", "0", "0", "0.7071", "0.7071"], "4000", "90", "OBL T2"),
        (None, "4000", "90", "OBL T2"),
        (["1", "0", "0", "0", "1", "0"], None, None, "AX"),
    ],
)
def test_series_label_comes_from_geometry_and_timing(
    iop: list[str] | None, tr: str | None, te: str | None, label: str
) -> None:
    ds = Dataset()
    ds.SeriesDescription = "AI says severe stenosis John"  # must be ignored
    for keyword, value in (
        ("ImageOrientationPatient", iop),
        ("RepetitionTime", tr),
        ("EchoTime", te),
    ):
        if value is not None:
            setattr(ds, keyword, value)
    assert series_label(ds) == label


def test_patient_pseudonym_is_recomputable_and_keyed() -> None:
    pseudonym = patient_pseudonym("MRN-PLANTED-42", key=KEY)
    assert re.fullmatch(r"P[0-9a-f]{20}", pseudonym)
    assert pseudonym == patient_pseudonym("MRN-PLANTED-42", key=KEY)
    assert pseudonym != patient_pseudonym("MRN-PLANTED-42", key=OTHER_KEY)
    assert pseudonym != patient_pseudonym("MRN-PLANTED-43", key=KEY)

"""Accepted inputs and the identity keys used to group them."""

from __future__ import annotations

from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian

from readerstudy.imaging.dicom import patient_key, read_validated, study_key

from .builders import ORIGINAL_UIDS, original_testdata, synthetic_mr, to_bytes


def test_an_original_mr_is_returned_whole() -> None:
    source = synthetic_mr()
    ds = read_validated(to_bytes(source), name="IM1.dcm")
    assert ds.PixelData == source.PixelData
    assert ds.PatientName == "SECRET^NAME"  # blinding happens later


def test_every_native_transfer_syntax_is_accepted() -> None:
    for syntax in (ImplicitVRLittleEndian, ExplicitVRBigEndian):
        source = synthetic_mr()
        source.file_meta.TransferSyntaxUID = syntax
        ds = read_validated(to_bytes(source), name="IM1.dcm")
        assert ds.file_meta.TransferSyntaxUID == syntax


def test_bundled_mr_files_made_original_are_accepted() -> None:
    for name in ("MR_small.dcm", "MR_small_bigendian.dcm", "MR_small_implicit.dcm"):
        read_validated(to_bytes(original_testdata(name)), name=name)


def test_odd_length_eight_bit_pixels_with_padding_are_accepted() -> None:
    source = synthetic_mr(rows=3, columns=5)
    source.BitsAllocated = source.BitsStored = 8
    source.HighBit = 7
    source.PixelData = bytes(range(15)) + b"\0"  # padded to even length
    read_validated(to_bytes(source), name="IM1.dcm")


def test_patient_key_prefers_the_patient_id() -> None:
    ds = synthetic_mr()
    assert patient_key(ds) == "MRN-PLANTED-42"
    ds.PatientID = ""
    assert patient_key(ds) == "SECRET^NAME|19610203"
    ds.PatientName = ""
    ds.PatientBirthDate = ""
    assert patient_key(ds) == ""


def test_study_key_is_the_original_study_uid() -> None:
    assert study_key(synthetic_mr()) == ORIGINAL_UIDS["StudyInstanceUID"]

"""One matrix of bad inputs, each run through the real import path.

Every builder writes a file or archive under tmp_path; the pipeline is
iter_dicom_sources followed by read_validated, as the ingest code runs it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian

from readerstudy.imaging.dicom import RejectedFile, iter_dicom_sources, read_validated

from .builders import (
    bundled,
    original_testdata,
    patch_zip_headers,
    synthetic_mr,
    to_bytes,
    write_symlink_zip,
    write_zip,
)

# Small enough for cheap bombs, large enough for examples_overlay.dcm (290 kB).
LIMITS = {"max_total_bytes": 500_000, "max_files": 20, "max_member_bytes": 400_000}


def _file(data: bytes) -> Callable[[Path], Path]:
    def build(tmp_path: Path) -> Path:
        path = tmp_path / "upload.dcm"
        path.write_bytes(data)
        return path

    return build


def _mr(**changes: object) -> bytes:
    ds = synthetic_mr()
    for keyword, value in changes.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    return to_bytes(ds)


def _with_overlay() -> bytes:
    ds = synthetic_mr()
    ds.add_new(0x60000010, "US", 16)
    ds.add_new(0x60003000, "OW", b"\x00" * 32)
    return to_bytes(ds)


def _zip(members: dict[str, bytes]) -> Callable[[Path], Path]:
    return lambda tmp_path: write_zip(tmp_path / "cases.zip", members)


def _encrypted_zip(tmp_path: Path) -> Path:
    path = write_zip(tmp_path / "cases.zip", {"PAT1/IM1.dcm": b"ciphertext"})
    return patch_zip_headers(path, set_flags=0x1)


def _lying_zip(tmp_path: Path) -> Path:
    # Declares 100 bytes but deflates to 1 MB: must never expand past 100.
    path = write_zip(tmp_path / "cases.zip", {"PAT1/IM1.dcm": BOMB})
    return patch_zip_headers(path, declared_size=100)


def _truncated_zip(tmp_path: Path) -> Path:
    path = write_zip(tmp_path / "cases.zip", {"IM1.dcm": to_bytes(synthetic_mr())})
    path.write_bytes(path.read_bytes()[:-30])  # cut into the central directory
    return path


GOOD = to_bytes(synthetic_mr())
BUNDLED_TRUNCATED = Path(get_testdata_file("MR_truncated.dcm")).read_bytes()
CT = to_bytes(bundled("CT_small.dcm"))
DERIVED = to_bytes(bundled("MR_small.dcm"))
OVERLAY = to_bytes(original_testdata("examples_overlay.dcm"))
RLE = to_bytes(original_testdata("MR_small_RLE.dcm"))
GARBAGE_AFTER_DICM = b"\0" * 128 + b"DICM" + random.Random(2).randbytes(300)
BOMB = b"\0" * 1_000_000
THREE_UNDER_MEMBER_LIMIT = {f"IM{i}.dcm": BOMB[:200_000] for i in range(3)}
CASES = [
    ("truncated pixel data", _file(GOOD[:-100]), "truncated"),
    ("pydicom's bundled truncated MR", _file(BUNDLED_TRUNCATED), "truncated"),
    ("empty file", _file(b""), "not_dicom"),
    ("PNG header", _file(b"\x89PNG\r\n\x1a\n" + b"\0" * 300), "not_dicom"),
    ("random bytes", _file(random.Random(0).randbytes(2000)), "not_dicom"),
    ("TIFF preamble without DICM", _file(b"II*\x00" + b"\0" * 400), "not_dicom"),
    ("DICM marker then garbage", _file(GARBAGE_AFTER_DICM), "unparseable"),
    ("DICM marker then nothing", _file(b"\0" * 128 + b"DICM"), "unparseable"),
    ("CT image", _file(CT), "not_mr"),
    ("MR class with CT modality", _file(_mr(Modality="CT")), "not_mr"),
    ("derived MR", _file(DERIVED), "derived_image"),
    ("secondary MR", _file(_mr(ImageType=["ORIGINAL", "SECONDARY"])), "derived_image"),
    ("overlay group", _file(_with_overlay()), "overlay"),
    ("bundled overlay MR", _file(OVERLAY), "overlay"),
    ("burned-in annotation", _file(_mr(BurnedInAnnotation="YES")), "burned_in_annotation"),
    ("no pixel data", _file(_mr(PixelData=None)), "no_pixel_data"),
    ("missing SOP instance UID", _file(_mr(SOPInstanceUID=None)), "missing_uid"),
    ("RLE compressed", _file(RLE), "unsupported_transfer_syntax"),
    ("RGB image", _file(_mr(PhotometricInterpretation="RGB")), "unsupported_pixel_format"),
    ("zip with ../ member", _zip({"ok.dcm": GOOD, "../evil.dcm": GOOD}), "zip_traversal"),
    ("zip with absolute member", _zip({"/abs.dcm": GOOD}), "zip_traversal"),
    ("zip with drive letter", _zip({"C:/win.dcm": GOOD}), "zip_traversal"),
    ("zip with nested ..", _zip({"PAT1/../../x.dcm": GOOD}), "zip_traversal"),
    ("zip with symlink", lambda p: write_symlink_zip(p / "c.zip"), "zip_symlink"),
    ("encrypted zip", _encrypted_zip, "zip_encrypted"),
    ("zip bomb by declared member size", _zip({"bomb.dcm": BOMB}), "zip_too_large"),
    ("zip bomb by total size", _zip(THREE_UNDER_MEMBER_LIMIT), "zip_too_large"),
    ("zip bomb with lying header", _lying_zip, "bad_zip"),
    ("too many zip members", _zip({f"IM{i}.dcm": b"x" for i in range(25)}), "zip_too_many_files"),
    ("corrupt zip", _file(b"PK\x03\x04" + random.Random(1).randbytes(500)), "bad_zip"),
    ("zip cut short", _truncated_zip, "bad_zip"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "code"), [(b, c) for _, b, c in CASES], ids=[i for i, _, _ in CASES]
)
def test_bad_input_is_rejected_with_a_stable_code_and_a_sentence(
    tmp_path: Path, build: Callable[[Path], Path], code: str
) -> None:
    path = build(tmp_path)
    with pytest.raises(RejectedFile) as caught:
        for name, data in iter_dicom_sources([path], **LIMITS):
            read_validated(data, name=name)
    assert caught.value.code == code
    message = caught.value.message
    assert str(caught.value) == message
    assert len(message.split()) >= 4 and message.endswith(".")


def test_a_non_mr_message_names_the_sop_class() -> None:
    with pytest.raises(RejectedFile, match="CT Image Storage"):
        read_validated(to_bytes(bundled("CT_small.dcm")), name="ct.dcm")


def test_an_unsupported_transfer_syntax_is_named() -> None:
    data = to_bytes(original_testdata("MR_small_RLE.dcm"))
    with pytest.raises(RejectedFile, match="RLE Lossless"):
        read_validated(data, name="rle.dcm")


def test_a_bad_archive_yields_nothing_before_it_is_rejected(tmp_path: Path) -> None:
    # The good member comes first in the archive, the traversal one last.
    path = write_zip(tmp_path / "cases.zip", {"a/ok.dcm": GOOD, "../evil.dcm": GOOD})
    yielded = []
    with pytest.raises(RejectedFile):
        for name, _ in iter_dicom_sources([path]):
            yielded.append(name)
    assert yielded == []


def test_a_lying_header_is_caught_before_the_first_member_is_yielded(
    tmp_path: Path,
) -> None:
    path = write_zip(tmp_path / "cases.zip", {"a/ok.dcm": GOOD, "b/bomb.dcm": BOMB})
    patch_zip_headers(path, declared_size=len(GOOD))
    yielded = []
    with pytest.raises(RejectedFile) as caught:
        for name, _ in iter_dicom_sources([path], **LIMITS):
            yielded.append(name)
    assert caught.value.code == "bad_zip"
    assert yielded == []


def test_a_header_only_dataset_is_not_mistaken_for_an_image() -> None:
    ds = Dataset()
    ds.file_meta = synthetic_mr().file_meta
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.PatientName = "SECRET^NAME"
    with pytest.raises(RejectedFile) as caught:
        read_validated(to_bytes(ds), name="empty.dcm")
    assert caught.value.code == "not_mr"

"""Ingest's shortcuts give exactly what plain pydicom gives.

Validation skips elements equal to ones already decoded, blinding keeps
pydicom's encoding of allow-listed values as raw bytes, storage joins raw
elements and finds the PixelData offset while encoding, and the DICOM JSON
reuses the JSON of equal elements (``readerstudy/imaging/dicom/_elements.py``).
Each test compares with pydicom doing all the work, or with the memos off.
"""

from __future__ import annotations

import copy
import struct
from io import BytesIO
from pathlib import Path

import pytest
from pydicom import Dataset, config, dcmread
from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian

from readerstudy.imaging.dicom import (
    RejectedFile,
    _elements,
    blind_dataset,
    encode_part10,
    locate_pixel_data,
    metadata_json,
    read_validated,
    series_label,
    write_blinded,
)
from readerstudy.imaging.dicom.blinding import KEPT_KEYWORDS

from .builders import KEY, original_testdata, synthetic_mr, to_bytes


def _series(n: int = 3, **changes: object) -> list[bytes]:
    """Instances of one series: most attributes equal, the slice position not."""
    files = []
    for number in range(1, n + 1):
        ds = synthetic_mr()
        ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.1{number:03d}"
        ds.InstanceNumber = str(number)
        ds.ImagePositionPatient = [str(-4 + 4 * number), "-100", "128"]
        ds.SliceLocation = str(-4 + 4 * number)
        for keyword, value in changes.items():
            if keyword == "TransferSyntaxUID":
                ds.file_meta.TransferSyntaxUID = value
            else:
                setattr(ds, keyword, value)
        files.append(to_bytes(ds))
    return files


def _odd_eight_bit() -> Dataset:
    ds = synthetic_mr(rows=3, columns=5)
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelData = bytes(range(15)) + b"\0"  # padded to even length
    return ds


def _ingest(data: bytes, tmp_path: Path) -> tuple[Dataset, Dataset, bytes, dict, tuple]:
    validated = read_validated(data, name="IM.dcm")
    blinded = blind_dataset(validated, key=KEY, series_label=series_label(validated))
    encoded = encode_part10(blinded)
    info = write_blinded(blinded, tmp_path / "instance.dcm")
    stored = (tmp_path / "instance.dcm").read_bytes()
    return validated, blinded, encoded, metadata_json(blinded), (info, stored)


def _pydicom_bytes(ds: Dataset) -> bytes:
    """What pydicom writes when it converts every element and encodes it again."""
    reference = copy.deepcopy(ds)
    reference.set_original_encoding(None, None)
    buffer = BytesIO()
    reference.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


SOURCES = {
    "explicit little endian": _series(),
    "implicit little endian": _series(TransferSyntaxUID=ImplicitVRLittleEndian),
    "explicit big endian": _series(TransferSyntaxUID=ExplicitVRBigEndian),
    "multi-frame": [to_bytes(synthetic_mr(frames=3))],
    "odd 8-bit": [to_bytes(_odd_eight_bit())],
    "bundled MR_small": [to_bytes(original_testdata("MR_small.dcm"))],
    "bundled MR_small_bigendian": [to_bytes(original_testdata("MR_small_bigendian.dcm"))],
    "bundled MR_small_implicit": [to_bytes(original_testdata("MR_small_implicit.dcm"))],
}


@pytest.mark.parametrize("name", list(SOURCES))
def test_the_offset_found_while_encoding_is_where_the_pixels_are(tmp_path: Path, name: str) -> None:
    for data in SOURCES[name]:
        _, blinded, encoded, _, (info, stored) = _ingest(data, tmp_path)
        # locate_pixel_data parses the written file: the oracle.
        assert (info.pixel_data_offset, info.pixel_data_length) == locate_pixel_data(stored)
        assert stored == encoded
        pixels = blinded.PixelData
        assert stored[info.pixel_data_offset :][: len(pixels)] == pixels


@pytest.mark.parametrize("name", list(SOURCES))
def test_blinded_bytes_are_pydicoms_encoding_of_the_copied_values(name: str) -> None:
    for data in SOURCES[name]:
        validated = read_validated(data, name="IM.dcm")
        blinded = blind_dataset(validated, key=KEY, series_label="SAG T2")
        assert encode_part10(blinded) == _pydicom_bytes(blinded)
        for keyword in KEPT_KEYWORDS:
            if keyword in validated:
                assert blinded[keyword].value == validated[keyword].value, keyword


@pytest.mark.parametrize("name", list(SOURCES))
def test_results_are_the_same_with_the_memos_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    warm = [_ingest(data, tmp_path)[2:] for data in SOURCES[name] * 2]
    monkeypatch.setattr(_elements, "memos_usable", lambda: False)
    cold = [_ingest(data, tmp_path)[2:] for data in SOURCES[name] * 2]
    assert warm == cold


def test_services_reading_attributes_first_changes_nothing(tmp_path: Path) -> None:
    # services.py reads a few attributes before blinding and writing, which
    # converts them; the output must not depend on that.
    for data in _series():
        untouched = _ingest(data, tmp_path)
        validated = read_validated(data, name="IM.dcm")
        for keyword in ("InstanceNumber", "StudyInstanceUID", "ImageOrientationPatient"):
            validated.get(keyword)
        blinded = blind_dataset(validated, key=KEY, series_label=series_label(validated))
        for keyword in ("SOPInstanceUID", "SeriesNumber", "Rows", "SOPClassUID"):
            blinded.get(keyword)
        assert encode_part10(blinded) == untouched[2]
        assert metadata_json(blinded) == untouched[3]


META_CHANGES = {
    "as blinded": lambda ds: None,
    "version given": lambda ds: setattr(ds.file_meta, "FileMetaInformationVersion", b"\0\1"),
    "group length given": lambda ds: setattr(ds.file_meta, "FileMetaInformationGroupLength", 7),
    "preamble given": lambda ds: setattr(ds, "preamble", b"\1" * 128),
    "stale instance UID": lambda ds: setattr(ds.file_meta, "MediaStorageSOPInstanceUID", "1.2.3"),
    "no version name": lambda ds: delattr(ds.file_meta, "ImplementationVersionName"),
    "no implementation UID": lambda ds: delattr(ds.file_meta, "ImplementationClassUID"),
}


@pytest.mark.parametrize("change", list(META_CHANGES))
def test_the_file_meta_is_written_as_pydicom_writes_it(change: str) -> None:
    validated = read_validated(to_bytes(synthetic_mr()), name="IM.dcm")
    blinded = blind_dataset(validated, key=KEY, series_label="SAG T2")
    META_CHANGES[change](blinded)
    expected = BytesIO()
    copy.deepcopy(blinded).save_as(expected, enforce_file_format=True)
    assert encode_part10(blinded) == expected.getvalue()


def test_a_dataset_read_from_a_file_encodes_as_pydicom_writes_it() -> None:
    # Raw elements of any kind (private, sequences, PHI) are joined verbatim.
    ds = dcmread(BytesIO(to_bytes(synthetic_mr())))
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    assert encode_part10(ds) == buffer.getvalue()


def test_a_dataset_built_in_code_still_encodes_and_is_located(tmp_path: Path) -> None:
    ds = synthetic_mr()
    buffer = BytesIO()
    copy.deepcopy(ds).save_as(buffer, enforce_file_format=True)
    assert encode_part10(ds) == buffer.getvalue()
    info = write_blinded(ds, tmp_path / "x.dcm")
    assert (info.pixel_data_offset, info.pixel_data_length) == locate_pixel_data(
        (tmp_path / "x.dcm").read_bytes()
    )


def test_write_blinded_still_refuses_a_dataset_without_pixels(tmp_path: Path) -> None:
    validated = read_validated(to_bytes(synthetic_mr()), name="IM.dcm")
    blinded = blind_dataset(validated, key=KEY, series_label="SAG T2")
    del blinded.PixelData
    with pytest.raises(ValueError, match="no PixelData"):
        write_blinded(blinded, tmp_path / "x.dcm")
    assert not list(tmp_path.iterdir())


def _with_acquisition_matrix(value: bytes) -> bytes:
    """A synthetic MR whose dropped AcquisitionMatrix (US, 4 values) holds ``value``."""
    ds = synthetic_mr()
    ds.add_new(0x00181310, "US", [0, 16, 16, 0])
    data = bytearray(to_bytes(ds))
    at = data.find(b"\x18\x00\x10\x13US")
    (length,) = struct.unpack_from("<H", data, at + 6)
    data[at + 6 : at + 8 + length] = struct.pack("<H", len(value)) + value
    return bytes(data)


def test_a_malformed_dropped_element_is_refused_after_a_good_one() -> None:
    good = struct.pack("<4H", 0, 16, 16, 0)
    read_validated(_with_acquisition_matrix(good), name="good.dcm")  # remembered
    with pytest.raises(RejectedFile) as caught:
        read_validated(_with_acquisition_matrix(good[:7]), name="bad.dcm")
    assert caught.value.code == "unparseable"
    assert "(0018,1310)" in caught.value.message


def test_remembered_decodes_are_forgotten_when_pydicom_gets_stricter() -> None:
    data = to_bytes(synthetic_mr())
    echo_time = b"\x18\x00\x81\x00DS\x04\x00"
    assert echo_time + b"100 " in data
    data = data.replace(echo_time + b"100 ", echo_time + b"abc ")
    # pydicom's default reading keeps the invalid DS 'abc' as text: accepted,
    # and the decode is remembered.
    read_validated(data, name="lenient.dcm")
    with config.strict_reading(), pytest.raises(RejectedFile) as caught:
        read_validated(data, name="strict.dcm")
    assert caught.value.code == "unparseable"
    assert "'abc'" in caught.value.message
    read_validated(data, name="lenient-again.dcm")


@pytest.mark.filterwarnings("ignore:Failed to encode value:UserWarning")
def test_non_ascii_text_keeps_its_value_in_the_metadata() -> None:
    # The blinded file has no SpecificCharacterSet; such text was always
    # written with pydicom's default (lossy) while the JSON kept the value.
    ds = synthetic_mr()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.RescaleType = "中文"
    for _ in range(2):
        validated = read_validated(to_bytes(ds), name="utf8.dcm")
        blinded = blind_dataset(validated, key=KEY, series_label="SAG T2")
        assert metadata_json(blinded)["00281054"] == {"vr": "LO", "Value": ["中文"]}
        assert encode_part10(blinded) == _pydicom_bytes(blinded)

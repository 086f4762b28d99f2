"""Served metadata: allow-listed tags only, never pixel bytes."""

from __future__ import annotations

import json
from io import BytesIO

from pydicom import dcmread

from readerstudy.imaging.dicom import (
    allowed_tags,
    blind_dataset,
    encode_part10,
    metadata_json,
    read_validated,
)

from .builders import KEY, PLANTED, synthetic_mr, to_bytes

EXTRA = {"00083002", "00020010"}


def _all_keys(node: dict) -> set[str]:
    keys = set(node)
    for element in node.values():
        for value in element.get("Value", []):
            if isinstance(value, dict):
                keys |= _all_keys(value)
    return keys


def _blinded():
    validated = read_validated(to_bytes(synthetic_mr()), name="test.dcm")
    return blind_dataset(validated, key=KEY, series_label="SAG T2")


def test_metadata_holds_only_allow_listed_tags_and_no_pixels() -> None:
    header = metadata_json(_blinded())
    assert _all_keys(header) <= allowed_tags() | EXTRA
    assert "7FE00010" not in header
    text = json.dumps(header)
    assert "InlineBinary" not in text
    for planted in PLANTED:
        assert planted not in text


def test_metadata_names_the_transfer_syntax_twice() -> None:
    header = metadata_json(_blinded())
    assert header["00083002"] == {"vr": "UI", "Value": ["1.2.840.10008.1.2.1"]}
    assert header["00020010"] == {"vr": "UI", "Value": ["1.2.840.10008.1.2.1"]}


def test_metadata_carries_what_the_viewer_needs() -> None:
    header = metadata_json(_blinded())
    for tag in ("00280010", "00280011", "00200032", "00200037", "00280030", "00080018"):
        assert "Value" in header[tag], tag


def test_metadata_from_a_stored_file_read_without_pixels_is_the_same() -> None:
    blinded = _blinded()
    stored = dcmread(BytesIO(encode_part10(blinded)), stop_before_pixels=True)
    assert metadata_json(stored) == metadata_json(blinded)


def test_a_bulk_data_uri_can_stand_in_for_the_pixels() -> None:
    header = metadata_json(_blinded(), pixel_data_uri="/dicomweb/x/bulk")
    assert header["7FE00010"] == {"vr": "OW", "BulkDataURI": "/dicomweb/x/bulk"}
    assert _all_keys(header) <= allowed_tags() | EXTRA

"""Stored files: pixel offsets, frame reads and atomic writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pydicom import Dataset, dcmread

from readerstudy.imaging.dicom import (
    blind_dataset,
    encode_part10,
    locate_pixel_data,
    read_frame,
    read_validated,
    write_blinded,
)

from .builders import KEY, pixel_values, synthetic_mr, to_bytes


def _blinded(**shape: int) -> Dataset:
    validated = read_validated(to_bytes(synthetic_mr(**shape)), name="test.dcm")
    return blind_dataset(validated, key=KEY, series_label="SAG T2")


def test_locate_pixel_data_points_at_exactly_the_pixel_bytes() -> None:
    blinded = _blinded(rows=16, columns=20)
    data = encode_part10(blinded)
    offset, length = locate_pixel_data(data)
    assert data[offset : offset + length] == blinded.PixelData
    assert length == 16 * 20 * 2


def test_write_blinded_records_what_serving_needs(tmp_path: Path) -> None:
    blinded = _blinded()
    path = tmp_path / "store" / "ab" / "instance.dcm"  # parents do not exist yet
    info = write_blinded(blinded, path)
    data = path.read_bytes()
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.transfer_syntax_uid == "1.2.840.10008.1.2.1"
    assert (info.number_of_frames, info.frame_length) == (1, 16 * 16 * 2)
    assert dcmread(path).SOPInstanceUID == blinded.SOPInstanceUID
    # Only the final file remains: the temporary file was renamed over it.
    assert [p.name for p in path.parent.iterdir()] == ["instance.dcm"]


def test_read_frame_returns_each_frame_of_a_multi_frame_image(tmp_path: Path) -> None:
    blinded = _blinded(frames=3)
    info = write_blinded(blinded, tmp_path / "multi.dcm")
    assert info.number_of_frames == 3
    expected = pixel_values(16, 16, 3)
    for number in (1, 2, 3):
        frame = read_frame(
            tmp_path / "multi.dcm",
            offset=info.pixel_data_offset,
            frame_length=info.frame_length,
            frame_number=number,
        )
        assert frame == expected[number - 1].tobytes()
    assert info.pixel_data_length == 3 * info.frame_length


@pytest.mark.parametrize("frame_number", [0, -1, 4])
def test_read_frame_refuses_frames_that_do_not_exist(tmp_path: Path, frame_number: int) -> None:
    info = write_blinded(_blinded(frames=3), tmp_path / "multi.dcm")
    with pytest.raises(IndexError):
        read_frame(
            tmp_path / "multi.dcm",
            offset=info.pixel_data_offset,
            frame_length=info.frame_length,
            frame_number=frame_number,
        )


def test_read_frame_honours_an_explicit_frame_count(tmp_path: Path) -> None:
    info = write_blinded(_blinded(frames=3), tmp_path / "multi.dcm")
    with pytest.raises(IndexError):
        read_frame(
            tmp_path / "multi.dcm",
            offset=info.pixel_data_offset,
            frame_length=info.frame_length // 2,
            frame_number=4,
            number_of_frames=3,
        )
    with pytest.raises(ValueError):
        read_frame(tmp_path / "multi.dcm", offset=0, frame_length=0, frame_number=1)


def test_encoding_refuses_a_dataset_without_explicit_little_endian_meta() -> None:
    with pytest.raises(ValueError):
        encode_part10(Dataset())


def test_locate_pixel_data_refuses_a_file_without_pixels() -> None:
    ds = synthetic_mr()
    del ds.PixelData
    with pytest.raises(ValueError):
        locate_pixel_data(to_bytes(ds))

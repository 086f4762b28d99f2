"""Enumerating uploads: directories, plain files and zips read in memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from readerstudy.imaging.dicom import RejectedFile, iter_dicom_sources

from .builders import synthetic_mr, to_bytes, write_zip

DICOM = to_bytes(synthetic_mr())


def _names(paths: list[Path], **limits: int) -> list[str]:
    return [name for name, _ in iter_dicom_sources(paths, **limits)]


def test_a_directory_is_walked_in_sorted_order_skipping_junk(tmp_path: Path) -> None:
    root = tmp_path / "upload"
    for relative in ("PAT2/IM1.dcm", "PAT1/IM2.dcm", "PAT1/IM10.dcm", "IM0"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(DICOM)
    (root / ".DS_Store").write_bytes(b"junk")
    (root / "__MACOSX").mkdir()
    (root / "__MACOSX" / "IM1.dcm").write_bytes(b"junk")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "IM1.dcm").write_bytes(DICOM)
    os.symlink("/etc/passwd", root / "PAT1" / "link.dcm")
    os.symlink(root / "PAT2", root / "linked_dir")
    assert _names([root]) == [
        "upload/IM0",
        "upload/PAT1/IM10.dcm",
        "upload/PAT1/IM2.dcm",
        "upload/PAT2/IM1.dcm",
    ]


def test_zip_members_are_read_without_extracting(tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "cases.bin",  # recognised by magic, not by extension
        {
            "PAT1/IM1.dcm": DICOM,
            "PAT1/": b"",
            "__MACOSX/PAT1/._IM1.dcm": b"junk",
            "PAT1/.DS_Store": b"junk",
        },
    )
    sources = list(iter_dicom_sources([path]))
    assert sources == [("cases.bin:PAT1/IM1.dcm", DICOM)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.bin"]


def test_a_zip_inside_a_directory_is_expanded_but_a_nested_zip_is_not(
    tmp_path: Path,
) -> None:
    inner = write_zip(tmp_path / "inner.zip", {"IM1.dcm": DICOM}).read_bytes()
    root = tmp_path / "upload"
    root.mkdir()
    write_zip(root / "outer.zip", {"IM1.dcm": DICOM, "inner.zip": inner})
    sources = dict(iter_dicom_sources([root]))
    assert sources == {
        "upload/outer.zip:IM1.dcm": DICOM,
        "upload/outer.zip:inner.zip": inner,
    }


def test_a_dicom_with_a_zip_preamble_is_treated_as_dicom(tmp_path: Path) -> None:
    data = b"PK\x03\x04" + DICOM[4:]
    (tmp_path / "polyglot.dcm").write_bytes(data)
    assert list(iter_dicom_sources([tmp_path / "polyglot.dcm"])) == [("polyglot.dcm", data)]


def test_limits_apply_across_all_sources_of_one_call(tmp_path: Path) -> None:
    for index in range(3):
        (tmp_path / f"IM{index}.dcm").write_bytes(DICOM)
    paths = sorted(tmp_path.iterdir())
    with pytest.raises(RejectedFile) as caught:
        _names(paths, max_files=2)
    assert caught.value.code == "too_many_files"
    with pytest.raises(RejectedFile) as caught:
        _names(paths, max_total_bytes=2 * len(DICOM))
    assert caught.value.code == "too_large"


def test_a_directory_over_the_limits_yields_nothing(tmp_path: Path) -> None:
    for index in range(3):
        (tmp_path / f"IM{index}.dcm").write_bytes(DICOM)
    yielded = []
    with pytest.raises(RejectedFile) as caught:
        for name, _ in iter_dicom_sources([tmp_path], max_files=2):
            yielded.append(name)
    assert caught.value.code == "too_many_files"
    assert yielded == []


def test_an_oversized_plain_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.dcm").write_bytes(DICOM)
    with pytest.raises(RejectedFile) as caught:
        _names([tmp_path / "big.dcm"], max_member_bytes=len(DICOM) - 1)
    assert caught.value.code == "too_large"


def test_a_zip_larger_than_the_member_limit_is_judged_by_its_members(
    tmp_path: Path,
) -> None:
    members = {f"IM{i}.dcm": DICOM for i in range(8)}
    path = write_zip(tmp_path / "cases.zip", members)
    assert path.stat().st_size > len(DICOM)  # the archive is over the member limit
    assert len(_names([path], max_member_bytes=len(DICOM))) == 8

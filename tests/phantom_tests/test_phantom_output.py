"""Output layout, the command line and determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom

from fixtures.phantom import load_truth, render_study_arrays, sample_anatomy, study_name

from .conftest import INDEX, SEED

SERIES_SIZES = {"sag_t1": 19, "sag_t2": 19, "ax_t2": 15}


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_a_study_has_three_series_folders_and_a_truth_file_beside_them(study):
    assert study.name == f"phantom-{SEED}-{INDEX:04d}"
    assert study.dicom_dir.name == study.name
    assert study.truth_path == study.dicom_dir.parent / f"{study.name}.truth.json"
    assert sorted(p.name for p in study.dicom_dir.iterdir()) == sorted(SERIES_SIZES)
    for role, n in SERIES_SIZES.items():
        names = sorted(p.name for p in (study.dicom_dir / role).iterdir())
        assert names == [f"IM{i:04d}.dcm" for i in range(1, n + 1)]


def test_the_truth_file_is_never_inside_the_dicom_folder(study):
    assert not list(study.dicom_dir.rglob("*.json"))
    assert load_truth(study.truth_path) == study.truth


def test_the_command_line_writes_byte_identical_files_to_the_library(study, cli_out):
    library = _files(study.dicom_dir.parent)
    cli = _files(cli_out)
    assert sorted(cli) == sorted(library)
    differing = [name for name in library if library[name] != cli[name]]
    assert differing == []


def test_a_different_seed_gives_a_different_study(study):
    other = render_study_arrays(seed=SEED + 1, index=INDEX)
    written = pydicom.dcmread(study.dicom_dir / "sag_t2" / "IM0010.dcm").pixel_array
    assert not np.array_equal(other.pixels["sag_t2"][9], written)
    assert other.anatomy != sample_anatomy(SEED, INDEX)


def test_study_names_mark_the_external_set():
    assert study_name(3, 12) == "phantom-3-0012"
    assert study_name(3, 12, external=True) == "phantom-ext-3-0012"

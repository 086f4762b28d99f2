"""DICOM and in-memory phantom paths give the reader identical inputs."""

from __future__ import annotations

import numpy as np
import pytest

from inference import study_input_from_dicom
from inference.dicom_input import role_from_description


@pytest.mark.parametrize(
    ("description", "role"),
    [
        ("SAG T1", "SAG_T1"),
        ("SAG T2", "SAG_T2"),
        ("AX T2", "AX_T2"),
        ("SAG T2 TSE JANE DOE-7-0003 severe L4-5", "SAG_T2"),
        ("Sagittal T2/STIR", "SAG_T2"),
        ("LOCALIZER", None),
    ],
)
def test_the_series_role_comes_from_the_description(description, role):
    assert role_from_description(description) == role


def test_dicom_input_equals_the_phantom_input_on_one_study(rendered_study, study, tmp_path):
    from fixtures.phantom.series import write_study

    dicom_dir, _, _ = write_study(rendered_study, tmp_path)
    from_dicom = study_input_from_dicom(dicom_dir)
    assert set(from_dicom.series) == set(study.series) == {"SAG_T1", "SAG_T2", "AX_T2"}
    for role, expected in study.series.items():
        got = from_dicom.series[role]
        assert np.array_equal(got.pixels, expected.pixels), role
        assert np.allclose(got.positions, expected.positions, atol=1e-9), role
        assert got.orientation == expected.orientation
        assert got.spacing == expected.spacing
        assert got.series_instance_uid == expected.series_instance_uid
        assert got.sop_instance_uids == expected.sop_instance_uids


def test_slices_are_sorted_along_the_normal_not_by_stack_order(study):
    axial = study.series["AX_T2"]
    # The phantom writes axial slices superior first; geometry puts them inferior first.
    assert np.all(np.diff(axial.positions[:, 2]) > 0)

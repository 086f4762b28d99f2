"""Pixel <-> patient mm, slice order, laterality and level assignment by DICOM geometry."""

from __future__ import annotations

import numpy as np

from inference.geometry import (
    nearest_slice,
    patient_left_direction,
    patient_to_pixel,
    pixel_to_patient,
    slice_normal,
)
from inference.localize import AX_SIZE, AX_SPACING, Frame, _frame, assign_axial_levels, axial_plane
from inference.preprocess import LEFT, POSTERIOR, SUPERIOR, PlaneGrid
from inference.types import SeriesInput

OBLIQUE = (0.8660254, 0.5, 0.0, 0.0, 0.0, -1.0)


def _axial_series(zs, orientation=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0)) -> SeriesInput:
    n = len(zs)
    return SeriesInput(
        pixels=np.zeros((n, 4, 4), np.uint16),
        positions=[[-10.0, -20.0, z] for z in zs],
        orientation=orientation,
        spacing=(0.7, 0.7),
        series_instance_uid="1.2.3",
        sop_instance_uids=[f"1.2.3.{i}" for i in range(n)],
    )


def test_the_first_pixel_centre_is_the_image_position():
    point = pixel_to_patient((5.0, -3.0, 12.0), OBLIQUE, (0.9, 1.1), 0.0, 0.0)
    assert np.allclose(point, (5.0, -3.0, 12.0))


def test_pixel_to_mm_and_back_round_trips_on_an_oblique_plane():
    position, spacing = np.array([5.0, -3.0, 12.0]), (0.9, 1.1)
    cols, rows = np.array([0.0, 10.5, 200.0]), np.array([0.0, 7.25, 3.0])
    mm = pixel_to_patient(position, OBLIQUE, spacing, cols, rows)
    back_col, back_row = patient_to_pixel(position, OBLIQUE, spacing, mm)
    assert np.allclose(back_col, cols) and np.allclose(back_row, rows)


def test_one_column_step_moves_by_the_column_spacing_along_the_row_direction():
    a = pixel_to_patient((0, 0, 0), OBLIQUE, (0.9, 1.1), 0.0, 0.0)
    b = pixel_to_patient((0, 0, 0), OBLIQUE, (0.9, 1.1), 1.0, 0.0)
    assert np.allclose(b - a, 1.1 * np.array(OBLIQUE[:3]))


def test_patient_left_is_image_right_on_a_standard_axial():
    assert np.allclose(patient_left_direction((1, 0, 0, 0, 1, 0)), (1.0, 0.0))


def test_laterality_follows_a_flipped_row_direction():
    assert np.allclose(patient_left_direction((-1, 0, 0, 0, 1, 0)), (-1.0, 0.0))


def test_the_slice_normal_of_an_axial_points_superior():
    assert np.allclose(slice_normal((1, 0, 0, 0, 1, 0)), (0, 0, 1))


def test_the_nearest_slice_is_found_by_position_not_by_index():
    series = _axial_series([30.0, -10.0, 10.0])
    assert nearest_slice(series, (0.0, 0.0, 12.0)) == (2, 2.0)


def test_axial_slices_are_assigned_to_levels_by_geometry_whatever_the_stack_order():
    discs = np.array([[0.0, 0.0, z] for z in (80.0, 40.0, 0.0, -40.0, -80.0)])
    shuffled = _axial_series([-80.0, 40.0, 0.0, 80.0, -40.0])
    assert assign_axial_levels(shuffled, discs) == [3, 1, 2, 4, 0]


def test_a_level_without_a_nearby_axial_slice_is_not_assigned():
    discs = np.array([[0.0, 0.0, z] for z in (80.0, 40.0, 0.0, -40.0, -80.0)])
    assert assign_axial_levels(_axial_series([40.0, 0.0]), discs) == [None, 0, 1, None, None]


def _axial_frame(series: SeriesInput, blocks: list[int]) -> Frame:
    centre = np.asarray(series.positions[blocks[1]], dtype=float)
    grid = PlaneGrid(centre, LEFT, POSTERIOR, AX_SIZE, AX_SPACING)
    return _frame("AX_T2", series, grid, blocks, SUPERIOR)


def test_the_axial_localiser_moves_a_level_to_the_neighbouring_slice_by_geometry():
    # Stack order shuffled: slices at z = 4, -4, 0 (indices 0, 1, 2); candidate slice z = 0.
    series = _axial_series([4.0, -4.0, 0.0])
    frame = _axial_frame(series, [1, 2, 0])
    points = np.array([[0.0, 0.0, 3.1], [5.0, 1.0, 4.6], [-5.0, 1.0, 2.9]])
    index, projected = axial_plane(series, frame, points)
    assert index == 0
    assert np.allclose(projected[:, 2], 4.0) and np.allclose(projected[:, :2], points[:, :2])


def test_the_axial_localiser_never_moves_a_level_onto_another_disc_s_slices():
    # The candidate's superior neighbour belongs to the next disc, 30 mm away.
    series = _axial_series([-4.0, 0.0, 30.0])
    frame = _axial_frame(series, [0, 1, 2])
    index, projected = axial_plane(series, frame, np.array([[0.0, 0.0, 25.0]] * 3))
    assert index == 1 and np.allclose(projected[:, 2], 0.0)

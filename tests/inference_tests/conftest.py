"""Shared fixtures: phantom studies rendered in memory once per test session."""

from __future__ import annotations

import pytest

from inference.data import StudyRequest, render
from inference.dicom_input import study_input_from_phantom


@pytest.fixture(scope="session")
def rendered_study():
    """One internal phantom study (seed 4242, never used for training)."""
    return render(StudyRequest(4242, 0))


@pytest.fixture(scope="session")
def study(rendered_study):
    return study_input_from_phantom(rendered_study)


@pytest.fixture(scope="session")
def reader():
    from inference import load_reader

    return load_reader()

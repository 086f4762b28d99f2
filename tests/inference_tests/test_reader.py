"""The shipped reader: golden outputs, repeatability, not-assessable sites, hash checks."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from inference import ReaderOutput, StudyInput, WeightsMismatchError, load_reader
from inference.registry import CARD_FILE, DEFAULT_DIR, WEIGHTS_FILE, read_card, sha256_of

from .golden_cases import GOLDEN_PATH, golden_record


def test_the_shipped_weights_match_their_model_card():
    card = read_card(DEFAULT_DIR)
    assert sha256_of(DEFAULT_DIR / WEIGHTS_FILE) == card["sha256"]
    assert card["intended_use"] == "demonstration reader, not for clinical use"
    assert (DEFAULT_DIR / WEIGHTS_FILE).stat().st_size < 5_000_000


def test_the_shipped_weights_reproduce_the_golden_predictions(reader):
    # REGRESSION GOLDEN: values recorded from the shipped weights by
    # `python -m tests.inference_tests.golden_cases`; any change to the weights, the
    # pre-processing or the phantom shows up here. Regenerate only on purpose.
    golden = json.loads(GOLDEN_PATH.read_text())
    assert reader.info.weights_sha256 == golden["weights_sha256"]
    now = golden_record(reader)["studies"]
    assert now.keys() == golden["studies"].keys()
    for study_id, sites in golden["studies"].items():
        for site, (grade, probabilities) in sites.items():
            got_grade, got_probabilities = now[study_id][site]
            assert got_grade == grade, (study_id, site)
            assert np.allclose(got_probabilities, probabilities, atol=1e-5, rtol=0), (
                study_id,
                site,
            )


def test_a_study_read_twice_gives_identical_predictions(reader, study):
    first, second = reader.predict(study), reader.predict(study)
    assert [p.probabilities for p in first.predictions] == [
        p.probabilities for p in second.predictions
    ]


def test_a_read_has_25_sites_with_provenance_and_round_trips_through_json(reader, study):
    output = reader.predict(study)
    assert len(output.predictions) == 25
    assert output.weights_sha256 == read_card(DEFAULT_DIR)["sha256"]
    assert output.predictions[0].site == "L1-L2/canal"
    assert output.predictions[1].site == "L1-L2/recess/left"
    assert ReaderOutput.from_json(output.to_json()) == output


def test_a_location_points_at_the_slice_and_pixel_of_its_patient_point(reader, study):
    from inference.geometry import pixel_to_patient

    for p in reader.predict(study).predictions:
        series = study.series[p.location.series_role]
        mm = pixel_to_patient(
            series.positions[p.location.slice_index],
            series.orientation,
            series.spacing,
            *p.location.image,
        )
        assert np.allclose(mm, p.location.patient_mm, atol=2.0)  # within half a slice
        assert series.sop_instance_uids[p.location.slice_index] == p.location.sop_instance_uid


def test_a_left_recess_is_found_on_the_patients_left(reader, study):
    by_site = reader.predict(study).by_site()
    assert by_site["L4-L5/recess/left"].location.patient_mm[0] > 0
    assert by_site["L4-L5/recess/right"].location.patient_mm[0] < 0


def test_a_missing_series_makes_its_sites_not_assessable_with_a_reason(reader, study):
    without_t1 = StudyInput({r: s for r, s in study.series.items() if r != "SAG_T1"})
    by_site = reader.predict(without_t1).by_site()
    foramen = by_site["L4-L5/foramen/left"]
    assert foramen.grade is None and not foramen.assessable
    assert "sagittal T1" in foramen.reason
    assert by_site["L4-L5/canal"].grade is not None


def test_a_level_missing_from_the_axial_series_is_not_assessable(reader, study):
    from inference.types import SeriesInput

    axial = study.series["AX_T2"]
    keep = np.arange(3, axial.pixels.shape[0])  # drop the lowest disc's three slices
    cut = SeriesInput(
        axial.pixels[keep],
        axial.positions[keep],
        axial.orientation,
        axial.spacing,
        axial.series_instance_uid,
        [axial.sop_instance_uids[i] for i in keep],
    )
    by_site = reader.predict(StudyInput({**study.series, "AX_T2": cut})).by_site()
    assert by_site["L5-S1/canal"].grade is None
    assert "L5-S1" in by_site["L5-S1/canal"].reason
    assert by_site["L4-L5/canal"].grade is not None


def test_weights_whose_hash_differs_from_the_card_are_refused(tmp_path):
    shutil.copy(DEFAULT_DIR / WEIGHTS_FILE, tmp_path / WEIGHTS_FILE)
    card = read_card(DEFAULT_DIR) | {"sha256": "0" * 64}
    (tmp_path / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(WeightsMismatchError, match="does not match"):
        load_reader(tmp_path)

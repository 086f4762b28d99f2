"""The truth side-car: schema, grades, severities and keypoints."""

from __future__ import annotations

import numpy as np
import pytest

from fixtures.phantom import LEVELS, Tissue, label_at, nominal_anatomy, sample_anatomy
from fixtures.phantom.anatomy import SITE_KEYS, sample_grades

from .conftest import INDEX, SEED

TOP_KEYS = [
    "phantom_version", "seed", "index", "difficulty", "external",
    "study_instance_uid", "patient_id", "planted_phi", "sites",
]  # fmt: skip
SITE_FIELDS = ["level", "region", "side", "grade", "severity", "keypoint_lps"]
#: The label(s) a keypoint must hit: the sac (CSF or one of its roots), the
#: traversing root in the recess, the exiting root in the foramen.
STRUCTURE = {
    "canal": {Tissue.CSF, Tissue.CAUDA_ROOT},
    "recess": {Tissue.TRAVERSING_ROOT},
    "foramen": {Tissue.EXITING_ROOT},
}


def test_truth_has_exactly_the_documented_schema_and_25_sites(study):
    truth = study.truth
    assert list(truth) == TOP_KEYS
    assert truth["phantom_version"] == "1.0.0"
    assert (truth["seed"], truth["index"], truth["difficulty"]) == (SEED, INDEX, 0.5)
    assert truth["external"] is False
    assert len(truth["sites"]) == 25
    keys = [(s["level"], s["region"], s["side"]) for s in truth["sites"]]
    assert keys == list(SITE_KEYS) and len(set(keys)) == 25
    for site in truth["sites"]:
        assert list(site) == SITE_FIELDS
        assert site["level"] in LEVELS
        expected_sides = ("",) if site["region"] == "canal" else ("left", "right")
        assert site["side"] in expected_sides
        assert site["grade"] in (0, 1, 2, 3) and isinstance(site["grade"], int)
        assert len(site["keypoint_lps"]) == 3


def test_severity_stays_within_the_difficulty_of_the_integer_grade(study):
    for site in study.truth["sites"]:
        assert 0.0 <= site["severity"] <= 3.0
        assert abs(site["severity"] - site["grade"]) <= 0.5 + 1e-9


def test_zero_difficulty_makes_the_severity_equal_the_grade():
    anatomy = sample_anatomy(SEED, INDEX, difficulty=0.0)
    assert all(s.severity == s.grade for s in anatomy.sites)
    # Difficulty moves severities (and the disc heights that follow them) only:
    # same grades, same patient otherwise.
    other = sample_anatomy(SEED, INDEX, difficulty=1.0)
    assert [s.grade for s in other.sites] == [s.grade for s in anatomy.sites]
    assert (other.canal_ap, other.lordosis) == (anatomy.canal_ap, anatomy.lordosis)
    heights = np.subtract(anatomy.body_top, anatomy.body_bottom)
    np.testing.assert_allclose(np.subtract(other.body_top, other.body_bottom), heights)


def test_truth_keypoints_are_the_anatomy_keypoints(study):
    anatomy = sample_anatomy(SEED, INDEX, difficulty=0.5)
    for site in study.truth["sites"]:
        expected = anatomy.keypoint(site["level"], site["region"], site["side"])
        np.testing.assert_allclose(site["keypoint_lps"], expected, atol=1e-3)


@pytest.mark.parametrize("seed, difficulty", [(SEED, 0.5), (11, 0.0), (12, 1.0)])
def test_every_keypoint_lies_inside_its_labelled_structure(seed, difficulty):
    anatomy = sample_anatomy(seed, INDEX, difficulty=difficulty)
    keys = list(SITE_KEYS)
    labels = label_at(anatomy, np.array([anatomy.keypoint(*key) for key in keys]))
    for key, label in zip(keys, labels, strict=True):
        assert Tissue(label) in STRUCTURE[key[1]], (key, Tissue(label))


@pytest.mark.parametrize("severity", [0.0, 1.0, 2.0, 3.0])
def test_keypoints_stay_inside_their_structure_at_every_grade(severity):
    anatomy = nominal_anatomy(severity=severity)
    keys = list(SITE_KEYS)
    labels = label_at(anatomy, np.array([anatomy.keypoint(*key) for key in keys]))
    for key, label in zip(keys, labels, strict=True):
        assert Tissue(label) in STRUCTURE[key[1]], (key, Tissue(label))


def test_left_and_right_are_the_patients_left_and_right():
    # LPS: +x is the patient's left.
    anatomy = nominal_anatomy()
    for level in LEVELS:
        for region in ("recess", "foramen"):
            assert anatomy.keypoint(level, region, "left")[0] > 0
            assert anatomy.keypoint(level, region, "right")[0] < 0


def _mean_grades(external: bool, n: int = 300) -> dict[str, float]:
    per_level = {level: [] for level in LEVELS}
    for index in range(n):
        for (level, _, _), grade in sample_grades(1, index, external=external).items():
            per_level[level].append(grade)
    return {level: float(np.mean(g)) for level, g in per_level.items()}


def test_l4_l5_and_l3_l4_carry_the_most_disease():
    means = _mean_grades(external=False)
    upper = max(means["L1-L2"], means["L2-L3"])
    assert means["L4-L5"] > means["L3-L4"] > upper
    assert means["L4-L5"] > means["L5-S1"]


def test_the_external_case_mix_is_sicker():
    internal, external = _mean_grades(external=False), _mean_grades(external=True)
    assert all(external[level] > internal[level] for level in LEVELS)

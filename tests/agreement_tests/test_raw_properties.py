"""Properties of Gwet's raw framework that hold for every data set (hypothesis).

Oracles: statsmodels ``cohens_kappa`` for Cohen's κ, and Scott's π written out in the test
from the two raters' table (Scott 1955: p_e = Σ_k π_k², π_k the mean of the two margins).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa

from grading.agreement.data import Ratings
from grading.agreement.raw import COEFFICIENTS, raw_coefficient, subject_terms

CATEGORIES = (0, 1, 2, 3)
MULTI = ("gwet", "fleiss", "conger", "brennan_prediger", "percent", "krippendorff")
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@st.composite
def grade_matrices(draw, min_raters=2, max_raters=5, complete=False):
    """Subjects × raters grades 0..3 (-1 missing) with ≥ 2 rated subjects, one rated twice."""
    n = draw(st.integers(3, 30))
    r = draw(st.integers(min_raters, max_raters))
    # Ratings near a shared grade, so agreement is neither nil nor perfect most of the time.
    base = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    noise = draw(st.lists(st.integers(-1, 1), min_size=n * r, max_size=n * r))
    grades = np.clip(np.array(base)[:, None] + np.array(noise).reshape(n, r), 0, 3)
    if not complete:
        holes = draw(st.lists(st.booleans(), min_size=n * r, max_size=n * r))
        grades = np.where(np.array(holes).reshape(n, r), -1, grades)
    grades = grades.astype(np.int64)
    rated = (grades >= 0).sum(axis=1)
    assume((rated >= 1).sum() >= 2 and (rated >= 2).any())
    return grades


def ratings_of(grades: np.ndarray, clusters=None) -> Ratings:
    return Ratings(
        kind="matrix",
        categories=CATEGORIES,
        matrix=grades,
        subjects=tuple(range(len(grades))),
        raters=tuple(range(grades.shape[1])),
        clusters=None if clusters is None else np.asarray(clusters),
    )


def summary(grades, coefficient, weights="linear"):
    result = raw_coefficient(ratings_of(grades), coefficient=coefficient, weights=weights)
    return np.array([result.estimate, result.standard_error, result.pa, result.pe])


@SETTINGS
@given(grades=grade_matrices(), order=st.randoms(use_true_random=False))
def test_every_coefficient_is_symmetric_in_the_raters(grades, order):
    columns = list(range(grades.shape[1]))
    order.shuffle(columns)
    for coefficient in MULTI:
        np.testing.assert_allclose(
            summary(grades[:, columns], coefficient),
            summary(grades, coefficient),
            rtol=1e-10,
            atol=1e-13,
            equal_nan=True,
        )


@SETTINGS
@given(grades=grade_matrices(), order=st.randoms(use_true_random=False))
def test_every_coefficient_is_invariant_when_subjects_are_relabelled(grades, order):
    rows = list(range(len(grades)))
    order.shuffle(rows)
    for coefficient in MULTI:
        np.testing.assert_allclose(
            summary(grades[rows], coefficient),
            summary(grades, coefficient),
            rtol=1e-10,
            atol=1e-13,
            equal_nan=True,
        )


@SETTINGS
@given(grades=grade_matrices(min_raters=2, max_raters=2, complete=True))
def test_conger_with_two_raters_on_complete_data_is_cohens_kappa_of_statsmodels(grades):
    table = np.zeros((4, 4))
    np.add.at(table, (grades[:, 0], grades[:, 1]), 1)
    margins = table.sum(axis=1) @ table.sum(axis=0) / table.sum() ** 2
    assume(abs(1 - margins) > 1e-9)  # statsmodels divides by 1 − p_e
    oracle = cohens_kappa(table, return_results=False)
    for coefficient in ("conger", "cohen"):
        ours = raw_coefficient(ratings_of(grades), coefficient=coefficient, weights="identity")
        assert ours.estimate == pytest.approx(oracle, rel=1e-9, abs=1e-12)


@SETTINGS
@given(grades=grade_matrices(min_raters=2, max_raters=2, complete=True))
def test_fleiss_with_two_raters_on_complete_data_is_scotts_pi(grades):
    n = len(grades)
    table = np.zeros((4, 4))
    np.add.at(table, (grades[:, 0], grades[:, 1]), 1.0 / n)
    pi = (table.sum(axis=0) + table.sum(axis=1)) / 2
    pe = np.sum(pi**2)
    assume(1 - pe > 1e-9)
    scott = (np.trace(table) - pe) / (1 - pe)
    for coefficient in ("fleiss", "scott"):
        ours = raw_coefficient(ratings_of(grades), coefficient=coefficient).estimate
        assert ours == pytest.approx(scott, rel=1e-9, abs=1e-12)


@SETTINGS
@given(grades=grade_matrices(), weights=st.sampled_from(["identity", "linear", "quadratic"]))
def test_clustered_variance_with_singleton_clusters_is_the_linearised_variance(grades, weights):
    singletons = ratings_of(grades, clusters=np.arange(len(grades))[::-1])
    for coefficient in MULTI:
        kwargs = {"coefficient": coefficient, "weights": weights}
        linear = raw_coefficient(singletons, **kwargs)
        clustered = raw_coefficient(singletons, variance="cluster", **kwargs)
        assert clustered.standard_error == pytest.approx(
            linear.standard_error, rel=1e-12, abs=1e-15, nan_ok=True
        )
        assert clustered.n_clusters == linear.n_subjects


@SETTINGS
@given(grades=grade_matrices(), weights=st.sampled_from(["identity", "linear", "ordinal"]))
def test_the_subject_terms_average_to_the_estimate(grades, weights):
    for coefficient in COEFFICIENTS:
        if coefficient in ("cohen", "scott") and grades.shape[1] != 2:
            continue
        terms = subject_terms(ratings_of(grades), coefficient=coefficient, weights=weights)
        assume(np.isfinite(terms.estimate))
        assert terms.kappa_star.mean() == pytest.approx(terms.centre, rel=1e-9, abs=1e-12)
        if coefficient != "krippendorff":
            assert terms.centre == terms.estimate
        assert terms.kappa_star.shape == (terms.n,)

"""Gwet's raw framework against independent implementations (handbook statistics §14).

statsmodels 0.15 (``fleiss_kappa``, ``cohens_kappa``) and krippendorff 0.9 are oracles only:
the library never calls them.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa
from statsmodels.stats.tests.test_inter_rater import diagnoses

from grading.agreement.data import Ratings
from grading.agreement.raw import raw_coefficient
from grading.agreement.weights import weight_matrix

CATEGORIES = (0, 1, 2, 3)


def correlated_ratings(seed: int, n: int, raters: int, missing: float = 0.0) -> np.ndarray:
    """Ordinal grades 0..3 around a shared latent severity; -1 where a rating is missing."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(1.5, 1.0, size=(n, 1)) + rng.normal(0, 0.6, size=(n, raters))
    grades = np.clip(np.round(latent), 0, 3).astype(np.int64)
    grades[rng.random(grades.shape) < missing] = -1
    return grades


def matrix_ratings(grades: np.ndarray) -> Ratings:
    return Ratings(
        kind="matrix",
        categories=CATEGORIES,
        matrix=grades,
        subjects=tuple(range(len(grades))),
        raters=tuple(f"r{g}" for g in range(grades.shape[1])),
    )


def counts_of(grades: np.ndarray) -> np.ndarray:
    return np.stack([(grades == k).sum(axis=1) for k in range(len(CATEGORIES))], axis=1)


def test_fleiss_kappa_on_fleiss_1971_diagnoses_equals_statsmodels():
    # Data: statsmodels/stats/tests/test_inter_rater.py `diagnoses` (Fleiss 1971).
    table, _ = aggregate_raters(diagnoses, n_cat=6)
    ratings = Ratings.from_matrix(diagnoses, categories=[1, 2, 3, 4, 5])
    ours = raw_coefficient(ratings, coefficient="fleiss").estimate
    assert ours == pytest.approx(fleiss_kappa(table[:, 1:], method="fleiss"), rel=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fleiss_and_brennan_prediger_equal_statsmodels_fleiss_and_randolph(seed):
    grades = correlated_ratings(seed, n=80, raters=5)
    counts = counts_of(grades)
    for ratings in (matrix_ratings(grades), Ratings.from_counts(counts, categories=CATEGORIES)):
        fleiss = raw_coefficient(ratings, coefficient="fleiss").estimate
        bp = raw_coefficient(ratings, coefficient="brennan_prediger").estimate
        assert fleiss == pytest.approx(fleiss_kappa(counts, method="fleiss"), rel=1e-12)
        assert bp == pytest.approx(fleiss_kappa(counts, method="randolph"), rel=1e-12)


@pytest.mark.parametrize("weights", ["identity", "linear", "quadratic"])
@pytest.mark.parametrize("seed", [4, 5])
def test_cohen_equals_statsmodels_kappa_and_its_se_differs_only_by_the_divisor(seed, weights):
    # Handbook §12.5: raw (n − 1) and table (n, Fleiss-Cohen-Everitt) SEs differ by √(n/(n−1)).
    grades = correlated_ratings(seed, n=60, raters=2)
    table = np.zeros((4, 4))
    np.add.at(table, (grades[:, 0], grades[:, 1]), 1)
    disagreement = 1 - weight_matrix(weights, CATEGORIES)
    oracle = cohens_kappa(table) if weights == "identity" else cohens_kappa(table, disagreement)
    ours = raw_coefficient(matrix_ratings(grades), coefficient="cohen", weights=weights)
    assert ours.estimate == pytest.approx(oracle.kappa, rel=1e-12)
    assert ours.standard_error * np.sqrt(59 / 60) == pytest.approx(oracle.std_kappa, rel=1e-10)
    assert ours.standard_error_null == pytest.approx(oracle.std_kappa0, rel=1e-10)


def test_cohen_null_se_gives_the_sas_table10_z_reproduced_by_statsmodels():
    # statsmodels test_inter_rater.py: SAS output for table10, ASE under H0 0.1484, Z 3.2626
    # (printed to 4 decimals).
    table10 = np.array([[0, 4, 1], [0, 8, 0], [0, 1, 5]])
    rows, columns = np.nonzero(table10)
    pairs = np.repeat(np.stack([rows, columns], axis=1), table10[rows, columns], axis=0)
    ratings = Ratings.from_matrix(pairs, categories=[0, 1, 2])
    result = raw_coefficient(ratings, coefficient="cohen", test_se="null", distribution="normal")
    assert result.standard_error_null == pytest.approx(0.1484, abs=5e-5)
    assert result.statistic == pytest.approx(3.2626, abs=5e-5)


@pytest.mark.parametrize(
    ("weights", "level"), [("identity", "nominal"), ("quadratic", "interval"), ("ratio", "ratio")]
)
@pytest.mark.parametrize("seed", [6, 7])
def test_raw_form_alpha_equals_the_krippendorff_package_with_missing_ratings(seed, weights, level):
    # Handbook §5: nominal α = raw form with identity weights, interval = quadratic,
    # ratio = ratio weights (categories 1..4: ratio weights are undefined with a 0).
    grades = correlated_ratings(seed, n=70, raters=4, missing=0.25)
    ratings = Ratings(
        kind="matrix",
        categories=(1, 2, 3, 4),
        matrix=grades,
        subjects=tuple(range(70)),
        raters=tuple(range(4)),
    )
    data = np.where(grades >= 0, grades + 1.0, np.nan).T  # raters × units, as the package wants
    oracle = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    ours = raw_coefficient(ratings, coefficient="krippendorff", weights=weights).estimate
    assert ours == pytest.approx(oracle, rel=1e-10)

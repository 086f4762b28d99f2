"""Difference of two dependent coefficients (Gwet 2016, paired linearisation; handbook §8)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from grading.agreement import _bootstrap
from grading.agreement.data import Ratings
from grading.agreement.paired import compare_coefficients
from grading.agreement.raw import raw_coefficient, subject_terms

CATEGORIES = (0, 1, 2, 3)
MULTI = ("gwet", "fleiss", "conger", "brennan_prediger", "percent", "krippendorff")
READERS = ("reference", "model", "reader")


def reader_study(seed, patients, sites, missing=0.0, noise=(0.3, 0.45, 0.7)) -> Ratings:
    """A reference, a model and a reader grading patients × sites units 0..3."""
    rng = np.random.default_rng(seed)
    severity = 1.5 + rng.normal(0, 0.7, size=(patients, 1)) + rng.normal(0, 0.8, (patients, sites))
    latent = severity.reshape(-1, 1) + rng.normal(0, 1, (patients * sites, 3)) * np.array(noise)
    grades = np.clip(np.round(latent), 0, 3).astype(np.int64)
    grades[:, 1:][rng.random((patients * sites, 2)) < missing] = -1
    return Ratings(
        kind="matrix",
        categories=CATEGORIES,
        matrix=grades,
        subjects=tuple(range(len(grades))),
        raters=READERS,
        clusters=np.repeat(np.arange(patients), sites),
    )


def pair(ratings: Ratings, raters) -> Ratings:
    columns = [ratings.raters.index(r) for r in raters]
    return Ratings(**{**ratings.__dict__, "matrix": ratings.matrix[:, columns], "raters": raters})


MODEL, READER = ("model", "reference"), ("reader", "reference")


@pytest.mark.parametrize("coefficient", MULTI)
def test_the_difference_is_that_of_the_two_separate_coefficients(coefficient):
    ratings = reader_study(1, patients=40, sites=5, missing=0.1)
    result = compare_coefficients(
        ratings, coefficient=coefficient, pair_a=MODEL, pair_b=READER, weights="linear"
    )
    a = raw_coefficient(pair(ratings, MODEL), coefficient=coefficient, weights="linear")
    b = raw_coefficient(pair(ratings, READER), coefficient=coefficient, weights="linear")
    assert result.estimate_a == a.estimate and result.estimate_b == b.estimate
    assert result.difference == pytest.approx(a.estimate - b.estimate)
    assert result.n_subjects == 200 and result.df == 199


def test_the_paired_variance_is_var_a_plus_var_b_minus_twice_the_covariance():
    # Gwet (2016) eq. for complete data: Var(D) = Var_a + Var_b − 2 Cov_ab of the κ* terms.
    ratings = reader_study(2, patients=60, sites=4)
    a = subject_terms(pair(ratings, MODEL), coefficient="gwet", weights="quadratic")
    b = subject_terms(pair(ratings, READER), coefficient="gwet", weights="quadratic")
    n = a.n
    cov = np.cov(a.kappa_star, b.kappa_star, ddof=1) / n
    expected = np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    result = compare_coefficients(
        ratings, coefficient="gwet", pair_a=MODEL, pair_b=READER, weights="quadratic"
    )
    assert result.standard_error == pytest.approx(expected, rel=1e-10)
    single = raw_coefficient(pair(ratings, MODEL), coefficient="gwet", weights="quadratic")
    assert np.sqrt(cov[0, 0]) == pytest.approx(single.standard_error, rel=1e-10)


@pytest.mark.parametrize("coefficient", MULTI)
def test_the_paired_se_agrees_with_the_delete_one_jackknife_on_complete_data(coefficient):
    ratings = reader_study(3, patients=300, sites=1)
    kwargs = {"coefficient": coefficient, "pair_a": MODEL, "pair_b": READER, "weights": "linear"}
    paired = compare_coefficients(ratings, **kwargs).standard_error
    jackknife = compare_coefficients(ratings, variance="jackknife", **kwargs).standard_error
    assert jackknife == pytest.approx(paired, rel=0.05)


@pytest.mark.parametrize(("coefficient", "tolerance"), [("gwet", 0.01), ("fleiss", 0.02)])
def test_the_paired_se_agrees_with_the_jackknife_on_fleiss_1971_diagnoses(coefficient, tolerance):
    # Handbook §14: "the paired linearised SE agrees with the delete-one jackknife within about
    # 1 % on Fleiss' (1971) data" (statsmodels test_inter_rater.py `diagnoses`).
    from statsmodels.stats.tests.test_inter_rater import diagnoses

    names = tuple(f"rater{g}" for g in range(1, 7))
    ratings = Ratings.from_matrix(diagnoses, categories=[1, 2, 3, 4, 5], raters=names)
    kwargs = {"coefficient": coefficient, "pair_a": names[:2], "pair_b": names[2:4]}
    paired = compare_coefficients(ratings, **kwargs).standard_error
    jackknife = compare_coefficients(ratings, variance="jackknife", **kwargs).standard_error
    assert jackknife == pytest.approx(paired, rel=tolerance)


def test_clustered_and_resampled_differences_agree_on_a_clustered_study():
    ratings = reader_study(4, patients=150, sites=10)
    kwargs = {"coefficient": "gwet", "pair_a": MODEL, "pair_b": READER, "weights": "linear"}
    se = {
        v: compare_coefficients(ratings, variance=v, seed=5, **kwargs).standard_error
        for v in ("cluster", "jackknife", "bootstrap")
    }
    assert se["jackknife"] == pytest.approx(se["cluster"], rel=0.03)
    assert se["bootstrap"] == pytest.approx(se["cluster"], rel=0.1)
    clustered = compare_coefficients(ratings, variance="cluster", **kwargs)
    assert clustered.df == 149 and clustered.n_clusters == 150


@pytest.mark.parametrize("coefficient", ("gwet", "conger", "krippendorff"))
def test_each_bootstrap_difference_equals_a_recomputation_on_its_resampled_data(coefficient):
    ratings = reader_study(6, patients=10, sites=3, missing=0.2)
    result = compare_coefficients(
        ratings, coefficient=coefficient, pair_a=MODEL, pair_b=READER,
        variance="bootstrap", bootstrap=30, seed=9,
    )  # fmt: skip
    counts = np.vstack(list(_bootstrap.resample_counts(10, 30, 9)))
    for b in (0, 13, 29):
        rows = np.concatenate([np.repeat(np.arange(3 * c, 3 * c + 3)[None], k, 0).ravel()
                               for c, k in enumerate(counts[b]) if k])  # fmt: skip
        sample = Ratings(**{**ratings.__dict__, "matrix": ratings.matrix[rows], "clusters": None})
        again = [
            raw_coefficient(pair(sample, p), coefficient=coefficient).estimate
            for p in (MODEL, READER)
        ]
        assert result.replicates[b] == pytest.approx(again[0] - again[1], rel=1e-10, abs=1e-12)
    again_result = compare_coefficients(
        ratings, coefficient=coefficient, pair_a=MODEL, pair_b=READER,
        variance="bootstrap", bootstrap=30, seed=9,
    )  # fmt: skip
    np.testing.assert_array_equal(result.replicates, again_result.replicates)
    assert result.confidence_interval(0.95) == pytest.approx(
        tuple(np.quantile(result.replicates[np.isfinite(result.replicates)], [0.025, 0.975]))
    )


def test_comparing_a_pair_with_itself_gives_zero_with_a_noted_zero_se():
    ratings = reader_study(7, patients=20, sites=2)
    result = compare_coefficients(ratings, coefficient="fleiss", pair_a=MODEL, pair_b=MODEL)
    assert result.difference == 0 and result.standard_error == 0
    assert any("standard error 0" in note for note in result.notes)
    assert np.isnan(result.pvalue)


def test_a_subject_one_pair_did_not_rate_enters_and_each_estimate_is_unchanged():
    ratings = reader_study(8, patients=50, sites=2)
    grades = ratings.matrix.copy()
    grades[:10, 0] = -1  # the reference skipped 10 units: (model, reader) still rated them
    grades[:5, 1] = -1  # ... and the model 5 of those: no rating at all in pair (model, ref)
    gapped = Ratings(**{**ratings.__dict__, "matrix": grades})
    other = ("model", "reader")
    result = compare_coefficients(gapped, coefficient="gwet", pair_a=MODEL, pair_b=other)
    assert result.n_subjects == 100
    a = raw_coefficient(pair(gapped, MODEL), coefficient="gwet")
    assert a.n_subjects == 95 and result.estimate_a == a.estimate
    assert np.isfinite(result.standard_error) and result.standard_error > 0
    assert any("rated 95 of the 100" in note for note in result.notes)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), coefficient=st.sampled_from(MULTI))
def test_clustered_difference_with_singleton_clusters_is_the_paired_linearisation(
    seed, coefficient
):
    ratings = reader_study(seed, patients=25, sites=1, missing=0.2)
    kwargs = {"coefficient": coefficient, "pair_a": MODEL, "pair_b": READER}
    paired = compare_coefficients(ratings, **kwargs)
    assume(np.isfinite(paired.standard_error))
    clustered = compare_coefficients(ratings, variance="cluster", **kwargs)
    assert clustered.standard_error == pytest.approx(paired.standard_error, rel=1e-12, abs=1e-15)


def test_more_than_two_raters_per_pair_are_allowed():
    ratings = reader_study(9, patients=30, sites=2)
    result = compare_coefficients(
        ratings, coefficient="fleiss", pair_a=READERS, pair_b=("model", "reader")
    )
    three = raw_coefficient(ratings, coefficient="fleiss")
    assert result.estimate_a == three.estimate


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pair_a": ("model", "nobody")}, "pair_a: no rater 'nobody'"),
        ({"pair_b": ("model",)}, "pair_b needs at least 2 raters"),
        ({"pair_a": "model"}, "pair_a must be a tuple"),
        ({"pair_a": ("model", "model")}, "pair_a names a rater twice"),
        ({"variance": "table"}, "variance='table'"),
        ({"variance": "cluster", "clusters": None}, "needs ratings.clusters"),
        ({"coefficient": "cohen", "pair_a": READERS}, "exactly 2 raters"),
        ({"variance": "bootstrap", "population_size": 1000}, "population_size"),
    ],
)
def test_invalid_comparisons_raise_a_value_error_naming_the_parameter(kwargs, message):
    ratings = reader_study(10, patients=10, sites=2)
    if "clusters" in kwargs:
        ratings = Ratings(**{**ratings.__dict__, "clusters": kwargs.pop("clusters")})
    options = {"coefficient": "gwet", "pair_a": MODEL, "pair_b": READER, **kwargs}
    with pytest.raises(ValueError, match=message):
        compare_coefficients(ratings, **options)


def test_counts_input_cannot_be_compared_by_rater():
    counts = Ratings.from_counts([[2, 1, 0, 0], [0, 3, 0, 0]], categories=CATEGORIES)
    with pytest.raises(ValueError, match="rater identities"):
        compare_coefficients(counts, coefficient="gwet", pair_a=MODEL, pair_b=READER)

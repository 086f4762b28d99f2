"""Jackknife and cluster bootstrap of the raw coefficients.

The vectorised bootstrap rebuilds every replicate from per-cluster sums; these tests rebuild
chosen replicates the slow way, by resampling whole clusters of the data and recomputing the
coefficient from scratch, and require the same number.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from grading.agreement import _bootstrap
from grading.agreement.data import Ratings
from grading.agreement.raw import raw_coefficient

CATEGORIES = (0, 1, 2, 3)
MULTI = ("gwet", "fleiss", "conger", "brennan_prediger", "percent", "krippendorff")


def clustered_study(seed: int, patients: int, sites: int, raters: int, missing=0.1) -> Ratings:
    """Patients × sites reading units graded 0..3 by several raters, with missing ratings."""
    rng = np.random.default_rng(seed)
    severity = 1.5 + rng.normal(0, 0.7, size=(patients, 1)) + rng.normal(0, 0.8, (patients, sites))
    latent = severity.reshape(-1, 1) + rng.normal(0, 0.5, size=(patients * sites, raters))
    grades = np.clip(np.round(latent), 0, 3).astype(np.int64)
    grades[rng.random(grades.shape) < missing] = -1
    grades[:, 0] = np.clip(np.round(latent[:, 0]), 0, 3)  # the reference reads every unit
    return Ratings(
        kind="matrix",
        categories=CATEGORIES,
        matrix=grades,
        subjects=tuple(range(len(grades))),
        raters=tuple(f"r{g}" for g in range(raters)),
        clusters=np.repeat(np.arange(patients), sites),
    )


def resampled(ratings: Ratings, counts: np.ndarray) -> Ratings:
    """The data set of one bootstrap sample: cluster c repeated counts[c] times."""
    rows = np.concatenate(
        [np.repeat(np.flatnonzero(ratings.clusters == c)[None, :], k, axis=0).ravel()
         for c, k in enumerate(counts) if k]
    )  # fmt: skip
    return Ratings(
        kind="matrix",
        categories=ratings.categories,
        matrix=ratings.matrix[rows],
        subjects=tuple(range(rows.size)),
        raters=ratings.raters,
    )


@pytest.mark.parametrize("coefficient", MULTI)
def test_each_vectorised_replicate_equals_a_recomputation_on_its_resampled_data(coefficient):
    ratings = clustered_study(1, patients=12, sites=4, raters=4)
    result = raw_coefficient(
        ratings, coefficient=coefficient, weights="linear", variance="bootstrap",
        bootstrap=50, seed=7,
    )  # fmt: skip
    counts = np.vstack(list(_bootstrap.resample_counts(12, 50, 7)))
    assert counts.shape == (50, 12) and np.all(counts.sum(axis=1) == 12)
    for b in (0, 1, 17, 49):
        again = raw_coefficient(resampled(ratings, counts[b]), coefficient=coefficient,
                                weights="linear")  # fmt: skip
        assert result.replicates[b] == pytest.approx(again.estimate, rel=1e-10)


@pytest.mark.parametrize("coefficient", MULTI)
def test_each_jackknife_estimate_equals_a_recomputation_without_that_cluster(coefficient):
    ratings = clustered_study(2, patients=8, sites=5, raters=3)
    result = raw_coefficient(ratings, coefficient=coefficient, variance="jackknife")
    for c in (0, 3, 7):
        counts = np.ones(8, dtype=int)
        counts[c] = 0
        again = raw_coefficient(resampled(ratings, counts), coefficient=coefficient)
        assert result.jackknife_estimates[c] == pytest.approx(again.estimate, rel=1e-10)
    pseudo = result.jackknife_estimates
    expected = np.sqrt(7 / 8 * np.sum((pseudo - pseudo.mean()) ** 2))
    assert result.standard_error == pytest.approx(expected, rel=1e-12)
    assert result.df == 7 and result.n_clusters == 8


def test_a_seeded_bootstrap_gives_identical_replicates_and_records_its_seed():
    ratings = clustered_study(3, patients=20, sites=5, raters=3)
    runs = [
        raw_coefficient(ratings, coefficient="gwet", variance="bootstrap", bootstrap=300, seed=11)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].replicates, runs[1].replicates)
    assert runs[0].standard_error == pytest.approx(np.std(runs[0].replicates, ddof=1))
    assert any("seed 11" in note for note in runs[0].notes)
    other = raw_coefficient(ratings, coefficient="gwet", variance="bootstrap", bootstrap=300,
                            seed=12)  # fmt: skip
    assert not np.array_equal(other.replicates, runs[0].replicates)
    unseeded = raw_coefficient(ratings, coefficient="gwet", variance="bootstrap", bootstrap=20)
    assert any("seed" in note for note in unseeded.notes)


def test_resample_counts_are_one_stream_whatever_the_block_size(monkeypatch):
    whole = np.vstack(list(_bootstrap.resample_counts(30, 40, 5)))
    monkeypatch.setattr(_bootstrap, "_CHUNK_CELLS", 30 * 7)  # blocks of 7 replicates
    blocks = list(_bootstrap.resample_counts(30, 40, 5))
    assert len(blocks) == 6
    np.testing.assert_array_equal(np.vstack(blocks), whole)


def test_bootstrap_intervals_use_the_replicates_and_bca_uses_the_jackknife():
    ratings = clustered_study(4, patients=40, sites=5, raters=3)
    kwargs = {"coefficient": "conger", "variance": "bootstrap", "bootstrap": 999, "seed": 3}
    percentile = raw_coefficient(ratings, **kwargs)
    low, high = percentile.confidence_interval(0.9)
    finite = percentile.replicates
    assert (low, high) == pytest.approx(tuple(np.quantile(finite, [0.05, 0.95])))
    bca = raw_coefficient(ratings, ci_method="bca", **kwargs)
    assert bca.ci_method == "bca" and bca.jackknife_estimates.shape == (40,)
    low_b, high_b = bca.confidence_interval(0.95)
    assert low_b < bca.estimate < high_b
    t_interval = raw_coefficient(ratings, ci_method="t", **kwargs).confidence_interval(0.95)
    half = (t_interval.high - t_interval.low) / 2
    assert t_interval.low + half == pytest.approx(percentile.estimate)
    assert percentile.df == 39 and percentile.n_clusters == 40


def test_bootstrap_and_jackknife_without_clusters_resample_subjects():
    ratings = clustered_study(5, patients=30, sites=1, raters=3)
    plain = Ratings(**{**ratings.__dict__, "clusters": None})
    boot = raw_coefficient(plain, coefficient="gwet", variance="bootstrap", bootstrap=200, seed=1)
    jack = raw_coefficient(plain, coefficient="gwet", variance="jackknife")
    assert boot.n_clusters is None and boot.df == 29 and jack.df == 29
    assert jack.jackknife_estimates.shape == (30,)


def test_clustered_and_resampling_standard_errors_agree_on_a_large_clustered_study():
    # Cluster-robust linearisation, delete-one-patient jackknife and patient bootstrap
    # estimate the same SE; with complete ratings they agree within a few per cent.
    ratings = clustered_study(6, patients=150, sites=10, raters=3, missing=0.0)
    se = {
        v: raw_coefficient(ratings, coefficient="gwet", weights="linear", variance=v,
                           bootstrap=2000, seed=2).standard_error
        for v in ("cluster", "jackknife", "bootstrap")
    }  # fmt: skip
    assert se["jackknife"] == pytest.approx(se["cluster"], rel=0.03)
    assert se["bootstrap"] == pytest.approx(se["cluster"], rel=0.1)
    iid = raw_coefficient(ratings, coefficient="gwet", weights="linear").standard_error
    assert iid < se["cluster"]  # ignoring the patient makes the SE too small (handbook §9)


def test_two_thousand_replicates_on_150_patients_take_well_under_a_second():
    ratings = clustered_study(7, patients=150, sites=25, raters=7)
    start = time.perf_counter()
    raw_coefficient(ratings, coefficient="conger", weights="linear", variance="bootstrap",
                    bootstrap=2000, seed=1)  # fmt: skip
    # Typically ~0.05 s; a loop over replicates recomputing the coefficient takes minutes.
    assert time.perf_counter() - start < 2.0

"""Subjects compressed to rating patterns give the per-subject results (``_patterns``).

The raw framework, the paired comparison and Krippendorff's coincidence form compute on the
distinct rating rows with multiplicities; forcing every subject to be its own pattern
(``MAX_PATTERN_SHARE = 0``) runs the per-subject computation through the same code. The two
must agree to rounding, as must the dense and the sorted (sparse) ways of counting codes.
"""

from __future__ import annotations

import numpy as np
import pytest

from grading.agreement import _bootstrap, _patterns
from grading.agreement.data import Ratings
from grading.agreement.krippendorff import coincidence_matrix, krippendorff_alpha
from grading.agreement.paired import compare_coefficients
from grading.agreement.raw import COEFFICIENTS, raw_coefficient, resampling_units, subject_terms

CATEGORIES = (0, 1, 2, 3)
RTOL = 1e-12


def study(seed: int, patients=40, sites=5, raters=2, missing=0.15, labels=None) -> Ratings:
    """Clustered grades 0..3 with missing ratings, a few subjects rated once or not at all."""
    rng = np.random.default_rng(seed)
    latent = 1.5 + rng.normal(0, 0.8, (patients, 1)) + rng.normal(0, 0.7, (patients, sites))
    grades = latent.reshape(-1, 1) + rng.normal(0, 0.6, (patients * sites, raters))
    grades = np.clip(np.round(grades), 0, 3).astype(np.int64)
    grades[rng.random(grades.shape) < missing] = -1
    grades[:3] = -1  # three subjects nobody rated
    clusters = np.repeat(np.arange(patients), sites)
    return Ratings(
        kind="matrix",
        categories=CATEGORIES,
        matrix=grades,
        subjects=tuple(range(len(grades))),
        raters=tuple(f"r{g}" for g in range(raters)),
        clusters=clusters if labels is None else np.asarray(labels)[clusters],
    )


def fresh(ratings: Ratings) -> Ratings:
    """A new Ratings object on the same data (no cached patterns)."""
    return Ratings(**{k: v for k, v in ratings.__dict__.items() if not k.startswith("_")})


def summary(ratings: Ratings, coefficient: str, weights: str) -> dict[str, np.ndarray]:
    out = {}
    for variance in ("linearized", "cluster", "jackknife", "bootstrap"):
        r = raw_coefficient(
            fresh(ratings), coefficient=coefficient, weights=weights, variance=variance,
            bootstrap=60, seed=3,
        )  # fmt: skip
        out[variance] = np.array([r.estimate, r.standard_error, r.pa, r.pe, r.df])
        if r.jackknife_estimates is not None:
            out[variance + " jackknife"] = r.jackknife_estimates
        if r.replicates is not None:
            out[variance + " replicates"] = r.replicates
        if r.standard_error_null is not None:
            out[variance + " null"] = np.array([r.standard_error_null])
    terms = subject_terms(fresh(ratings), coefficient=coefficient, weights=weights)
    out["kappa_star"] = terms.kappa_star
    out["deviations"] = terms.deviations
    out["subjects"] = terms.subjects
    return out


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=RTOL, atol=1e-15, err_msg=key)


def per_subject(monkeypatch) -> None:
    monkeypatch.setattr(_patterns, "MAX_PATTERN_SHARE", 0.0)


def sorted_codes(monkeypatch) -> None:
    """Count codes by sorting (np.unique) and keep sparse cells, never a bincount table."""
    monkeypatch.setattr(_patterns, "_DENSE_CODES", 0)
    monkeypatch.setattr(_patterns, "_DENSE_PER_ROW", 0)


@pytest.mark.parametrize("weights", ["identity", "linear", "quadratic"])
@pytest.mark.parametrize("coefficient", COEFFICIENTS)
def test_patterns_give_the_per_subject_estimate_standard_errors_and_jackknife(
    coefficient, weights, monkeypatch
):
    ratings = study(11)
    assert _patterns.patterns_of(ratings).compressed
    compressed = summary(ratings, coefficient, weights)
    with monkeypatch.context() as patch:
        sorted_codes(patch)
        assert_same(summary(ratings, coefficient, weights), compressed)
    per_subject(monkeypatch)
    assert not _patterns.patterns_of(fresh(ratings)).compressed
    assert_same(summary(ratings, coefficient, weights), compressed)


@pytest.mark.parametrize("coefficient", ["gwet", "fleiss", "conger", "krippendorff", "percent"])
def test_patterns_of_several_raters_with_unsorted_cluster_labels(coefficient, monkeypatch):
    labels = np.array([f"p{k:03d}" for k in np.random.default_rng(2).permutation(30)])
    ratings = study(12, patients=30, sites=6, raters=4, missing=0.3, labels=labels)
    compressed = summary(ratings, coefficient, "linear")
    with monkeypatch.context() as patch:
        sorted_codes(patch)
        assert_same(summary(ratings, coefficient, "linear"), compressed)
    per_subject(monkeypatch)
    assert_same(summary(ratings, coefficient, "linear"), compressed)


@pytest.mark.parametrize("coefficient", ["gwet", "conger", "krippendorff"])
def test_paired_differences_on_patterns_equal_the_per_subject_ones(coefficient, monkeypatch):
    ratings = study(13, raters=3, missing=0.25)
    grades = ratings.matrix.copy()
    grades[5:12, 0] = -1  # pair (r0, r1) misses subjects that pair (r2, r1) rated
    ratings = Ratings(**{**ratings.__dict__, "matrix": grades})

    def differences() -> dict[str, np.ndarray]:
        out = {}
        for variance in ("linearized", "cluster", "jackknife", "bootstrap"):
            for clustered in (True, False):
                data = fresh(ratings) if clustered else Ratings(
                    **{**fresh(ratings).__dict__, "clusters": None}
                )  # fmt: skip
                if variance == "cluster" and not clustered:
                    continue
                d = compare_coefficients(
                    data, coefficient=coefficient, pair_a=("r0", "r1"), pair_b=("r2", "r1"),
                    weights="quadratic", variance=variance, bootstrap=40, seed=5,
                )  # fmt: skip
                key = f"{variance} {clustered}"
                out[key] = np.array([d.difference, d.standard_error, d.n_subjects, d.df])
                if d.jackknife_estimates is not None:
                    out[key + " jackknife"] = d.jackknife_estimates
                if d.replicates is not None:
                    out[key + " replicates"] = d.replicates
        return out

    compressed = differences()
    per_subject(monkeypatch)
    assert_same(differences(), compressed)


def test_counts_input_compresses_integer_counts_and_keeps_fractional_ones(monkeypatch):
    rng = np.random.default_rng(4)
    counts = rng.multinomial(5, [0.4, 0.3, 0.2, 0.1], size=200).astype(float)
    counts[:20] = rng.multinomial(2, [0.25] * 4, size=20)  # fewer raters on some subjects
    counts[20] = 0  # a subject nobody rated
    clusters = np.repeat(np.arange(50), 4)
    ratings = Ratings.from_counts(counts, categories=CATEGORIES, clusters=clusters)
    assert _patterns.patterns_of(ratings).compressed
    compressed = {c: summary(ratings, c, "linear") for c in ("gwet", "fleiss", "krippendorff")}
    null = raw_coefficient(
        Ratings.from_counts(counts[21:], categories=CATEGORIES), coefficient="fleiss"
    )
    assert (
        _patterns.patterns_of(
            Ratings.from_counts([[0.5, 1.5, 0, 0], [1, 1, 0, 0]], categories=CATEGORIES)
        ).compressed
        is False
    )
    per_subject(monkeypatch)
    for coefficient, values in compressed.items():
        assert_same(summary(ratings, coefficient, "linear"), values)
    again = raw_coefficient(
        Ratings.from_counts(counts[21:], categories=CATEGORIES), coefficient="fleiss"
    )
    assert again.n_raters == null.n_raters == 5
    np.testing.assert_allclose(
        [again.estimate, again.standard_error, again.standard_error_null],
        [null.estimate, null.standard_error, null.standard_error_null],
        rtol=RTOL,
    )


@pytest.mark.parametrize("metric", ["nominal", "ordinal", "interval"])
def test_the_unmerged_coincidence_matrix_equals_the_merged_blocks(metric, monkeypatch):
    ratings = study(14, raters=3, missing=0.3)
    plain = Ratings(**{**ratings.__dict__, "clusters": None})
    for data in (plain, ratings):
        alone = krippendorff_alpha(fresh(data), metric=metric)
        jack = krippendorff_alpha(fresh(data), metric=metric, variance="jackknife")
        assert alone.estimate == pytest.approx(jack.estimate, rel=RTOL)
        assert (alone.n_subjects, alone.df, alone.n_clusters) == (
            jack.n_subjects, jack.df, jack.n_clusters,
        )  # fmt: skip
    assert krippendorff_alpha(ratings, metric=metric).n_clusters == 40
    o = coincidence_matrix(ratings)
    per_subject(monkeypatch)
    np.testing.assert_allclose(coincidence_matrix(fresh(ratings)), o, rtol=RTOL)
    for data in (plain, ratings):
        a = krippendorff_alpha(fresh(data), metric=metric, variance="jackknife")
        with monkeypatch.context() as patch:
            patch.setattr(_patterns, "MAX_PATTERN_SHARE", 0.5)
            b = krippendorff_alpha(fresh(data), metric=metric, variance="jackknife")
        assert a.estimate == pytest.approx(b.estimate, rel=RTOL)
        np.testing.assert_allclose(a.jackknife_estimates, b.jackknife_estimates, rtol=RTOL)


def test_repeated_calls_on_one_ratings_reuse_its_patterns_and_agree():
    ratings = study(15)
    first = raw_coefficient(ratings, coefficient="gwet", weights="linear", variance="cluster")
    patterns = _patterns.patterns_of(ratings)
    second = raw_coefficient(ratings, coefficient="gwet", weights="linear", variance="cluster")
    assert _patterns.patterns_of(ratings) is patterns
    assert (first.estimate, first.standard_error) == (second.estimate, second.standard_error)
    first.weights[0, 1] = 0.5  # the result owns its weights: the cached matrix is untouched
    third = raw_coefficient(ratings, coefficient="gwet", weights="linear", variance="cluster")
    assert third.weights[0, 1] != 0.5 and third.estimate == first.estimate


def test_cluster_codes_follow_label_order_whatever_their_type():
    labels = np.array([7, 3, 3, 11, 7, 3])
    codes, k = _patterns.cluster_codes(labels)
    assert k == 3 and codes.tolist() == [1, 0, 0, 2, 1, 0]
    strings = np.array(["b", "a", "c", "a"])
    assert _patterns.cluster_codes(strings)[0].tolist() == [1, 0, 2, 0]
    ratings = Ratings.from_matrix([[0, 1]] * 6, categories=CATEGORIES, clusters=labels)
    codes, units, clustered = resampling_units(ratings, np.array([0, 3, 4]), required=True)
    assert codes.tolist() == [0, 1, 0] and units == 2 and clustered


def test_resample_counts_draw_uniform_units_seeded_and_in_blocks(monkeypatch):
    counts = np.vstack(list(_bootstrap.resample_counts(25, 400, 8)))
    assert counts.shape == (400, 25) and np.all(counts.sum(axis=1) == 25)
    # Row b counts C uniform draws of the units: the documented stream.
    drawn = np.random.default_rng(8).integers(0, 25, size=(400, 25))
    expected = np.stack([np.bincount(row, minlength=25) for row in drawn])
    np.testing.assert_array_equal(counts, expected)
    monkeypatch.setattr(_bootstrap, "_CHUNK_CELLS", 25 * 3)
    np.testing.assert_array_equal(np.vstack(list(_bootstrap.resample_counts(25, 400, 8))), counts)
    assert abs(counts.mean() - 1) < 0.02 and abs(counts.var() - (1 - 1 / 25)) < 0.06

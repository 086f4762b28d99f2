"""Recall of two readers: McNemar, Obuchowski, clustered proportions and GEE (handbook §10).

Oracles: statsmodels ``mcnemar`` (asymptotic, corrected, exact), scipy ``binomtest``,
statsmodels ``GEE``; published values: Agresti's presidential approval table and Obuchowski's
(1998) PET/SPECT data as printed by R clust.bin.pair.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

from grading.agreement import recall
from grading.agreement.recall import (
    clustered_proportion,
    gee_recall_test,
    mcnemar_test,
    obuchowski_test,
)


def findings_from_table(both, only_a, only_b, neither):
    a = np.array([1] * both + [1] * only_a + [0] * only_b + [0] * neither)
    b = np.array([1] * both + [0] * only_a + [1] * only_b + [0] * neither)
    return a, b


def findings_from_clusters(tables):
    """Per-cluster (both, A only, B only, neither) counts → cluster labels and detections."""
    clusters, a, b = [], [], []
    for i, counts in enumerate(tables):
        x, y = findings_from_table(*counts)
        clusters += [i] * x.size
        a += x.tolist()
        b += y.tolist()
    return np.array(clusters), np.array(a), np.array(b)


# Obuchowski (1998), PET vs SPECT on the glands of 21 patients without hyperparathyroidism,
# as shipped in R clust.bin.pair (data "thyroids"; docs/reference/thyroids.html prints the
# per-patient ak, bk, ck, dk): (both, PET only, SPECT only, neither) per patient.
THYROIDS = list(
    zip(
        [0, 2, 3, 1, 2, 4, 3, 2, 1, 1, 2, 2, 3, 2, 0, 2, 2, 2, 2, 1, 2],
        [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0],
        [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0],
        strict=True,
    )
)


def test_mcnemar_reproduces_agrestis_presidential_approval_chi_square():
    # Agresti, Categorical Data Analysis (2nd ed. 2002, §10.1): approval ratings of the same
    # 1600 people in two surveys, 794 / 150 / 86 / 570; z = 4.17, χ² = 17.36.
    a, b = findings_from_table(794, 150, 86, 570)
    result = mcnemar_test(a, b)
    assert result.statistic == pytest.approx(17.36, abs=0.005)
    assert np.sqrt(result.statistic) == pytest.approx(4.17, abs=0.005)
    assert (result.recall_a, result.recall_b) == pytest.approx((0.59, 0.55))
    # Agresti: difference 0.04, SE 0.0095, 95 % CI (0.02, 0.06).
    assert result.difference == pytest.approx(0.04)
    low, high = result.confidence_interval()
    assert (low, high) == pytest.approx((0.02, 0.06), abs=0.0015)
    assert mcnemar_test(150, 86).statistic == result.statistic


@pytest.mark.parametrize(
    "counts", [(794, 150, 86, 570), (20, 7, 2, 11), (5, 0, 9, 3), (1, 1, 3, 0)]
)
@pytest.mark.parametrize(
    "method, exact, correction",
    [("asymptotic", False, False), ("corrected", False, True), ("exact", True, False)],
)
def test_mcnemar_matches_statsmodels_mcnemar(counts, method, exact, correction):
    both, only_a, only_b, neither = counts
    oracle = mcnemar([[both, only_a], [only_b, neither]], exact=exact, correction=correction)
    result = mcnemar_test(*findings_from_table(*counts), method=method)
    assert result.statistic == pytest.approx(oracle.statistic, rel=1e-12)
    assert result.pvalue == pytest.approx(oracle.pvalue, rel=1e-12)


def test_exact_mcnemar_is_the_binomial_test_and_reports_the_smaller_discordant_count():
    result = mcnemar_test(3, 14, method="exact")
    assert result.statistic == 3
    assert result.pvalue == pytest.approx(stats.binomtest(3, 17, 0.5).pvalue)
    assert (result.discordant_a, result.discordant_b, result.n_discordant) == (3, 14, 17)


def test_corrected_mcnemar_is_zero_when_the_discordant_counts_are_equal():
    # statsmodels gives (0 − 1)²/(b + c) here; R's mcnemar.test and we give 0, p = 1.
    result = mcnemar_test(6, 6, method="corrected")
    assert (result.statistic, result.pvalue) == (0.0, 1.0)


@pytest.mark.parametrize("method", ["asymptotic", "corrected", "exact"])
def test_mcnemar_without_discordant_findings_gives_statistic_zero_p_one_and_a_note(method):
    result = mcnemar_test([1, 0, 1], [1, 0, 1], method=method)
    assert (result.statistic, result.pvalue) == (0.0, 1.0)
    assert result.notes


def test_mcnemar_from_counts_gives_recalls_only_with_the_concordant_counts():
    bare = mcnemar_test(150, 86)
    assert np.isnan(bare.recall_a) and bare.n_findings is None
    assert np.isnan(bare.confidence_interval().low)
    full = mcnemar_test(150, 86, concordant=(794, 570))
    assert full.n_findings == 1600 and full.recall_a == pytest.approx(0.59)


@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=60),
    method=st.sampled_from(["asymptotic", "corrected", "exact"]),
)
def test_mcnemar_is_symmetric_in_the_two_readers(pairs, method):
    a, b = np.array(pairs).T
    forward, backward = mcnemar_test(a, b, method=method), mcnemar_test(b, a, method=method)
    assert forward.statistic == pytest.approx(backward.statistic)
    assert forward.pvalue == pytest.approx(backward.pvalue)
    assert forward.difference == pytest.approx(-backward.difference)


@pytest.mark.parametrize(
    "a, b, kwargs, match",
    [
        ([1, 0, 2], [1, 0, 1], {}, "a must hold only 0 and 1"),
        ([1, 0, np.nan], [1, 0, 1], {}, "a must hold only 0 and 1"),
        ([1, 0], [1, 0, 1], {}, "same length"),
        (3, -1, {}, "b must be a non-negative whole number"),
        ([1, 0], [1, 0], {"method": "midp"}, "method must be one of"),
    ],
)
def test_mcnemar_rejects_bad_input_naming_the_parameter(a, b, kwargs, match):
    with pytest.raises(ValueError, match=match):
        mcnemar_test(a, b, **kwargs)


def _informative(counts) -> bool:
    """b ≠ c, and not every finding discordant in one direction (zero variance)."""
    both, only_a, only_b, neither = counts
    return only_a != only_b and (both + neither > 0 or min(only_a, only_b) > 0)


@settings(max_examples=60, deadline=None)
@given(counts=st.tuples(*[st.integers(0, 40)] * 4).filter(_informative))
def test_obuchowski_with_singleton_clusters_equals_the_mcnemar_identity(counts):
    both, only_a, only_b, neither = counts
    a, b = findings_from_table(*counts)
    k, d, s = a.size, only_a - only_b, only_a + only_b
    result = obuchowski_test(np.arange(k), a, b)
    assert result.statistic == pytest.approx((k - 1) / k * d**2 / (s - d**2 / k), rel=1e-9)
    null = obuchowski_test(np.arange(k), a, b, variance="null")
    mcnemar_chi2 = mcnemar_test(a, b).statistic
    assert null.statistic == pytest.approx((k - 1) / k * mcnemar_chi2, rel=1e-9)


def test_obuchowski_reproduces_the_pet_spect_example():
    clusters, pet, spect = findings_from_clusters(THYROIDS)
    result = obuchowski_test(clusters, pet, spect)
    assert (result.n_findings, result.n_clusters) == (51, 21)
    assert (result.recall_a, result.recall_b) == (40 / 51, 46 / 51)  # specificities
    assert (result.discordant_a, result.discordant_b) == (1, 7)
    # Σ d_i = −6, Σ (d_i − m_i D)² = 3.466..., so χ² = 20/21 · 36 / 9.896 = 3.4645.
    assert result.statistic == pytest.approx(3.4645354645, rel=1e-9)
    # R clust.bin.pair's obuchowski (null-centred, Yang et al. 2010), its documentation:
    # "chi-square = 2.8571, df = 1, p-value = 0.09097".
    null = obuchowski_test(clusters, pet, spect, variance="null")
    assert null.statistic == pytest.approx(2.8571, abs=5e-5)
    assert null.pvalue == pytest.approx(0.09097, abs=5e-6)


def test_obuchowski_variance_is_var_a_plus_var_b_minus_twice_the_covariance():
    rng = np.random.default_rng(7)
    clusters = rng.integers(0, 15, 80)
    a, b = rng.integers(0, 2, 80), rng.integers(0, 2, 80)
    frame = pd.DataFrame({"c": clusters, "a": a, "b": b, "m": 1}).groupby("c").sum()
    k, total = len(frame), frame["m"].sum()
    pa, pb = a.sum() / total, b.sum() / total
    ra, rb = frame["a"] - frame["m"] * pa, frame["b"] - frame["m"] * pb
    scale = k / ((k - 1) * total**2)
    var = scale * ((ra**2).sum() + (rb**2).sum() - 2 * (ra * rb).sum())
    result = obuchowski_test(clusters, a, b)
    assert result.standard_error == pytest.approx(np.sqrt(var), rel=1e-12)
    assert result.statistic == pytest.approx((pa - pb) ** 2 / var, rel=1e-12)
    assert result.pvalue == pytest.approx(stats.chi2.sf(result.statistic, 1))
    low, high = result.confidence_interval(0.9)
    assert high - low == pytest.approx(2 * stats.norm.ppf(0.95) * np.sqrt(var))


def test_obuchowski_degenerate_data_are_handled_deliberately():
    same = obuchowski_test([1, 1, 2, 2], [1, 0, 1, 1], [1, 0, 1, 1])
    assert (same.statistic, same.pvalue) == (0.0, 1.0) and same.notes
    constant = obuchowski_test([1, 1, 2, 2], [1, 1, 1, 1], [1, 0, 1, 0])
    assert constant.statistic == np.inf and constant.pvalue == 0.0 and constant.notes
    with pytest.raises(ValueError, match="clusters must contain at least two"):
        obuchowski_test([1, 1, 1], [1, 0, 1], [0, 0, 1])
    with pytest.raises(ValueError, match="clusters must give one label"):
        obuchowski_test([1, 2], [1, 0, 1], [0, 0, 1])
    with pytest.raises(ValueError, match="variance must be"):
        obuchowski_test([1, 2], [1, 0], [0, 0], variance="robust")


def test_clustered_proportion_with_singleton_clusters_is_the_n_minus_one_binomial_se():
    x = np.array([1] * 30 + [0] * 10)
    result = clustered_proportion(x)
    assert result.standard_error == pytest.approx(np.sqrt(0.75 * 0.25 / 39))
    assert (result.n, result.n_clusters, result.df) == (40, 40, None)


def test_clustered_proportion_matches_obuchowskis_formula_and_uses_t_on_request():
    clusters, pet, _ = findings_from_clusters(THYROIDS)
    result = clustered_proportion(pet, clusters, distribution="t")
    sums = pd.DataFrame({"c": clusters, "x": pet, "m": 1}).groupby("c").sum()
    var = 21 / (20 * 51**2) * ((sums["x"] - sums["m"] * 40 / 51) ** 2).sum()
    assert result.estimate == 40 / 51 and result.standard_error == pytest.approx(np.sqrt(var))
    assert result.df == 20
    low, high = result.confidence_interval()
    assert high - low == pytest.approx(2 * stats.t.ppf(0.975, 20) * np.sqrt(var))


def test_clustered_proportion_interval_is_clipped_to_zero_one_and_one_cluster_has_no_se():
    assert clustered_proportion([1, 1, 1, 0], [1, 2, 3, 4]).confidence_interval().high == 1.0
    lone = clustered_proportion([1, 0, 1], [5, 5, 5])
    assert np.isnan(lone.standard_error) and lone.notes


def long_findings(clusters, *detections):
    readers = "ABCDE"
    return pd.DataFrame(
        {
            "patient": np.tile(clusters, len(detections)),
            "reader": np.repeat(list(readers[: len(detections)]), len(clusters)),
            "hit": np.concatenate(detections),
        }
    )


def test_gee_with_independence_reproduces_obuchowski_up_to_the_small_sample_factor():
    # Oracle: statsmodels GEE. The robust (sandwich) SE of the recall difference has no
    # K/(K − 1) factor; Obuchowski's has it. Point estimates coincide.
    rng = np.random.default_rng(3)
    sizes = rng.integers(1, 5, 40)
    clusters = np.repeat(np.arange(40), sizes)
    patient = rng.normal(0, 1, 40)[clusters]
    a = (rng.random(clusters.size) < 1 / (1 + np.exp(-(1 + patient)))).astype(int)
    b = (rng.random(clusters.size) < 1 / (1 + np.exp(-(0.3 + patient)))).astype(int)
    frame = long_findings(clusters, a, b)
    gee = gee_recall_test(
        frame, cluster="patient", reader="reader", detected="hit", correlation="independence"
    )
    obuchowski = obuchowski_test(clusters, a, b)
    assert gee.difference == pytest.approx(obuchowski.difference, rel=1e-8)
    assert gee.difference_standard_error * np.sqrt(40 / 39) == pytest.approx(
        obuchowski.standard_error, rel=1e-6
    )
    assert gee.recalls == pytest.approx((a.mean(), b.mean()), rel=1e-8)
    assert gee.df == 1 and 0 < gee.pvalue < 1
    exchangeable = gee_recall_test(frame, cluster="patient", reader="reader", detected="hit")
    assert exchangeable.correlation == "exchangeable"
    assert exchangeable.difference == pytest.approx(obuchowski.difference, abs=0.02)


def test_gee_compares_three_readers_with_a_two_df_wald_test():
    rng = np.random.default_rng(11)
    clusters = np.repeat(np.arange(30), 3)
    hits = [(rng.random(90) < p).astype(int) for p in (0.8, 0.6, 0.7)]
    result = gee_recall_test(
        long_findings(clusters, *hits), cluster="patient", reader="reader", detected="hit"
    )
    assert result.df == 2 and len(result.log_odds_ratios) == 2
    assert result.pvalue == pytest.approx(stats.chi2.sf(result.statistic, 2))
    assert np.isnan(result.difference)


def test_gee_is_undefined_with_a_reader_who_finds_everything():
    frame = long_findings(np.arange(6), np.ones(6, int), np.array([1, 0, 1, 0, 1, 1]))
    result = gee_recall_test(frame, cluster="patient", reader="reader", detected="hit")
    assert np.isnan(result.statistic) and result.notes
    with pytest.raises(ValueError, match="frame lacks the detected column"):
        gee_recall_test(frame, cluster="patient", reader="reader", detected="found")


def test_recall_docstring_examples_run():
    assert doctest.testmod(recall).failed == 0

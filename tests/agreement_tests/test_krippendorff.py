"""Krippendorff's α (coincidence form) against published values and the krippendorff package.

Published: Krippendorff (2011) data C as quoted in the fast-krippendorff doctest
(pln-fing-udelar/fast-krippendorff, ``krippendorff/krippendorff.py``, "extracted from ...
fulltext.pdf, page 8"), the Wikipedia example in the same doctest, R irrCAC on
``cac.raw4raters`` (= data C; README v1.4 and ``inst/doc/weighting.html``) and on
``distrib.6raters`` (counts input; README v1.4, weighting.html), ``krippen2.table`` on
``cont3x3abstractors``. Oracle: ``krippendorff.alpha`` 0.9 (raters × units, level passed).
"""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest

from grading.agreement.data import Ratings
from grading.agreement.krippendorff import coincidence_matrix, krippendorff_alpha

nan = np.nan

# Krippendorff (2011) data C: 4 observers (rows) × 12 units; = irrCAC's cac.raw4raters.
DATA_C = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)
# Wikipedia's α example, the first fast-krippendorff doctest: 3 coders × 15 units.
WIKIPEDIA = np.array(
    [
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]
)
# irrCAC distrib.6raters: 15 subjects × 5 categories, 6 raters each (inst/extdata).
DISTRIB_6RATERS = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
]  # fmt: skip


def units_by_raters(reliability_data: np.ndarray, categories=(1, 2, 3, 4, 5)) -> Ratings:
    return Ratings.from_matrix(reliability_data.T, categories=categories)


@pytest.mark.parametrize(
    ("metric", "published", "tolerance", "source"),
    [
        # fast-krippendorff doctest, data C: round(·, 3).
        ("ordinal", 0.815, 5e-4, "doctest"),
        ("ratio", 0.797, 5e-4, "doctest"),
        # irrCAC README: krippen.alpha.raw(cac.raw4raters) coeff.val 0.74342 (5 decimals);
        # handbook §5: nominal coincidence α = Gwet-form α with identity weights.
        ("nominal", 0.74342, 5e-6, "irrCAC README"),
        # irrCAC weighting.html: krippen.alpha.raw(cac.raw4raters, weights = "quadratic")
        # 0.84911; interval α = Gwet-form α with quadratic weights (handbook §5).
        ("interval", 0.84911, 5e-6, "irrCAC weighting.html"),
    ],
)
def test_alpha_reproduces_the_published_values_for_krippendorffs_data_c(
    metric, published, tolerance, source
):
    result = krippendorff_alpha(units_by_raters(DATA_C), metric=metric)
    assert result.estimate == pytest.approx(published, abs=tolerance * 1.001), source
    assert result.n_subjects == 12 and result.n_raters == 4
    assert any("single value" in note for note in result.notes)  # unit 12 has one value


def test_alpha_reproduces_the_wikipedia_example_of_the_fast_krippendorff_doctest():
    ratings = units_by_raters(WIKIPEDIA, categories=(1, 2, 3, 4))
    # Doctest: round(·, 6) gives 0.691358 (nominal) and 0.810845 (interval).
    assert krippendorff_alpha(ratings).estimate == pytest.approx(0.691358, abs=5.01e-7)
    interval = krippendorff_alpha(ratings, metric="interval").estimate
    assert interval == pytest.approx(0.810845, abs=5.01e-7)


def test_alpha_on_counts_input_reproduces_irrcac_distrib_6raters():
    ratings = Ratings.from_counts(DISTRIB_6RATERS, categories=(1, 2, 3, 4, 5))
    # README: krippen.alpha.dist(distrib.6raters) coeff 0.4204384 (7 significant digits).
    assert krippendorff_alpha(ratings).estimate == pytest.approx(0.4204384, abs=5.01e-8)
    # weighting.html: krippen.alpha.dist(..., quadratic.weights(1:q)) coeff 0.259511; with
    # six raters on every subject Gwet's form equals the coincidence form (handbook §5).
    interval = krippendorff_alpha(ratings, metric="interval").estimate
    assert interval == pytest.approx(0.259511, abs=5.01e-7)


def test_alpha_on_a_two_rater_table_reproduces_krippen2_table():
    table = Ratings.from_table([[13, 0, 0], [0, 20, 7], [0, 4, 56]], categories=(1, 2, 3))
    # irrCAC README and weighting.html: krippen2.table(cont3x3abstractors[, quadratic]).
    assert krippendorff_alpha(table).estimate == pytest.approx(0.7972585, abs=5.01e-8)
    interval = krippendorff_alpha(table, metric="interval").estimate
    assert interval == pytest.approx(0.8926487, abs=5.01e-8)


def random_reliability_data(seed: int, raters: int, units: int, q: int, missing: float):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, size=units)
    noise = rng.integers(-1, 2, size=(raters, units)) * (rng.random((raters, units)) < 0.4)
    data = np.clip(truth + noise, 0, q - 1).astype(float)
    data[rng.random(data.shape) < missing] = nan
    return data


@pytest.mark.parametrize("metric", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_alpha_matches_the_krippendorff_package_on_random_data_with_missing_values(metric, seed):
    data = random_reliability_data(seed, raters=4, units=60, q=5, missing=0.3)
    categories = (0, 1, 2, 3, 4)  # includes 0: ratio δ²(0, 0) = 0 in both implementations
    oracle = krippendorff.alpha(
        reliability_data=data, level_of_measurement=metric, value_domain=list(categories)
    )
    result = krippendorff_alpha(units_by_raters(data, categories), metric=metric)
    assert result.estimate == pytest.approx(oracle, abs=1e-12)


def test_ordinal_alpha_uses_the_observed_margins_not_linear_weights():
    ratings = units_by_raters(DATA_C)
    ordinal = krippendorff_alpha(ratings, metric="ordinal")
    o = coincidence_matrix(ratings)
    margins = o.sum(axis=1)
    # Krippendorff (2011): δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)², here for (1, 3).
    expected = (margins[0:3].sum() - (margins[0] + margins[2]) / 2) ** 2
    largest = (margins.sum() - (margins[0] + margins[4]) / 2) ** 2
    assert 1 - ordinal.weights[0, 2] == pytest.approx(expected / largest)
    linear = 1 - np.abs(np.subtract.outer(range(5), range(5))) / 4
    assert not np.allclose(ordinal.weights, linear)


def test_coincidence_matrix_of_data_c_has_krippendorffs_margins():
    o = coincidence_matrix(units_by_raters(DATA_C))
    np.testing.assert_allclose(o, o.T)
    # Counted by hand from data C: pairable values per category, n.. = 40.
    np.testing.assert_allclose(o.sum(axis=1), [9, 13, 10, 5, 3])


def test_pa_and_pe_are_one_minus_the_scaled_disagreements():
    result = krippendorff_alpha(units_by_raters(DATA_C), metric="interval")
    assert result.estimate == pytest.approx(1 - (1 - result.pa) / (1 - result.pe))
    assert 0 <= result.pe <= result.pa <= 1
    np.testing.assert_allclose(result.weights, 1 - np.subtract.outer(range(5), range(5)) ** 2 / 16)


def test_without_a_variance_the_se_is_nan_and_the_note_says_why():
    result = krippendorff_alpha(units_by_raters(DATA_C))
    assert math.isnan(result.standard_error) and math.isnan(result.pvalue)
    assert any("only under bootstrap or jackknife" in note for note in result.notes)


def test_bootstrap_is_seeded_and_keeps_its_replicates():
    ratings = units_by_raters(DATA_C)
    first = krippendorff_alpha(ratings, variance="bootstrap", bootstrap=500, seed=3)
    again = krippendorff_alpha(ratings, variance="bootstrap", bootstrap=500, seed=3)
    np.testing.assert_array_equal(first.replicates, again.replicates)
    assert first.replicates.shape == (500,) and first.ci_method == "percentile"
    assert first.standard_error == pytest.approx(np.std(first.replicates, ddof=1))
    assert first.df == 11  # 12 rated units (unit 12 has one value: it is resampled too)
    assert any("seed=3" in note for note in first.notes)
    low, high = first.confidence_interval()
    assert low < first.estimate < high
    bca = krippendorff_alpha(ratings, variance="bootstrap", bootstrap=500, seed=3, ci_method="bca")
    assert bca.ci_method == "bca" and bca.jackknife_estimates.shape == (12,)
    assert all(np.isfinite(bca.confidence_interval()))


def test_jackknife_matches_an_explicit_delete_one_unit_loop():
    data = random_reliability_data(5, raters=3, units=25, q=4, missing=0.2)
    categories = (0, 1, 2, 3)
    result = krippendorff_alpha(
        units_by_raters(data, categories), metric="ordinal", variance="jackknife"
    )
    values = np.isfinite(data).sum(axis=0)
    assert np.any(values == 1)  # single-value units are deleted too: they are sampled units
    kept = np.flatnonzero(values >= 1)
    leave_one_out = np.array(
        [
            krippendorff.alpha(
                reliability_data=np.delete(data, u, axis=1),
                level_of_measurement="ordinal",
                value_domain=list(categories),
            )
            for u in kept
        ]
    )
    k = len(kept)
    expected = math.sqrt((k - 1) / k * np.sum((leave_one_out - leave_one_out.mean()) ** 2))
    assert result.standard_error == pytest.approx(expected, rel=1e-10)
    assert result.df == k - 1


def test_cluster_bootstrap_resamples_whole_clusters():
    data = random_reliability_data(9, raters=2, units=120, q=4, missing=0.0)
    clusters = np.repeat(np.arange(30), 4)
    clustered = Ratings.from_matrix(data.T, categories=(0, 1, 2, 3), clusters=clusters)
    result = krippendorff_alpha(
        clustered, metric="interval", variance="bootstrap", bootstrap=400, seed=0
    )
    assert result.n_clusters == 30 and result.df == 29
    jackknife = krippendorff_alpha(clustered, metric="interval", variance="jackknife")
    assert jackknife.jackknife_estimates.shape == (30,)
    # One unit per cluster is the unit-level resampling itself.
    singletons = Ratings.from_matrix(data.T, categories=(0, 1, 2, 3), clusters=range(120))
    plain = Ratings.from_matrix(data.T, categories=(0, 1, 2, 3))
    a = krippendorff_alpha(singletons, variance="jackknife").standard_error
    b = krippendorff_alpha(plain, variance="jackknife").standard_error
    assert a == pytest.approx(b, rel=1e-12)


def test_alpha_is_invariant_to_permuting_units_and_raters():
    data = random_reliability_data(4, raters=4, units=40, q=5, missing=0.25)
    rng = np.random.default_rng(0)
    shuffled = data[rng.permutation(4)][:, rng.permutation(40)]
    for metric in ("nominal", "ordinal", "interval", "ratio"):
        a = krippendorff_alpha(units_by_raters(data, (0, 1, 2, 3, 4)), metric=metric)
        b = krippendorff_alpha(units_by_raters(shuffled, (0, 1, 2, 3, 4)), metric=metric)
        assert a.estimate == pytest.approx(b.estimate, abs=1e-13)


def test_degenerate_data_give_nan_alpha_with_a_note_or_a_clear_error():
    same = Ratings.from_matrix([[1, 1], [1, 1], [1, np.nan]], categories=(0, 1))
    result = krippendorff_alpha(same)
    assert math.isnan(result.estimate) and any("D_e = 0" in n for n in result.notes)
    lonely = Ratings.from_matrix([[1, np.nan], [np.nan, 0]], categories=(0, 1))
    with pytest.raises(ValueError, match="ratings"):
        krippendorff_alpha(lonely)


@pytest.mark.parametrize(
    ("categories", "options", "parameter"),
    [
        ((1, 2, 3, 4, 5), {"metric": "circular"}, "metric"),
        ((1, 2, 3, 4, 5), {"variance": "linearized"}, "variance"),
        ((1, 2, 3, 4, 5), {"variance": "bootstrap", "bootstrap": 1}, "bootstrap"),
        ((1, 2, 3, 4, 5), {"ci_method": "basic"}, "ci_method"),
        ((1, 2, 3, 4, 5), {"alternative": "less"}, "alternative"),
        ((1, 2, 3, 4, 5), {"distribution": "z"}, "distribution"),
        (("a", "b", "c", "d", "e"), {"metric": "interval"}, "numeric"),
        ((-2, -1, 0, 1, 2), {"metric": "ratio"}, "non-negative"),
    ],
)
def test_bad_options_raise_value_errors(categories, options, parameter):
    data = np.array([[0, 1, 2, 3, 4], [0, 1, 2, 4, 4]])
    ratings = Ratings.from_matrix(
        np.vectorize(lambda i: categories[i], otypes=[object])(data).T, categories=categories
    )
    with pytest.raises(ValueError, match=parameter):
        krippendorff_alpha(ratings, **options)


def test_ordinal_alpha_works_on_text_categories_in_declared_order():
    labels = ("very low", "low", "mid", "high", "very high")
    coded = np.vectorize(lambda v: labels[int(v) - 1] if np.isfinite(v) else None, otypes=[object])(
        DATA_C
    )
    result = krippendorff_alpha(Ratings.from_matrix(coded.T, categories=labels), metric="ordinal")
    assert result.estimate == pytest.approx(0.815, abs=5.01e-4)  # fast-krippendorff doctest


def test_nominal_coincidence_alpha_equals_the_raw_gwet_form():
    raw = pytest.importorskip("grading.agreement.raw")
    if not hasattr(raw, "raw_coefficient"):
        pytest.skip("grading.agreement.raw.raw_coefficient is not written yet")
    ratings = units_by_raters(DATA_C)
    for weights, metric in (("identity", "nominal"), ("quadratic", "interval")):
        gwet_form = raw.raw_coefficient(ratings, coefficient="krippendorff", weights=weights)
        coincidence = krippendorff_alpha(ratings, metric=metric)
        assert coincidence.estimate == pytest.approx(gwet_form.estimate, abs=1e-12)


def test_a_table_resamples_its_subjects_like_the_matrix_it_summarises():
    counts = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    table = Ratings.from_table(counts, categories=(1, 2, 3))
    rows, cols = np.nonzero(counts)
    pairs = np.repeat(np.column_stack([rows + 1, cols + 1]), counts[rows, cols], axis=0)
    matrix = Ratings.from_matrix(pairs, categories=(1, 2, 3))
    for metric in ("nominal", "ordinal"):
        a = krippendorff_alpha(table, metric=metric, variance="jackknife")
        b = krippendorff_alpha(matrix, metric=metric, variance="jackknife")
        assert a.estimate == pytest.approx(b.estimate, abs=1e-13)
        assert a.standard_error == pytest.approx(b.standard_error, rel=1e-10)
        assert a.df == b.df == 99
    with pytest.raises(ValueError, match="integer"):
        krippendorff_alpha(
            Ratings.from_table([[2.5, 1], [1, 3]], categories=(0, 1)), variance="jackknife"
        )

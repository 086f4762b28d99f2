"""Two-rater coefficients from a contingency table against published values and oracles.

Published: R irrCAC on ``cont3x3abstractors`` (README v1.4; ``inst/doc/weighting.html``),
SAS "table10" and R ``irr::kappa2`` on ``anxiety`` as quoted in statsmodels'
``statsmodels/stats/tests/test_inter_rater.py``. Oracles: statsmodels ``cohens_kappa``,
scikit-learn ``cohen_kappa_score``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa

from grading.agreement.data import Ratings
from grading.agreement.table import COEFFICIENTS, table_coefficient, table_from_pair

# kgwet/irrCAC, inst/extdata/cont3x3abstractors.csv (rows rater 1, columns rater 2).
ABSTRACTORS = Ratings.from_table([[13, 0, 0], [0, 20, 7], [0, 4, 56]], categories=(1, 2, 3))

# (estimate, SE, CI low, CI high) exactly as printed. Unweighted: kgwet/irrCAC README.md
# (v1.4, "Computing agreement Coefficients from Contingency tables"). Quadratic: kgwet/irrCAC
# inst/doc/weighting.html (commit 4abd58c, 2021-08-28), `weights = quadratic.weights(1:q)`.
IRRCAC = {
    ("cohen", "identity"): ("0.7964094", "0.05891072", "0.68", "0.913"),
    ("scott", "identity"): ("0.7962397", "0.05905473", "0.679", "0.913"),
    ("gwet", "identity"): ("0.8493305", "0.04321747", "0.764", "0.935"),
    ("brennan_prediger", "identity"): ("0.835", "0.04693346", "0.742", "0.928"),
    ("krippendorff", "identity"): ("0.7972585", "0.05905473", "0.68", "0.914"),
    ("percent", "identity"): ("0.89", "0.03128898", "0.828", "0.952"),
    ("cohen", "quadratic"): ("0.8921569", "0.03535151", "0.822", "0.962"),
    ("scott", "quadratic"): ("0.8921093", "0.03539506", "0.822", "0.962"),
    ("gwet", "quadratic"): ("0.9402369", "0.01792019", "0.905", "0.976"),
    ("brennan_prediger", "quadratic"): ("0.9175", "0.02346673", "0.871", "0.964"),
    ("krippendorff", "quadratic"): ("0.8926487", "0.03539506", "0.822", "0.963"),
    ("percent", "quadratic"): ("0.9725", "0.007822244", "0.957", "0.988"),
}


def r_print_tolerance(printed: str) -> float:
    """Half a unit in the 7th significant digit: R prints data-frame numbers with digits = 7."""
    value = float(printed)
    return 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 6) * 1.001


@pytest.mark.parametrize(("coefficient", "weights"), sorted(IRRCAC))
def test_every_table_coefficient_reproduces_irrcac_on_cont3x3abstractors(coefficient, weights):
    estimate, se, low, high = IRRCAC[coefficient, weights]
    result = table_coefficient(
        ABSTRACTORS, coefficient=coefficient, weights=weights, alternative="greater"
    )
    assert result.estimate == pytest.approx(float(estimate), abs=r_print_tolerance(estimate))
    assert result.standard_error == pytest.approx(float(se), abs=r_print_tolerance(se))
    ci = result.confidence_interval()
    # irrCAC pastes round(bound, 3) into coeff.ci, t(n − 1) quantile, upper bound min(1, ·).
    assert ci.low == pytest.approx(float(low), abs=5e-4)
    assert ci.high == pytest.approx(float(high), abs=5e-4)
    # Printed p "0e+00": irrCAC ≥ 1.0's one-sided 1 − pt(est/se, n − 1) underflows to 0.
    assert result.pvalue < 1e-12
    assert result.df == 99 and result.n_subjects == 100 and result.variance == "table"


def test_krippendorff_on_a_table_prints_the_small_sample_pa_and_takes_scotts_se():
    scott = table_coefficient(ABSTRACTORS, coefficient="scott")
    alpha = table_coefficient(ABSTRACTORS, coefficient="krippendorff")
    eps = 1 / (2 * 100)
    assert alpha.pa == pytest.approx((1 - eps) * scott.pa + eps, rel=1e-15)
    assert alpha.pe == scott.pe
    assert alpha.standard_error == scott.standard_error


# SAS PROC FREQ output for "table10", quoted in statsmodels/stats/tests/test_inter_rater.py
# (TestUnweightedCohens, TestWeightedCohens with weights=[0, 1, 2], i.e. linear): kappa, ASE,
# 95% limits, ASE under H0, Z, one-sided p, two-sided p, all to 4 decimals.
TABLE10 = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
SAS_TABLE10 = {
    "identity": (0.4842, 0.1380, 0.2137, 0.7547, 0.1484, 3.2626, 0.0006, 0.0011),
    "linear": (0.4701, 0.1457, 0.1845, 0.7558, 0.1426, 3.2971, 0.0005, 0.0010),
}


@pytest.mark.parametrize("weights", sorted(SAS_TABLE10))
def test_cohen_reproduces_the_sas_printout_for_table10(weights):
    kappa, ase, low, high, ase0, z, p_one, p_two = SAS_TABLE10[weights]
    ratings = Ratings.from_table(TABLE10, categories=(0, 1, 2))
    common = {"coefficient": "cohen", "weights": weights, "distribution": "normal"}
    result = table_coefficient(ratings, **common)
    tol = 5e-5 * 1.001  # SAS rounds to 4 decimals
    assert result.estimate == pytest.approx(kappa, abs=tol)
    assert result.standard_error == pytest.approx(ase, abs=tol)
    assert result.confidence_interval() == pytest.approx((low, high), abs=tol)
    assert result.standard_error_null == pytest.approx(ase0, abs=tol)
    null_test = table_coefficient(ratings, **common, test_se="null")
    assert null_test.statistic == pytest.approx(z, abs=tol)
    assert null_test.pvalue == pytest.approx(p_two, abs=tol)
    one_sided = table_coefficient(ratings, **common, test_se="null", alternative="greater")
    assert one_sided.pvalue == pytest.approx(p_one, abs=tol)


def anxiety_raters_2_3() -> Ratings:
    """statsmodels' copy of R irr's ``anxiety``, raters 2 and 3, on irr's observed levels.

    irr::kappa2 keeps only the levels in use (1, 2, 3, 4, 6) and builds weights on their
    positions, so 6 counts as adjacent to 4 (handbook statistics §13); relabelling 6 → 5 on
    declared categories 1..5 reproduces that.
    """
    from statsmodels.stats.tests.test_inter_rater import anxiety

    pairs = anxiety[:, 1:].copy()
    pairs[pairs == 6] = 5
    return table_from_pair(Ratings.from_matrix(pairs, categories=(1, 2, 3, 4, 5)))


# R irr::kappa2(anxiety[, 2:3], weight) as quoted in statsmodels' test_cohens_kappa_irr:
# (kappa, z from the null SE, two-sided normal p), printed to 7 significant digits.
IRR_ANXIETY = {
    "unweighted": ("-0.006289308", "-0.0604067", "0.9518317"),
    "equal": ("0.1459075", "1.282472", "0.1996772"),
    "squared": ("0.2520325", "1.437451", "0.1505898"),
    "0,0,1,1,2": ("0.2391304", "1.223734", "0.2210526"),
}


def irr_weights(name: str) -> str | np.ndarray:
    if name != "0,0,1,1,2":
        return {"unweighted": "identity", "equal": "linear", "squared": "quadratic"}[name]
    # irr: a distance per |k − l| (0, 0, 1, 1, 2); agreement weights 1 − distance/2.
    distance = np.array([0, 0, 1, 1, 2])[np.abs(np.subtract.outer(range(5), range(5)))]
    return 1 - distance / 2


@pytest.mark.parametrize("weights", sorted(IRR_ANXIETY))
def test_cohen_reproduces_irr_kappa2_on_anxiety(weights):
    kappa, z, p = IRR_ANXIETY[weights]
    result = table_coefficient(
        anxiety_raters_2_3(),
        coefficient="cohen",
        weights=irr_weights(weights),
        distribution="normal",
        test_se="null",
    )
    assert result.estimate == pytest.approx(float(kappa), abs=r_print_tolerance(kappa))
    assert result.statistic == pytest.approx(float(z), abs=r_print_tolerance(z))
    assert result.pvalue == pytest.approx(float(p), abs=r_print_tolerance(p))


def random_tables(seed: int, count: int, q: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 12, size=(q, q)) + np.diag(rng.integers(0, 25, size=q))
        for _ in range(count)
    ]


@pytest.mark.parametrize(
    ("weights", "wt"), [("identity", None), ("linear", "linear"), ("quadratic", "quadratic")]
)
def test_cohen_matches_statsmodels_on_anxiety_and_random_tables(weights, wt):
    tables = [anxiety_raters_2_3().table] + random_tables(7, 10, 4)
    for table in tables:
        q = table.shape[0]
        result = table_coefficient(
            Ratings.from_table(table, categories=tuple(range(q))),
            coefficient="cohen",
            weights=weights,
        )
        # statsmodels takes disagreement weights; wt="linear"/"quadratic" on 0..q−1 scores.
        oracle = cohens_kappa(table, wt=wt)
        assert result.estimate == pytest.approx(oracle.kappa, abs=1e-12)
        assert result.standard_error == pytest.approx(oracle.std_kappa, abs=1e-12)
        assert result.standard_error_null == pytest.approx(oracle.std_kappa0, abs=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_matches_scikit_learn_on_ratings_expanded_from_tables(weights):
    for table in random_tables(11, 8, 4):
        rows, cols = np.nonzero(table)
        counts = table[rows, cols]
        first, second = np.repeat(rows, counts), np.repeat(cols, counts)
        oracle = cohen_kappa_score(first, second, labels=[0, 1, 2, 3], weights=weights)
        matrix = Ratings.from_matrix(np.column_stack([first, second]), categories=(0, 1, 2, 3))
        result = table_coefficient(
            table_from_pair(matrix), coefficient="cohen", weights=weights or "identity"
        )
        assert result.estimate == pytest.approx(oracle, abs=1e-12)


def test_table_from_pair_keeps_only_subjects_rated_by_both_raters():
    matrix = Ratings.from_matrix(
        [[0, 0], [0, 1], [1, np.nan], [np.nan, 2], [2, 2], [2, 1]], categories=(0, 1, 2)
    )
    table = table_from_pair(matrix)
    assert table.kind == "table" and table.categories == (0, 1, 2)
    np.testing.assert_array_equal(table.table, [[1, 1, 0], [0, 0, 0], [0, 1, 1]])
    with pytest.raises(ValueError, match="pair"):
        table_from_pair(Ratings.from_matrix([[0, 1, 1]], categories=(0, 1)))
    with pytest.raises(ValueError, match="matrix"):
        table_from_pair(ABSTRACTORS)


def test_linearized_variance_scales_the_table_se_by_the_raw_divisor():
    for coefficient in COEFFICIENTS:
        table = table_coefficient(ABSTRACTORS, coefficient=coefficient, weights="linear")
        raw = table_coefficient(
            ABSTRACTORS, coefficient=coefficient, weights="linear", variance="linearized"
        )
        assert raw.standard_error == pytest.approx(table.standard_error * math.sqrt(100 / 99))
        assert raw.variance == "linearized" and raw.estimate == table.estimate


def test_finite_population_correction_shrinks_the_variance_by_one_minus_f():
    infinite = table_coefficient(ABSTRACTORS, coefficient="gwet")
    finite = table_coefficient(ABSTRACTORS, coefficient="gwet", population_size=400)
    assert finite.standard_error == pytest.approx(infinite.standard_error * math.sqrt(0.75))
    # The null SE (Cohen) is printed as SAS does, without the factor (CLI contract).
    kappa = table_coefficient(ABSTRACTORS, coefficient="cohen", population_size=400)
    assert (
        kappa.standard_error_null
        == table_coefficient(ABSTRACTORS, coefficient="cohen").standard_error_null
    )
    with pytest.raises(ValueError, match="population_size"):
        table_coefficient(ABSTRACTORS, coefficient="gwet", population_size=50)


def test_normal_distribution_drops_the_degrees_of_freedom():
    result = table_coefficient(ABSTRACTORS, coefficient="cohen", distribution="normal")
    assert result.df is None and result.distribution == "normal"


@pytest.mark.parametrize(
    ("options", "parameter"),
    [
        ({"coefficient": "fleiss"}, "scott"),
        ({"coefficient": "conger"}, "cohen"),
        ({"coefficient": "bangdiwala"}, "coefficient"),
        ({"coefficient": "cohen", "variance": "bootstrap"}, "variance"),
        ({"coefficient": "cohen", "alternative": "less"}, "alternative"),
        ({"coefficient": "cohen", "distribution": "z"}, "distribution"),
        ({"coefficient": "scott", "test_se": "null"}, "test_se"),
        ({"coefficient": "cohen", "test_se": "zero"}, "test_se"),
    ],
)
def test_bad_options_raise_value_errors_naming_the_parameter(options, parameter):
    with pytest.raises(ValueError, match=parameter):
        table_coefficient(ABSTRACTORS, **options)


def test_non_table_input_and_fewer_than_two_subjects_are_refused():
    matrix = Ratings.from_matrix([[0, 1], [1, 1]], categories=(0, 1))
    with pytest.raises(ValueError, match="table_from_pair"):
        table_coefficient(matrix, coefficient="cohen")
    with pytest.raises(ValueError, match="at least 2"):
        table_coefficient(
            Ratings.from_table([[1, 0], [0, 0]], categories=(0, 1)), coefficient="cohen"
        )


def test_a_table_with_one_category_used_gives_nan_kappa_with_a_note_not_a_crash():
    single = Ratings.from_table([[10, 0], [0, 0]], categories=(0, 1))
    kappa = table_coefficient(single, coefficient="cohen")
    assert math.isnan(kappa.estimate) and math.isnan(kappa.standard_error)
    assert kappa.pe == 1 and math.isnan(kappa.pvalue)
    assert any("p_e = 1" in note for note in kappa.notes)
    # AC1 stays defined there (p_e = 0): perfect agreement with a zero plug-in variance.
    ac1 = table_coefficient(single, coefficient="gwet")
    assert ac1.estimate == 1 and ac1.standard_error == 0 and math.isnan(ac1.pvalue)
    assert any("variance is 0" in note for note in ac1.notes)


def test_unused_declared_categories_change_ac1_but_not_unweighted_kappa():
    # Handbook statistics §12.1: q enters AC1's chance agreement; unweighted κ ignores it.
    two = Ratings.from_table([[20, 5], [3, 12]], categories=(0, 1))
    three = Ratings.from_table([[20, 5, 0], [3, 12, 0], [0, 0, 0]], categories=(0, 1, 2))
    for name in ("cohen", "scott"):
        assert table_coefficient(two, coefficient=name).estimate == pytest.approx(
            table_coefficient(three, coefficient=name).estimate
        )
    assert (
        table_coefficient(three, coefficient="gwet").estimate
        > table_coefficient(two, coefficient="gwet").estimate
    )

"""Published reference values for Gwet's raw framework (R irrCAC and R irr outputs).

Tolerances follow the published rounding: irrCAC prints coeff.val and coeff.se rounded to
5 decimals (``round(stderr, 5)``), confidence bounds to 3, and pa, pe and p-values to 7
significant digits. The p-values of the current README are one-sided (irrCAC ≥ 1.0, commit
3ed7833, 2021-11-30); those of the 2021-08 vignettes are two-sided (handbook §12.4).
"""

from __future__ import annotations

import numpy as np
import pytest

from grading.agreement.data import Ratings
from grading.agreement.raw import raw_coefficient

NAN = np.nan
# irrCAC dataset cac.raw4raters (= Krippendorff's 2011 "data C"), kgwet/irrCAC
# inst/extdata/cac.raw4raters.csv: 12 subjects × 4 raters, categories 1..5, NA missing.
RAW4RATERS = [
    [1, 1, NAN, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [NAN, 5, 5, 5],
    [NAN, NAN, 1, 1],
    [NAN, NAN, 3, NAN],
]
# irrCAC dataset distrib.6raters, kgwet/irrCAC inst/extdata/distrib.6raters.csv: 15 patients,
# 6 psychiatrists, counts per category (Depression, Personality disorder, Schizophrenia,
# Neurosis, Other).
DISTRIB_6RATERS = [
    [0, 0, 0, 6, 0],
    [0, 3, 0, 0, 3],
    [0, 1, 4, 0, 1],
    [0, 0, 0, 0, 6],
    [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0],
    [0, 0, 4, 0, 2],
    [2, 0, 3, 1, 0],
    [2, 0, 0, 4, 0],
    [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0],
    [1, 1, 0, 4, 0],
    [0, 3, 3, 0, 0],
    [1, 0, 0, 5, 0],
    [0, 2, 0, 3, 1],
]
# irrCAC dataset cac.dist4cat columns 2:4 (a, b, c), inst/extdata/cac.dist4cat.csv.
DIST4CAT = [
    [3, 0, 1], [2, 1, 1], [2, 1, 1], [2, 0, 2], [3, 1, 0], [3, 1, 0], [0, 4, 0], [0, 3, 1],
    [0, 0, 4], [3, 1, 0], [0, 4, 0], [0, 3, 1], [0, 2, 2], [0, 0, 4], [3, 1, 0],
]  # fmt: skip


def raw4raters() -> Ratings:
    return Ratings.from_matrix(RAW4RATERS, categories=[1, 2, 3, 4, 5])


def distrib_6raters() -> Ratings:
    return Ratings.from_counts(DISTRIB_6RATERS, categories=[1, 2, 3, 4, 5])


def check(result, pa, pe, estimate, se, ci, *, p=None, digits=5):
    """Compare with a printed irrCAC row; ``digits`` is the rounding of estimate and SE.

    pa and pe are printed to 7 significant digits (3 decimals in the port); 1e-7 rather
    than 5e-8 because R prints the tie 0.97359375 as 0.9735938.
    """
    assert result.pa == pytest.approx(pa, abs=1e-7 if digits != 3 else 5e-4)
    assert result.pe == pytest.approx(pe, abs=1e-7 if digits != 3 else 5e-4)
    half = 0.5 * 10.0**-digits
    assert result.estimate == pytest.approx(estimate, abs=half)
    assert result.standard_error == pytest.approx(se, abs=half)
    low, high = result.confidence_interval(0.95)
    assert (low, high) == pytest.approx(ci, abs=5e-4)
    if p is not None:
        assert result.pvalue == pytest.approx(p, rel=1e-6)


# kgwet/irrCAC README.md (v1.4, one-sided p) and inst/doc/overview.html at commit 4abd58c
# (2021-08-28, two-sided p): pa, pe, coeff.val, coeff.se, conf.int, p one-sided, p two-sided.
README_RAW4RATERS = {
    "percent": (0.8181818, 0, 0.8181818, 0.12561, (0.542, 1), 2.172686e-05, 4.345373e-05),
    "gwet": (0.8181818, 0.1903212, 0.77544, 0.14295, (0.461, 1), 0.0001043605, 0.000208721),
    "fleiss": (0.8181818, 0.2387153, 0.76117, 0.15302, (0.424, 1), 0.0002095865, 0.000419173),
    "krippendorff": (0.805, 0.24, 0.74342, 0.14548, (0.423, 1), 0.0001693123, 0.0003386245),
    "conger": (0.8181818, 0.2334252, 0.76282, 0.14917, (0.435, 1), 0.0001683533, 0.0003367066),
    "brennan_prediger": (0.8181818, 0.2, 0.77273, 0.14472, (0.454, 1), 0.0001187804, 0.0002375609),
}  # fmt: skip


@pytest.mark.parametrize("coefficient", sorted(README_RAW4RATERS))
def test_unweighted_coefficients_on_krippendorffs_data_c_match_the_irrcac_readme(coefficient):
    pa, pe, estimate, se, ci, p_one, p_two = README_RAW4RATERS[coefficient]
    greater = raw_coefficient(raw4raters(), coefficient=coefficient, alternative="greater")
    check(greater, pa, pe, estimate, se, ci, p=p_one)
    two_sided = raw_coefficient(raw4raters(), coefficient=coefficient)
    check(two_sided, pa, pe, estimate, se, ci, p=p_two)
    assert two_sided.df == 11 and two_sided.n_subjects == 12 and two_sided.n_raters == 4


# kgwet/irrCAC inst/doc/weighting.html at commit 4abd58c (2021-08-28, after the Krippendorff
# SE fix 00b8451 and before the one-sided switch: two-sided p), weights = "quadratic".
WEIGHTING_RAW4RATERS_QUADRATIC = {
    "percent": (0.9753788, 0, 0.9753788, 0.09062, (0.776, 1), 3.526377e-07),
    "gwet": (0.9753788, 0.7137044, 0.914, 0.10396, (0.685, 1), 2.634438e-06),
    "fleiss": (0.9753788, 0.8177083, 0.86494, 0.14603, (0.544, 1), 9.976081e-05),
    "krippendorff": (0.9735938, 0.825, 0.84911, 0.12905, (0.565, 1), 3.972199e-05),
    "conger": (0.9753788, 0.8269638, 0.85771, 0.14367, (0.541, 1), 9.319979e-05),
    "brennan_prediger": (0.9753788, 0.75, 0.90152, 0.11089, (0.657, 1), 5.60548e-06),
}


@pytest.mark.parametrize("coefficient", sorted(WEIGHTING_RAW4RATERS_QUADRATIC))
def test_quadratic_weighted_coefficients_match_the_irrcac_weighting_vignette(coefficient):
    pa, pe, estimate, se, ci, p = WEIGHTING_RAW4RATERS_QUADRATIC[coefficient]
    result = raw_coefficient(raw4raters(), coefficient=coefficient, weights="quadratic")
    check(result, pa, pe, estimate, se, ci, p=p)
    assert result.weights_name == "quadratic"


# afergadis/irrCAC test/unit/irrCAC/raw/test_gwet.py and test_conger.py (PyPI port of the
# 2021 R code, two-sided p, everything rounded to 3 decimals; p rounded to 5).
PORT_RAW4RATERS = [
    ("gwet", "linear", (0.939, 0.571, 0.859, 0.117, (0.600, 1)), 2e-5),
    ("conger", "linear", (0.939, 0.675, 0.814, 0.145, (0.494, 1)), 0.00016),
    (
        "conger",
        # test_conger_kappa_raw4raters_custom_weights: an asymmetric custom matrix
        [
            [1.00, 0.75, 0.50, 0.25, 0.00],
            [0.00, 1.00, 0.75, 0.50, 0.25],
            [0.25, 0.00, 1.00, 0.75, 0.50],
            [0.50, 0.25, 0.00, 1.00, 0.75],
            [0.75, 0.50, 0.25, 0.00, 1.00],
        ],
        (0.886, 0.521, 0.763, 0.149, (0.435, 1)),
        3.4e-4,
    ),
]


@pytest.mark.parametrize(("coefficient", "weights", "row", "p"), PORT_RAW4RATERS)
def test_linear_and_custom_weights_match_the_pypi_port_to_three_decimals(
    coefficient, weights, row, p
):
    result = raw_coefficient(raw4raters(), coefficient=coefficient, weights=weights)
    check(result, *row, digits=3)
    assert round(result.pvalue, 5) == pytest.approx(p)
    assert result.weights_name == ("linear" if isinstance(weights, str) else "custom")


# kgwet/irrCAC README.md (v1.4): gwet.ac1.dist, fleiss.kappa.dist, bp.coeff.dist on
# distrib.6raters, one-sided p; coeff and stderr printed unrounded (7 significant digits).
README_DISTRIB = {
    "gwet": (0.5511111, 0.1914815, 0.4448007, 0.08418757, (0.264, 0.625), 5.779637e-05),
    "fleiss": (0.5511111, 0.2340741, 0.4139265, 0.08119291, (0.24, 0.588), 8.113618e-05),
    "brennan_prediger": (0.5511111, 0.2, 0.4388889, 0.08312142, (0.261, 0.617), 5.814998e-05),
}
# kgwet/irrCAC inst/doc/weighting.html (2021-08-28, two-sided p), quadratic.weights(1:5).
WEIGHTING_DISTRIB_QUADRATIC = {
    "gwet": (0.8544444, 0.7180556, 0.4837438, 0.1058227, (0.257, 0.711), 0.0004356618),
    "fleiss": (0.8544444, 0.8056173, 0.2511909, 0.1457381, (-0.061, 0.564), 0.1067865),
    "brennan_prediger": (0.8544444, 0.75, 0.4177778, 0.1067493, (0.189, 0.647), 0.001559352),
}


@pytest.mark.parametrize("coefficient", sorted(README_DISTRIB))
def test_counts_input_matches_the_irrcac_dist_functions(coefficient):
    pa, pe, estimate, se, ci, p = README_DISTRIB[coefficient]
    result = raw_coefficient(distrib_6raters(), coefficient=coefficient, alternative="greater")
    check(result, pa, pe, estimate, se, ci, p=p, digits=7)
    assert result.n_raters == 6 and result.n_subjects == 15
    pa, pe, estimate, se, ci, p = WEIGHTING_DISTRIB_QUADRATIC[coefficient]
    result = raw_coefficient(distrib_6raters(), coefficient=coefficient, weights="quadratic")
    check(result, pa, pe, estimate, se, ci, p=p, digits=7)


def test_krippendorffs_alpha_on_counts_matches_irrcac_and_its_se_equals_fleiss_se():
    # README: krippen.alpha.dist(distrib.6raters) α = 0.4204384, pa 0.5560988, pe 0.2340741;
    # weighting.html: quadratic α = 0.259511, pa 0.8560617. The .dist SE uses another
    # linearisation (handbook §13 trap 3); with 6 ratings on every subject the raw form
    # must equal Fleiss' SE (README 0.08119291; weighting.html quadratic 0.1457381).
    plain = raw_coefficient(distrib_6raters(), coefficient="krippendorff")
    assert plain.estimate == pytest.approx(0.4204384, abs=5e-8)
    assert (plain.pa, plain.pe) == pytest.approx((0.5560988, 0.2340741), abs=5e-8)
    assert plain.standard_error == pytest.approx(0.08119291, abs=5e-9)
    quadratic = raw_coefficient(distrib_6raters(), coefficient="krippendorff", weights="quadratic")
    assert quadratic.estimate == pytest.approx(0.259511, abs=5e-7)
    assert quadratic.pa == pytest.approx(0.8560617, abs=5e-8)
    assert quadratic.standard_error == pytest.approx(0.1457381, abs=5e-8)


def test_ac1_on_cac_dist4cat_matches_the_irrcac_readme():
    # README: gwet.ac1.dist(cac.dist4cat[,2:4])$coeff = 0.3518903
    result = raw_coefficient(Ratings.from_counts(DIST4CAT, categories="abc"), coefficient="gwet")
    assert result.estimate == pytest.approx(0.3518903, abs=5e-8)


def test_fleiss_kappa_and_its_null_z_on_fleiss_1971_match_r_irr():
    # Fleiss (1971) diagnoses, 30 patients × 6 psychiatrists; R irr::kappam.fleiss output as
    # quoted in statsmodels/stats/tests/test_inter_rater.py (test_fleiss_kappa_irr):
    # Kappa = 0.4302445, z = 17.65183 (z uses the null SE of Fleiss, Nee & Landis 1979).
    from statsmodels.stats.tests.test_inter_rater import diagnoses

    ratings = Ratings.from_matrix(diagnoses, categories=[1, 2, 3, 4, 5])
    result = raw_coefficient(ratings, coefficient="fleiss", test_se="null")
    assert result.estimate == pytest.approx(0.4302445, abs=5e-8)
    assert result.statistic == pytest.approx(17.65183, abs=5e-6)
    assert result.standard_error_null < result.standard_error  # never build a CI from it

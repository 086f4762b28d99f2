"""One entry point per task, dispatching on the shape of the ratings.

``estimate`` picks the table path for a contingency table, the coincidence form of
Krippendorff's α when a ``metric`` is given, and Gwet's raw framework otherwise.
"""

from __future__ import annotations

import numpy as np

from grading.agreement._common import VARIANCES, AgreementResult, DifferenceResult
from grading.agreement.data import Ratings
from grading.agreement.weights import WEIGHT_NAMES

__all__ = [
    "VARIANCES",
    "WEIGHT_NAMES",
    "brennan_prediger",
    "cohen_kappa",
    "compare",
    "conger_kappa",
    "estimate",
    "fleiss_kappa",
    "gwet_ac",
    "krippendorff_alpha",
    "percent_agreement",
    "recall_compare",
    "scott_pi",
]


def estimate(
    ratings: Ratings,
    *,
    coefficient: str,
    weights: str | np.ndarray = "identity",
    metric: str | None = None,
    variance: str | None = None,
    alternative: str = "two-sided",
    distribution: str = "t",
    test_se: str = "nonnull",
    population_size: float | None = None,
    bootstrap: int = 2000,
    seed: int | None = None,
    ci_method: str = "percentile",
) -> AgreementResult:
    """Estimate one coefficient with its inference.

    The default variance follows the input, as R irrCAC does: ``table`` (divisor n) for a
    contingency table, ``linearized`` (divisor n − 1) for long and counts input.
    """
    if metric is not None:
        from grading.agreement.krippendorff import krippendorff_alpha

        if coefficient != "krippendorff":
            raise ValueError("--metric applies to Krippendorff's alpha only.")
        if variance not in (None, "bootstrap", "jackknife"):
            raise ValueError(
                "The coincidence form has an SE only under the bootstrap or jackknife variance."
            )
        if test_se != "nonnull":
            raise ValueError("A null standard error is not defined for Krippendorff's alpha.")
        return krippendorff_alpha(
            ratings,
            metric=metric,
            variance=variance,
            bootstrap=bootstrap,
            seed=seed,
            ci_method=ci_method,
            alternative=alternative,
            distribution=distribution,
        )
    if variance == "table" and ratings.kind == "matrix":
        from grading.agreement.table import table_from_pair

        if len(ratings.raters) != 2:
            raise ValueError("The table variance is a two-rater form; the data have more raters.")
        # The plug-in (FCE/SAS/irrCAC table) form needs the two raters' contingency table:
        # subjects rated by only one rater cannot enter it.
        ratings = table_from_pair(ratings)
    if ratings.kind == "table":
        from grading.agreement.table import table_coefficient

        return table_coefficient(
            ratings,
            coefficient=coefficient,
            weights=weights,
            variance=variance or "table",
            alternative=alternative,
            distribution=distribution,
            test_se=test_se,
            population_size=population_size,
        )
    from grading.agreement.raw import raw_coefficient

    return raw_coefficient(
        ratings,
        coefficient=coefficient,
        weights=weights,
        variance=variance or "linearized",
        alternative=alternative,
        distribution=distribution,
        test_se=test_se,
        population_size=population_size,
        bootstrap=bootstrap,
        seed=seed,
        ci_method=ci_method,
    )


def compare(
    ratings: Ratings,
    *,
    coefficient: str,
    pair_a: tuple,
    pair_b: tuple,
    weights: str | np.ndarray = "identity",
    variance: str | None = None,
    alternative: str = "two-sided",
    distribution: str = "t",
    population_size: float | None = None,
    bootstrap: int = 2000,
    seed: int | None = None,
    ci_method: str = "percentile",
) -> DifferenceResult:
    """Difference of two dependent coefficients on the same subjects (Gwet 2016)."""
    from grading.agreement.paired import compare_coefficients

    return compare_coefficients(
        ratings,
        coefficient=coefficient,
        pair_a=pair_a,
        pair_b=pair_b,
        weights=weights,
        variance=variance or "linearized",
        alternative=alternative,
        distribution=distribution,
        population_size=population_size,
        bootstrap=bootstrap,
        seed=seed,
        ci_method=ci_method,
    )


def recall_compare(clusters, a, b, *, method: str) -> dict:
    """Recall of two readers on the same reference-positive findings, as the CLI prints it."""
    from grading.agreement.recall import mcnemar_test, obuchowski_test

    a, b = np.asarray(a, dtype=int), np.asarray(b, dtype=int)
    if method == "obuchowski":
        result = obuchowski_test(clusters, a, b)
    else:
        kind = {"mcnemar": "asymptotic", "mcnemar-corrected": "corrected", "mcnemar-exact": "exact"}
        result = mcnemar_test(a, b, method=kind[method])
    # The difference and its (unrestricted) SE and 95% CI: Obuchowski's clustered form only.
    clustered = method == "obuchowski"
    low, high = result.confidence_interval(0.95) if clustered else (None, None)
    return {
        "statistic": result.statistic,
        "p_value": result.pvalue,
        "recall_a": float(a.mean()),
        "recall_b": float(b.mean()),
        "difference": float(a.mean() - b.mean()),
        "standard_error": result.standard_error if clustered else None,
        "ci_low": low,
        "ci_high": high,
        "n_findings": int(a.size),
        "n_clusters": int(len(set(np.asarray(clusters).tolist()))),
        "method": method,
    }


def _named(coefficient: str, summary: str):
    def function(ratings: Ratings, **options) -> AgreementResult:
        return estimate(ratings, coefficient=coefficient, **options)

    function.__name__ = function.__qualname__ = {
        "cohen": "cohen_kappa",
        "scott": "scott_pi",
        "gwet": "gwet_ac",
        "fleiss": "fleiss_kappa",
        "conger": "conger_kappa",
        "brennan_prediger": "brennan_prediger",
        "percent": "percent_agreement",
        "krippendorff": "krippendorff_alpha",
    }[coefficient]
    function.__doc__ = (
        f"{summary}\n\nA shorthand for ``estimate(ratings, coefficient={coefficient!r}, **options)``;"
        " see :func:`estimate` for the options."
    )
    return function


cohen_kappa = _named("cohen", "Cohen's κ (two raters; weighted with ``weights``).")
scott_pi = _named("scott", "Scott's π (two raters).")
gwet_ac = _named("gwet", "Gwet's AC1 (identity weights) or AC2 (other weights).")
fleiss_kappa = _named("fleiss", "Fleiss' generalised κ (any raters, missing ratings allowed).")
conger_kappa = _named("conger", "Conger's κ (generalised Cohen, named raters).")
brennan_prediger = _named("brennan_prediger", "Brennan–Prediger coefficient.")
percent_agreement = _named("percent", "Percent agreement.")
krippendorff_alpha = _named(
    "krippendorff", "Krippendorff's α: Gwet's raw form, or the coincidence form with ``metric``."
)

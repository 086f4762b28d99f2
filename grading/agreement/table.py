"""Two-rater agreement coefficients from a q × q contingency table.

The reference implementation is R irrCAC 1.4 (``kappa2.table``, ``scott2.table``,
``gwet.ac1.table``, ``bp2.table``, ``krippen2.table``, ``pa2.table``; Gwet 2014, ch. 2–3).
With p_kl = n_kl / n, row margins p_k+ (rater A) and column margins p_+l (rater B), weights
w_kl and p_a = Σ w_kl p_kl, every coefficient is (p_a − p_e) / (1 − p_e) (handbook
statistics §3):

==================  ================================================================
coefficient         chance agreement p_e
==================  ================================================================
cohen               Σ w_kl p_k+ p_+l                               (Cohen 1968)
scott               Σ w_kl π_k π_l,  π_k = (p_k+ + p_+k) / 2       (Scott 1955)
gwet                T_w / (q(q − 1)) · Σ π_k (1 − π_k),  T_w = Σ w_kl   (Gwet 2008)
brennan_prediger    T_w / q²                                       (Brennan & Prediger 1981)
percent             0 (the coefficient is p_a itself)
krippendorff        Scott's p_e, p_a replaced by (1 − ε) p_a + ε, ε = 1/(2n)
==================  ================================================================

References
----------
Fleiss, Cohen & Everitt (1969), Psychol Bull 72:323. Gwet (2008), Br J Math Stat Psychol
61:29. Gwet (2014), *Handbook of Inter-Rater Reliability*, 4th ed.
"""

from __future__ import annotations

import numpy as np

from grading.agreement._common import ALTERNATIVES, AgreementResult
from grading.agreement.data import Ratings
from grading.agreement.weights import weight_matrix

__all__ = ["COEFFICIENTS", "table_coefficient", "table_from_pair"]

COEFFICIENTS = ("cohen", "scott", "gwet", "brennan_prediger", "percent", "krippendorff")
TABLE_VARIANCES = ("table", "linearized")


def table_from_pair(ratings: Ratings) -> Ratings:
    """The q × q contingency table of a two-rater matrix, from complete pairs only.

    Parameters
    ----------
    ratings : Ratings
        ``kind="matrix"`` with exactly two raters (see :meth:`Ratings.pair`).

    Returns
    -------
    Ratings
        ``kind="table"``: rows are the first rater, columns the second, on the same declared
        categories. Subjects rated by only one of the two raters are left out, since a
        contingency table has no cell for them.
    """
    if ratings.kind != "matrix":
        raise ValueError(f"ratings must be a two-rater matrix; got kind {ratings.kind!r}.")
    if ratings.matrix.shape[1] != 2:
        raise ValueError(
            f"ratings has {ratings.matrix.shape[1]} raters; select two with ratings.pair(a, b)."
        )
    complete = np.all(ratings.matrix >= 0, axis=1)
    rows, columns = ratings.matrix[complete, 0], ratings.matrix[complete, 1]
    table = np.zeros((ratings.q, ratings.q))
    np.add.at(table, (rows, columns), 1.0)
    return Ratings(
        kind="table",
        categories=ratings.categories,
        table=table,
        raters=ratings.raters,
        categories_inferred=ratings.categories_inferred,
    )


def _sampled_fraction(n: float, population_size: float | None) -> float:
    if population_size is None:
        return 0.0
    if not population_size >= n:  # also rejects nan
        raise ValueError(
            f"population_size ({population_size}) must be at least the {n:g} rated subjects."
        )
    return float(n / population_size)


def _plug_in(
    p: np.ndarray, w: np.ndarray, coefficient: str, n: float
) -> tuple[float, float, float, float]:
    """(estimate, p_a as reported, p_e, n·Var/(1 − f)) of one coefficient on proportions p.

    The variance expressions are irrCAC's table forms (handbook statistics §3); they share
    Σ p_kl (w_kl − c_kl)² − (p_a − 2(1 − κ)p_e)², which for Cohen is Fleiss, Cohen & Everitt's
    Σ p_kl (w_kl − (w̄_k+ + w̄_+l)(1 − κ))² − (κ − p_e(1 − κ))² times (1 − p_e)².
    """
    q = p.shape[0]
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pa = float(np.sum(w * p))
    total_w = float(w.sum())
    second_moment = float(np.sum(p * w**2))
    if coefficient == "percent":
        return pa, pa, 0.0, second_moment - pa**2
    if coefficient == "brennan_prediger":
        pe = total_w / q**2
        if np.isclose(pe, 1.0, rtol=0, atol=1e-12):  # a custom all-ones weight matrix
            return float("nan"), pa, pe, float("nan")
        return (pa - pe) / (1 - pe), pa, pe, (second_moment - pa**2) / (1 - pe) ** 2
    pi = (rows + cols) / 2
    if coefficient == "cohen":
        pe = float(rows @ w @ cols)
        # w̄_k+ = Σ_l w_kl p_+l (row k) and w̄_+l = Σ_k w_kl p_k+ (column l).
        margin_terms = (w @ cols)[:, None] + (w.T @ rows)[None, :]
    elif coefficient == "gwet":
        pe = total_w / (q * (q - 1)) * float(np.sum(pi * (1 - pi)))
    else:  # scott, krippendorff
        pe = float(pi @ w @ pi)
        # irrCAC averages the two raters' weighted margins, w̄_k = (w̄_k+ + w̄_+k) / 2.
        mean_margin = (w @ cols + w.T @ rows) / 2
        margin_terms = mean_margin[:, None] + mean_margin[None, :]
    if np.isclose(pe, 1.0, rtol=0, atol=1e-12):
        return float("nan"), pa, pe, float("nan")
    coef = (pa - pe) / (1 - pe)
    if coefficient == "gwet":
        centre = 2 * (1 - coef) * total_w / (q * (q - 1)) * (1 - (pi[:, None] + pi[None, :]) / 2)
    else:
        centre = (1 - coef) * margin_terms
    spread = float(np.sum(p * (w - centre) ** 2)) - (pa - 2 * (1 - coef) * pe) ** 2
    unit_variance = spread / (1 - pe) ** 2
    if coefficient == "krippendorff":
        # krippen2.table: only the printed p_a carries Krippendorff's small-sample term; the
        # SE is Scott's, computed around the unadjusted coefficient (handbook §3, §13).
        eps = 1 / (2 * n)
        pa_adjusted = (1 - eps) * pa + eps
        return (pa_adjusted - pe) / (1 - pe), pa_adjusted, pe, unit_variance
    return coef, pa, pe, unit_variance


def _cohen_null_unit_variance(p: np.ndarray, w: np.ndarray) -> float:
    """n·Var0 of Cohen's κ under H0: κ = 0 (FCE 1969; SAS's "ASE under H0")."""
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pe = float(rows @ w @ cols)
    if np.isclose(pe, 1.0, rtol=0, atol=1e-12):
        return float("nan")
    margin_terms = (w @ cols)[:, None] + (w.T @ rows)[None, :]
    spread = float(np.sum(np.outer(rows, cols) * (w - margin_terms) ** 2)) - pe**2
    return spread / (1 - pe) ** 2


def _standard_error(unit_variance: float, scale: float) -> float:
    if not np.isfinite(unit_variance):
        return float("nan")
    # The exact variance of a perfectly concentrated table is 0; rounding can leave −1e−17.
    return float(np.sqrt(max(unit_variance * scale, 0.0)))


def _check_options(coefficient, variance, alternative, distribution, test_se) -> None:
    if coefficient in ("fleiss", "conger"):
        suggestion = "scott" if coefficient == "fleiss" else "cohen"
        raise ValueError(
            f"coefficient {coefficient!r} is a multi-rater coefficient; on a two-rater table it "
            f"reduces to coefficient={suggestion!r}."
        )
    if coefficient not in COEFFICIENTS:
        raise ValueError(f"coefficient must be one of {COEFFICIENTS}; got {coefficient!r}.")
    if variance not in TABLE_VARIANCES:
        raise ValueError(
            f"variance must be one of {TABLE_VARIANCES} for a table; got {variance!r} "
            "(cluster, bootstrap and jackknife variances need per-subject ratings)."
        )
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}; got {alternative!r}.")
    if distribution not in ("t", "normal"):
        raise ValueError(f"distribution must be 't' or 'normal'; got {distribution!r}.")
    if test_se not in ("nonnull", "null"):
        raise ValueError(f"test_se must be 'nonnull' or 'null'; got {test_se!r}.")
    if test_se == "null" and coefficient != "cohen":
        raise ValueError("test_se='null' is defined for coefficient='cohen' only.")


def table_coefficient(
    ratings: Ratings,
    *,
    coefficient: str,
    weights: str | np.ndarray = "identity",
    variance: str = "table",
    alternative: str = "two-sided",
    distribution: str = "t",
    test_se: str = "nonnull",
    population_size: float | None = None,
) -> AgreementResult:
    """A two-rater agreement coefficient and its plug-in standard error from a table.

    Parameters
    ----------
    ratings : Ratings
        ``kind="table"``: a q × q table of counts, rater A in rows, rater B in columns (build
        one from long input with :func:`table_from_pair`).
    coefficient : {"cohen", "scott", "gwet", "brennan_prediger", "percent", "krippendorff"}
        ``gwet`` is AC1 with identity weights and AC2 otherwise.
    weights : str or array_like, default "identity"
        A name accepted by :func:`grading.agreement.weights.weight_matrix` or a q × q matrix
        of agreement weights, always on the declared categories.
    variance : {"table", "linearized"}, default "table"
        ``table``: irrCAC's plug-in variance with divisor n,
        Var = (1 − f) · [Σ p_kl (w_kl − c_kl)² − (p_a − 2(1 − κ)p_e)²] / (n(1 − p_e)²), where
        c_kl = (1 − κ)(w̄_k+ + w̄_+l) for Cohen (FCE 1969), the same with averaged margins for
        Scott, and 2(1 − κ)T_w(1 − (π_k + π_l)/2)/(q(q − 1)) for Gwet; Brennan–Prediger
        (1 − f)(Σ p_kl w_kl² − p_a²)/(n(1 − p_e)²); percent agreement (1 − f)(Σ p_kl w_kl² −
        p_a²)/n. ``linearized``: the same with divisor n − 1, i.e. the SE times √(n/(n − 1)),
        which is what Gwet's linearisation of the raw ratings gives (handbook §12.5).
    alternative : {"two-sided", "greater"}, default "two-sided"
        Sidedness of the p-value for H0: coefficient = 0 (irrCAC ≥ 1.0 prints "greater").
    distribution : {"t", "normal"}, default "t"
        Reference for CI and p: t with n − 1 degrees of freedom (irrCAC) or the normal
        (statsmodels, SAS).
    test_se : {"nonnull", "null"}, default "nonnull"
        Which SE the test uses; ``null`` (Cohen only) is the FCE variance under H0: κ = 0,
        Var0 = [Σ p_k+ p_+l (w_kl − (w̄_k+ + w̄_+l))² − p_e²] / (n(1 − p_e)²).
    population_size : float, optional
        N for the finite-population factor 1 − f, f = n/N, applied to the non-null variance
        (default: N = ∞, f = 0).

    Returns
    -------
    AgreementResult
        ``standard_error_null`` holds Cohen's null SE (divisor n whatever ``variance`` and
        ``population_size``, as SAS and statsmodels print it) and is None for the other
        coefficients. For Krippendorff,
        ``pa`` is irrCAC's (1 − ε)p_a + ε with ε = 1/(2n), ``pe`` Scott's, and the SE Scott's
        table SE, as ``krippen2.table`` prints them.

    Raises
    ------
    ValueError
        For input other than a table, fewer than two rated subjects, or an unknown option
        (each message names the parameter).

    Notes
    -----
    Degenerate tables give deliberate results, recorded in ``notes``: when p_e = 1 (both
    raters used one and the same category) the coefficient is 0/0 and reported as nan with a
    nan SE; when the plug-in variance is 0 (e.g. all counts in one cell) the SE is 0, so the
    t statistic and p-value are nan and the interval collapses to the point. R irrCAC floors
    such variances at 1e−100 instead, which prints p = 0.

    References
    ----------
    Fleiss, J. L., Cohen, J., Everitt, B. S. (1969). Large sample standard errors of kappa and
    weighted kappa. Psychol Bull 72:323–327. Gwet, K. L. (2014). *Handbook of Inter-Rater
    Reliability*, 4th ed., ch. 2–3. R irrCAC 1.4, ``R/agree.coeff2.r``.

    Examples
    --------
    >>> from grading.agreement.data import Ratings
    >>> t = Ratings.from_table([[13, 0, 0], [0, 20, 7], [0, 4, 56]], categories=(1, 2, 3))
    >>> round(table_coefficient(t, coefficient="cohen").estimate, 7)  # irrCAC README
    0.7964094
    """
    if ratings.kind != "table":
        raise ValueError(
            f"ratings must be a contingency table (kind 'table'), got kind {ratings.kind!r}; "
            "build one from two raters with table_from_pair(ratings.pair(a, b))."
        )
    _check_options(coefficient, variance, alternative, distribution, test_se)
    w = weight_matrix(weights, ratings.categories)
    counts = np.asarray(ratings.table, dtype=float)
    n = float(counts.sum())
    if n < 2:
        raise ValueError(f"ratings: the table holds {n:g} subjects; at least 2 are needed.")
    f = _sampled_fraction(n, population_size)
    p = counts / n
    estimate, pa, pe, unit_variance = _plug_in(p, w, coefficient, n)
    divisor = n if variance == "table" else n - 1
    se = _standard_error(unit_variance, (1 - f) / divisor)
    se_null = None
    if coefficient == "cohen":
        # The null SE is the SAS/statsmodels "ASE under H0": divisor n, no finite-population
        # factor (the CLI contract: --population-size applies to the non-null SE only).
        se_null = _standard_error(_cohen_null_unit_variance(p, w), 1 / n)
    notes = []
    if not np.isfinite(estimate):
        notes.append(
            "Chance agreement p_e = 1 (both raters used one category, or all weights are 1): "
            "the coefficient is 0/0 and reported as nan."
        )
    elif se == 0:
        notes.append(
            "The plug-in variance is 0 (the table leaves nothing to vary, e.g. one occupied "
            "cell): SE 0, no test statistic, a zero-width interval."
        )
    if ratings.categories_inferred:
        notes.append(
            "Categories were inferred from the data; weighted coefficients, AC and BP depend "
            "on the declared category set (handbook statistics §12.1)."
        )
    return AgreementResult(
        coefficient=coefficient,
        estimate=float(estimate),
        standard_error=se,
        pa=float(pa),
        pe=float(pe),
        n_subjects=int(round(n)),
        n_raters=2,
        categories=tuple(ratings.categories),
        weights=w,
        weights_name=weights if isinstance(weights, str) else "custom",
        variance=variance,
        df=n - 1 if distribution == "t" else None,
        standard_error_null=se_null,
        alternative=alternative,
        test_se=test_se,
        ci_method="t",
        notes=tuple(notes),
    )

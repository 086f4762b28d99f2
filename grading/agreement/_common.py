"""Result objects and inference shared by every coefficient.

Conventions (handbook statistics §12), all recorded on the result:

- The standard error is the non-null one; the null SE (H0: coefficient = 0) exists only for
  Cohen's κ and unweighted Fleiss κ and is used for the test only when asked.
- Confidence intervals are two-sided, estimate ± t(df)·SE (or the normal quantile when
  ``df`` is None), upper bound clipped at 1 as in R irrCAC, the clipping flagged.
- p-values are two-sided by default; ``alternative="greater"`` gives the one-sided p of
  irrCAC ≥ 1.0.
- Nothing is rounded inside a computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from grading.agreement._distributions import norm_cdf, norm_ppf, norm_sf, t_ppf, t_sf

ALTERNATIVES = ("two-sided", "greater")
VARIANCES = ("linearized", "table", "cluster", "bootstrap", "jackknife")
# "none": the coincidence form of Krippendorff's alpha without a resampling variance.


class ConfidenceInterval(NamedTuple):
    low: float
    high: float


def _check_level(confidence_level: float) -> None:
    if not 0 < confidence_level < 1:
        raise ValueError("confidence_level must lie strictly between 0 and 1.")


def critical_value(confidence_level: float, df: float | None) -> float:
    """Two-sided quantile: t(df) or the standard normal when ``df`` is None."""
    _check_level(confidence_level)
    q = 0.5 + confidence_level / 2
    return norm_ppf(q) if df is None else t_ppf(q, df)


def test_pvalue(statistic: float, df: float | None, alternative: str) -> float:
    """p of a t (or z) statistic against 0; nan when the statistic is undefined."""
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}.")
    if not np.isfinite(statistic):
        return float("nan")

    def upper_tail(x: float) -> float:
        return norm_sf(x) if df is None else t_sf(x, df)

    if alternative == "greater":
        return upper_tail(statistic)
    return 2 * upper_tail(abs(statistic))


test_pvalue.__test__ = False  # a statistics function, not a pytest test


def percentile_interval(replicates: np.ndarray, confidence_level: float) -> ConfidenceInterval:
    _check_level(confidence_level)
    alpha = 1 - confidence_level
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return ConfidenceInterval(float("nan"), float("nan"))
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return ConfidenceInterval(float(low), float(high))


def bca_interval(
    replicates: np.ndarray, estimate: float, jackknife: np.ndarray, confidence_level: float
) -> ConfidenceInterval:
    """Bias-corrected and accelerated interval (Efron 1987; Efron & Tibshirani 1993, §14.3).

    ``jackknife`` holds the delete-one-cluster estimates that give the acceleration.
    """
    _check_level(confidence_level)
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return ConfidenceInterval(float("nan"), float("nan"))
    below = (np.sum(finite < estimate) + 0.5 * np.sum(finite == estimate)) / finite.size
    if below in (0.0, 1.0):  # every replicate on one side: no bias correction is estimable
        return percentile_interval(finite, confidence_level)
    z0 = norm_ppf(below)
    centred = jackknife.mean() - jackknife
    denominator = 6 * np.sum(centred**2) ** 1.5
    acceleration = np.sum(centred**3) / denominator if denominator > 0 else 0.0
    alpha = 1 - confidence_level
    bounds = []
    for z in (norm_ppf(alpha / 2), norm_ppf(1 - alpha / 2)):
        adjusted = norm_cdf(z0 + (z0 + z) / (1 - acceleration * (z0 + z)))
        bounds.append(np.quantile(finite, adjusted))
    return ConfidenceInterval(float(bounds[0]), float(bounds[1]))


def unclipped_interval(result, confidence_level: float) -> ConfidenceInterval:
    """A result's two-sided interval by its ``ci_method``: bootstrap percentile or BCa, else
    estimate ± critical value × SE."""
    if result.ci_method == "percentile" and result.replicates is not None:
        return percentile_interval(result.replicates, confidence_level)
    if result.ci_method == "bca" and result.replicates is not None:
        if result.jackknife_estimates is None:
            raise ValueError("A BCa interval needs the jackknife estimates.")
        return bca_interval(
            result.replicates, result.estimate, result.jackknife_estimates, confidence_level
        )
    half = critical_value(confidence_level, result.df) * result.standard_error
    return ConfidenceInterval(result.estimate - half, result.estimate + half)


@dataclass(frozen=True, eq=False)
class AgreementResult:
    """An agreement coefficient with its inference.

    Attributes
    ----------
    coefficient : str
        ``cohen``, ``scott``, ``gwet``, ``fleiss``, ``conger``, ``brennan_prediger``,
        ``percent`` or ``krippendorff``.
    estimate : float
        The coefficient.
    standard_error : float
        Non-null standard error under ``variance`` (nan where not estimable).
    standard_error_null : float or None
        SE under H0: coefficient = 0 where defined (Cohen; unweighted Fleiss), else None.
    pa, pe : float
        Observed and chance agreement.
    n_subjects, n_raters : int
        Subjects with at least one rating; raters (largest number of ratings of a subject for
        counts input).
    categories : tuple
        The declared categories, in order.
    weights : numpy.ndarray
        The q × q agreement-weight matrix used.
    weights_name : str
        ``identity``, ``linear``, …, or ``custom``.
    variance : str
        ``linearized`` (divisor n − 1), ``table`` (divisor n), ``cluster``, ``bootstrap`` or
        ``jackknife``.
    df : float or None
        Degrees of freedom of the t reference; None for the normal.
    alternative : str
        ``two-sided`` or ``greater``.
    test_se : str
        ``nonnull`` or ``null``: which SE the p-value uses.
    n_clusters : int or None
        Clusters used by cluster, bootstrap and jackknife variances.
    replicates : numpy.ndarray or None
        Bootstrap replicates (bootstrap variance only).
    ci_method : str
        ``t`` (or normal, by ``df``), ``percentile`` or ``bca``.
    notes : tuple of str
        Deliberate handling of degenerate data, inferred categories, and similar.
    """

    coefficient: str
    estimate: float
    standard_error: float
    pa: float
    pe: float
    n_subjects: int
    n_raters: int
    categories: tuple
    weights: np.ndarray
    weights_name: str
    variance: str
    df: float | None
    standard_error_null: float | None = None
    alternative: str = "two-sided"
    test_se: str = "nonnull"
    n_clusters: int | None = None
    replicates: np.ndarray | None = None
    jackknife_estimates: np.ndarray | None = None
    ci_method: str = "t"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def distribution(self) -> str:
        return "normal" if self.df is None else "t"

    @property
    def statistic(self) -> float:
        se = self.standard_error_null if self.test_se == "null" else self.standard_error
        if se is None or not np.isfinite(se) or se <= 0:
            return float("nan")
        return self.estimate / se

    @property
    def pvalue(self) -> float:
        """p for H0: coefficient = 0, by ``alternative`` and ``test_se``."""
        return test_pvalue(self.statistic, self.df, self.alternative)

    @property
    def ci_clipped(self) -> bool:
        return self._raw_interval(0.95).high > 1

    def _raw_interval(self, confidence_level: float) -> ConfidenceInterval:
        return unclipped_interval(self, confidence_level)

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Two-sided interval; the upper bound is clipped at 1 (R irrCAC's convention)."""
        low, high = self._raw_interval(confidence_level)
        return ConfidenceInterval(low, min(high, 1.0) if np.isfinite(high) else high)


@dataclass(frozen=True, eq=False)
class DifferenceResult:
    """The difference of two dependent coefficients on the same subjects (a − b)."""

    difference: float
    standard_error: float
    estimate_a: float
    estimate_b: float
    n_subjects: int
    df: float | None
    variance: str
    alternative: str = "two-sided"
    n_clusters: int | None = None
    replicates: np.ndarray | None = None
    jackknife_estimates: np.ndarray | None = None
    ci_method: str = "t"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def estimate(self) -> float:
        return self.difference

    @property
    def statistic(self) -> float:
        if not np.isfinite(self.standard_error) or self.standard_error <= 0:
            return float("nan")
        return self.difference / self.standard_error

    @property
    def pvalue(self) -> float:
        """p for H0: no difference."""
        return test_pvalue(self.statistic, self.df, self.alternative)

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Two-sided interval, never clipped (a difference lives in [−2, 2])."""
        return unclipped_interval(self, confidence_level)

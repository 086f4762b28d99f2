"""Multiplicity across levels and regions: Holm's step-down adjustment (handbook §15.4)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class HolmResult:
    """Holm-adjusted p-values in the input order, and which hypotheses are rejected at
    ``alpha`` (family-wise error rate). Missing p-values stay nan and are never rejected."""

    pvalues: np.ndarray
    pvalues_adjusted: np.ndarray
    reject: np.ndarray
    alpha: float
    n_tests: int


def holm(pvalues, *, alpha: float = 0.05) -> HolmResult:
    """Holm's (1979) step-down adjustment of p-values for the family-wise error rate.

    Parameters
    ----------
    pvalues : array_like
        One p-value per hypothesis, each in [0, 1]; nan marks a test that could not be done.
    alpha : float
        Family-wise error rate for ``reject``.

    Returns
    -------
    HolmResult

    Notes
    -----
    With the m non-missing p-values sorted, p_(1) ≤ … ≤ p_(m), the adjusted values are

        p̃_(i) = min(1, max_{j ≤ i} (m − j + 1) p_(j)),

    monotone in the raw order and never below the raw p; H_(i) is rejected when p̃_(i) ≤ α,
    which is the step-down rule "reject while p_(i) ≤ α/(m − i + 1)". Ties keep their
    input order. nan p-values are left out of m.

    References
    ----------
    Holm S (1979) Scand J Stat 6:65, https://www.jstor.org/stable/4615733.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).pvalues_adjusted
    array([0.03, 0.06, 0.06])
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}.")
    raw = np.asarray(pvalues, dtype=float)
    if raw.ndim != 1:
        raise ValueError("pvalues must be one-dimensional.")
    present = ~np.isnan(raw)
    if np.any((raw[present] < 0) | (raw[present] > 1)):
        raise ValueError("pvalues must lie in [0, 1].")
    m = int(present.sum())
    adjusted = np.full(raw.shape, np.nan)
    if m:
        index = np.flatnonzero(present)
        order = index[np.argsort(raw[index], kind="stable")]
        scaled = (m - np.arange(m)) * raw[order]
        adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    reject = np.zeros(raw.shape, dtype=bool)
    reject[present] = adjusted[present] <= alpha
    return HolmResult(raw, adjusted, reject, float(alpha), m)

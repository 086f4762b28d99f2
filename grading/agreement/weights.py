"""Agreement-weight matrices, always built on the *declared* categories.

Definitions follow Gwet (2014), *Handbook of Inter-Rater Reliability*, 4th ed., ch. 3, as
implemented in R irrCAC 1.4 (``weights.gen.r``): numeric categories use their values (sorted),
other categories their ranks 1..q. Weights are *agreement* weights (1 on the diagonal);
statsmodels and R ``irr`` take disagreement weights 1 − w.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

WEIGHT_NAMES = (
    "identity",
    "linear",
    "quadratic",
    "ordinal",
    "radical",
    "ratio",
    "circular",
    "bipolar",
)


def category_scores(categories: Sequence) -> np.ndarray:
    """Numeric scores of the categories, or their ranks 1..q when they are not numbers."""
    try:
        scores = np.asarray([float(c) for c in categories], dtype=float)
    except (TypeError, ValueError):
        return np.arange(1, len(categories) + 1, dtype=float)
    if np.any(np.diff(scores) <= 0):
        raise ValueError("Numeric categories must be declared in strictly increasing order.")
    return scores


def weight_matrix(weights: str | np.ndarray, categories: Sequence) -> np.ndarray:
    """The q × q agreement-weight matrix for ``categories``.

    Parameters
    ----------
    weights : str or array_like
        One of ``identity``, ``linear``, ``quadratic``, ``ordinal``, ``radical``, ``ratio``,
        ``circular``, ``bipolar``, or a custom q × q matrix of agreement weights with ones on
        the diagonal and values in [0, 1].
    categories : sequence
        The declared categories, in order (e.g. grades 0–3 even when 3 is unused).

    Returns
    -------
    numpy.ndarray
        Agreement weights w_kl, w_kk = 1.

    Raises
    ------
    ValueError
        For an unknown name, a malformed custom matrix, weights other than identity on
        non-numeric categories, or ratio weights with a category 0 (undefined: R irrCAC
        returns NaN there, kgwet/irrCAC#6).
    """
    q = len(categories)
    if q < 2:
        raise ValueError("At least two categories are needed.")
    if not isinstance(weights, str):
        matrix = np.asarray(weights, dtype=float)
        if matrix.shape != (q, q):
            raise ValueError(f"A custom weight matrix must be {q} × {q} for {q} categories.")
        if not np.all(np.isfinite(matrix)):
            raise ValueError("Custom weights must be finite numbers.")
        if not np.allclose(np.diag(matrix), 1) or np.any(matrix < 0) or np.any(matrix > 1):
            raise ValueError("Custom weights must lie in [0, 1] with ones on the diagonal.")
        return matrix
    if weights not in WEIGHT_NAMES:
        raise ValueError(f"Unknown weights {weights!r}; use one of {', '.join(WEIGHT_NAMES)}.")
    if weights == "identity":
        return np.eye(q)
    if weights == "ordinal":  # Gwet's ordinal weights use ranks only, like irrCAC's
        ranks = np.arange(1, q + 1)
        rk, rl = np.meshgrid(ranks, ranks, indexing="ij")
        m = np.abs(rk - rl) + 1
        distance = m * (m - 1) / 2
        return 1 - distance / distance.max()
    try:
        [float(c) for c in categories]
    except (TypeError, ValueError):
        raise ValueError(f"{weights} weights need numeric categories.") from None
    x = category_scores(categories)
    xk, xl = np.meshgrid(x, x, indexing="ij")
    span = x[-1] - x[0]
    if weights == "linear":
        return 1 - np.abs(xk - xl) / span
    if weights == "quadratic":
        return 1 - (xk - xl) ** 2 / span**2
    if weights == "radical":
        return 1 - np.sqrt(np.abs(xk - xl)) / np.sqrt(span)
    if weights == "ratio":
        if np.any(x == 0) or np.any(xk + xl == 0):
            raise ValueError("Ratio weights are undefined with a category 0; code the scale 1..q.")
        ratio = ((xk - xl) / (xk + xl)) ** 2
        return 1 - ratio / (span / (x[-1] + x[0])) ** 2
    if weights == "circular":
        distance = np.sin(np.pi * (xk - xl) / (span + 1)) ** 2
        return 1 - distance / distance.max()
    # bipolar
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = (xk - xl) ** 2 / ((xk + xl - 2 * x[0]) * (2 * x[-1] - xk - xl))
    distance[np.eye(q, dtype=bool)] = 0
    return 1 - distance / distance.max()

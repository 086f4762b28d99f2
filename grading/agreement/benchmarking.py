"""Benchmarking an agreement coefficient on the Landis–Koch, Altman or Fleiss scale.

Gwet's (2014, ch. 6) probabilistic benchmarking: instead of reading the band the point
estimate falls in, compute for each band the probability that the true coefficient lies in
it, under a normal with the estimate's mean and SE truncated to [−1, 1], accumulate these
from the top band down, and retain the highest band whose cumulative probability reaches
0.95. R irrCAC's ``landis.koch.bf``, ``altman.bf`` and ``fleiss.bf`` print the cumulative
column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import special


class Band(NamedTuple):
    """One band of a scale with its membership and cumulative (this band or better)
    probabilities."""

    label: str
    low: float
    high: float
    probability: float
    cumulative: float


# (low, high, label), top band first, as in irrCAC's data sets landis.koch, altman, fleiss.
SCALES: dict[str, tuple[tuple[float, float, str], ...]] = {
    "landis_koch": (
        (0.8, 1.0, "almost perfect"),
        (0.6, 0.8, "substantial"),
        (0.4, 0.6, "moderate"),
        (0.2, 0.4, "fair"),
        (0.0, 0.2, "slight"),
        (-1.0, 0.0, "poor"),
    ),
    "altman": (
        (0.8, 1.0, "very good"),
        (0.6, 0.8, "good"),
        (0.4, 0.6, "moderate"),
        (0.2, 0.4, "fair"),
        (-1.0, 0.2, "poor"),
    ),
    "fleiss": (
        (0.75, 1.0, "excellent"),
        (0.4, 0.75, "intermediate to good"),
        (-1.0, 0.4, "poor"),
    ),
}


@dataclass(frozen=True, eq=False)
class BenchmarkResult:
    """Membership probabilities of a coefficient on one scale; ``band`` is the highest band
    whose cumulative probability is at least ``threshold``."""

    estimate: float
    standard_error: float
    scale: str
    bands: tuple[Band, ...]
    threshold: float

    @property
    def band(self) -> Band | None:
        """None only when a custom scale leaves part of [−1, 1] uncovered."""
        return next((b for b in self.bands if b.cumulative >= self.threshold), None)

    @property
    def label(self) -> str | None:
        return None if self.band is None else self.band.label


def benchmark(
    coefficient, standard_error: float | None = None, *, scale="landis_koch", threshold=0.95
) -> BenchmarkResult:
    """Gwet's benchmark membership probabilities for an agreement coefficient.

    Parameters
    ----------
    coefficient : float or result
        The estimate, or a result object with ``estimate`` and ``standard_error``.
    standard_error : float, optional
        Its standard error (required with a float).
    scale : {"landis_koch", "altman", "fleiss"} or sequence of (low, high, label)
        The benchmark scale; a custom one lists its bands from the top down.
    threshold : float
        Cumulative probability a band must reach to be retained (Gwet: 0.95).

    Returns
    -------
    BenchmarkResult

    Notes
    -----
    With Φ the standard normal cdf, κ̂ the estimate and s its SE, band [l, u] has probability

        P(l < κ ≤ u) = [Φ((κ̂ − l)/s) − Φ((κ̂ − u)/s)] / [Φ((κ̂ + 1)/s) − Φ((κ̂ − 1)/s)],

    the cumulative probability of a band is the sum over it and all bands above it, and the
    bottom band's is 1. With s = 0 the whole probability sits on the estimate's band (a value
    on a boundary belongs to the upper band).

    References
    ----------
    Gwet KL (2014) *Handbook of Inter-Rater Reliability*, 4th ed., ch. 6. Advanced Analytics.
    Landis JR, Koch GG (1977) Biometrics 33:159, doi:10.2307/2529310.
    Altman DG (1991) *Practical Statistics for Medical Research*, p. 404. Chapman & Hall.
    Fleiss JL (1981) *Statistical Methods for Rates and Proportions*, 2nd ed., p. 218. Wiley.

    Examples
    --------
    >>> result = benchmark(0.77544, 0.14295)  # irrCAC benchmarking vignette, AC1
    >>> result.label, round(result.bands[1].cumulative, 5)
    ('moderate', 0.88336)
    """
    if standard_error is None:
        if not hasattr(coefficient, "estimate"):
            raise ValueError("standard_error is required when coefficient is a number.")
        coefficient, standard_error = coefficient.estimate, coefficient.standard_error
    estimate, se = float(coefficient), float(standard_error)
    if not np.isfinite(estimate):
        raise ValueError(f"coefficient must be finite, got {coefficient!r}.")
    if not (np.isfinite(se) and se >= 0):
        raise ValueError(f"standard_error must be finite and non-negative, got {se!r}.")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must lie in (0, 1], got {threshold!r}.")
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {tuple(SCALES)}, got {scale!r}.")
        name, spec = scale, SCALES[scale]
    else:
        name, spec = "custom", tuple((float(lo), float(hi), str(lab)) for lo, hi, lab in scale)
        if not spec or any(lo >= hi for lo, hi, _ in spec):
            raise ValueError("scale must list bands (low, high, label) with low < high.")
    lows = np.array([s[0] for s in spec])
    highs = np.array([s[1] for s in spec])
    if se > 0:
        mass = special.ndtr((estimate - lows) / se) - special.ndtr((estimate - highs) / se)
        total = special.ndtr((estimate + 1) / se) - special.ndtr((estimate - 1) / se)
        if not total > 0:
            raise ValueError("The estimate lies too far outside [−1, 1] for its SE.")
        probability = mass / total
    else:
        inside = (lows <= estimate) & (estimate < highs)
        inside |= (highs == highs.max()) & (estimate == highs.max())
        probability = np.where(inside & (np.cumsum(inside) == 1), 1.0, 0.0)
    cumulative = np.minimum(np.cumsum(probability), 1.0)
    edges = np.sort(np.concatenate([lows, highs]))
    if edges[0] == -1 and edges[-1] == 1 and np.all(edges[1:-1:2] == edges[2:-1:2]):
        cumulative[-1] = 1.0  # bands tile [−1, 1]: the bottom band's sum is 1, up to rounding
    bands = tuple(
        Band(label, float(lo), float(hi), float(p), float(c))
        for (lo, hi, label), p, c in zip(spec, probability, cumulative, strict=True)
    )
    return BenchmarkResult(estimate, se, name, bands, float(threshold))

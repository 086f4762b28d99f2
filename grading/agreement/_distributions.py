"""Student t and standard normal tail probabilities and quantiles, in the standard library.

Why not scipy: ``scipy.special`` costs about 0.35 s to import, more than a whole
375,000-subject computation, and the command line pays it on every call. These functions are
checked against ``scipy.stats.t`` and ``scipy.stats.norm`` in the tests.

The t upper tail is the regularised incomplete beta function,
P(T > t) = ½ · I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, evaluated by Lentz's continued fraction
(Press et al., *Numerical Recipes*, 3rd ed., §6.4; Lentz 1976, Appl Opt 15:668), with
1 − x passed separately so that no precision is lost when t² ≪ ν. Quantiles are found by
safeguarded Newton iteration on the CDF. Measured against scipy: tails within 1e-10
relative up to ν = 10⁶ and 3e-9 up to 10⁹; quantiles within 5e-9 (the conditioning of 1 − p).
"""

from __future__ import annotations

import math
from statistics import NormalDist

_NORMAL = NormalDist()
_TINY = 1e-300
_EPS = 1e-16
_MAX_ITERATIONS = 100_000
# Beyond 1e9 degrees of freedom the normal is closer to t (relative gap about (1 + t²)/(4ν))
# than the continued fraction's rounding, which grows with ν.
_NORMAL_FROM_DF = 1e9


def norm_sf(x: float) -> float:
    return 0.5 * math.erfc(x / math.sqrt(2))


def norm_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def norm_ppf(p: float) -> float:
    if not 0 < p < 1:
        return -math.inf if p == 0 else math.inf if p == 1 else math.nan
    return _NORMAL.inv_cdf(p)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b), modified Lentz (Numerical Recipes §6.4)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_ITERATIONS):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPS:
            return h
    raise ArithmeticError("The incomplete beta continued fraction did not converge.")


def _log_gamma_ratio_half(a: float) -> float:
    """ln Γ(a + ½) − ln Γ(a).

    For large a the difference of two ``lgamma`` values loses digits (ln Γ(5·10⁶) ≈ 7·10⁷),
    so the asymptotic series Γ(a+½)/Γ(a) = √a·(1 − 1/(8a) + 1/(128a²) + 5/(1024a³)
    − 21/(32768a⁴) + O(a⁻⁵)) is used there (truncation below 1e-17 for a ≥ 1000).
    """
    if a < 1000:
        return math.lgamma(a + 0.5) - math.lgamma(a)
    series = 1 - 1 / (8 * a) + 1 / (128 * a**2) + 5 / (1024 * a**3) - 21 / (32768 * a**4)
    return 0.5 * math.log(a) + math.log(series)


def _incomplete_beta(a: float, b: float, x: float, one_minus_x: float) -> float:
    """Regularised I_x(a, b) with 1 − x given separately (exact when x is near 1)."""
    if x <= 0:
        return 0.0
    if one_minus_x <= 0:
        return 1.0
    # −ln B(a, b) = ln Γ(a+b) − ln Γ(a) − ln Γ(b)
    if b == 0.5:
        minus_log_beta = _log_gamma_ratio_half(a) - math.lgamma(0.5)
    else:
        minus_log_beta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    # log1p of the smaller side: x = ν/(ν+t²) is within 1e-12 of 1 for huge ν, and only
    # 1 − x carries full precision there.
    log_x = math.log1p(-one_minus_x) if x > 0.5 else math.log(x)
    log_one_minus_x = math.log1p(-x) if one_minus_x > 0.5 else math.log(one_minus_x)
    log_front = minus_log_beta + a * log_x + b * log_one_minus_x
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, one_minus_x) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom."""
    if math.isnan(t) or not df > 0:
        return math.nan
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    if df >= _NORMAL_FROM_DF:
        return norm_sf(t)
    t2 = t * t
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))
    return tail if t >= 0 else 1.0 - tail


def t_cdf(t: float, df: float) -> float:
    return t_sf(-t, df)


def _t_pdf(t: float, df: float) -> float:
    log_density = (
        _log_gamma_ratio_half(df / 2)
        - 0.5 * math.log(df * math.pi)
        - (df + 1) / 2 * math.log1p(t * t / df)
    )
    return math.exp(log_density)


def t_ppf(p: float, df: float) -> float:
    """The p-quantile of Student's t."""
    if math.isnan(p) or not df > 0 or not 0 <= p <= 1:
        return math.nan
    if p in (0.0, 1.0):
        return -math.inf if p == 0 else math.inf
    if df >= _NORMAL_FROM_DF:
        return norm_ppf(p)
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    if p == 0.5:
        return 0.0
    if df == 1:  # Cauchy; 1 − p is exact for p ≥ ½, so the far tail keeps its digits
        return 1.0 / math.tan(math.pi * (1.0 - p))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    tail = 1.0 - p
    low, high = 0.0, math.inf
    t = max(norm_ppf(p), 1e-3)
    for _ in range(200):
        excess = t_sf(t, df) - tail  # > 0: t is too small
        if excess > 0:
            low = t
        else:
            high = t
        step = excess / _t_pdf(t, df)
        candidate = t + step
        if not low < candidate < high:  # Newton left the bracket: bisect (or expand)
            candidate = (low + high) / 2 if math.isfinite(high) else 2 * t + 1
        if abs(candidate - t) <= 1e-15 * max(1.0, abs(t)):
            return candidate
        t = candidate
    return t

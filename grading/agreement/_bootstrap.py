"""Replicate engine for Gwet's raw framework: sufficient statistics, jackknife, bootstrap.

Every coefficient of :mod:`grading.agreement.raw` is a smooth function of a few *additive*
subject statistics, so a resampled or delete-one-cluster estimate needs only the per-cluster
sums of those statistics (handbook statistics §8: "pre-aggregate each patient"):

==================================  ========================================================
coefficient                         columns summed over the subjects i of a unit
==================================  ========================================================
gwet, fleiss, scott                 1[r_i ≥ 1], 1[r_i ≥ 2], p_a|i, r_ik / r_i (q columns)
brennan_prediger, percent           1[r_i ≥ 1], 1[r_i ≥ 2], p_a|i
conger, cohen                       1[r_i ≥ 1], 1[r_i ≥ 2], p_a|i, 1[rater g put i in k] (r·q)
krippendorff                        1[r_i ≥ 2], r_i, Σ_k r_ik(r*_ik − 1)/(r_i − 1), r_ik
                                    (the last three on subjects with r_i ≥ 2 only)
==================================  ========================================================

with p_a|i = Σ_k r_ik(r*_ik − 1)/(r_i(r_i − 1)) on subjects with r_i ≥ 2 (0 otherwise) and
r*_ik = Σ_l w_kl r_il. A bootstrap replicate is then ``counts @ sums`` for a vector of
resample counts (how often each unit was drawn), and all B replicates are one matrix product
(B × C)(C × d) followed by array arithmetic: no loop over replicates recomputes anything.
The columns depend on a subject's ratings only, so they are computed once per rating pattern
and summed over (cluster, pattern) cells (:mod:`grading.agreement._patterns`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

# 1 − p_e at or below this is "chance agreement is 1": the coefficient is undefined.
PE_TOLERANCE = 1e-12
# Resample-count cells drawn at once (B_chunk × C): bounds memory for subject-level units.
_CHUNK_CELLS = 2_000_000
_WITH_SHARES = ("gwet", "fleiss", "scott")
_WITH_RATERS = ("conger", "cohen")


def subject_agreement(rk: np.ndarray, weights: np.ndarray):
    """r_i, 1[r_i ≥ 2] and Σ_k r_ik(r*_ik − 1), the weighted ordered pairs of ratings."""
    r_i = rk.sum(axis=1)
    two = r_i >= 2
    # Σ_k r_ik (r*_ik − 1): ordered pairs of ratings of subject i, weighted by agreement.
    # (A contiguous Wᵀ keeps the n × q product on the fast BLAS path: 10× at n = 375,000.)
    pairs = np.sum(rk * (rk @ np.ascontiguousarray(weights.T) - 1.0), axis=1)
    return r_i, two, pairs


def statistic_columns(
    coefficient: str,
    weights: np.ndarray,
    rk: np.ndarray,
    matrix: np.ndarray | None = None,
) -> np.ndarray:
    """The additive statistics (n × d) of every subject (or rating pattern) that rebuild
    ``coefficient`` once summed over a unit (see the table above).

    Parameters
    ----------
    coefficient : str
        A coefficient of :mod:`grading.agreement.raw`.
    weights : ndarray, shape (q, q)
    rk : ndarray, shape (n, q)
        r_ik of the subjects (rows with no rating contribute nothing).
    matrix : ndarray of int, shape (n, r), optional
        Category positions per rater (−1 missing); required by Conger and Cohen.
    """
    r_i, two, pairs = subject_agreement(rk, weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        if coefficient == "krippendorff":
            columns = [two, r_i * two, np.where(two, pairs / (r_i - 1), 0.0)]
            columns += list((rk * two[:, None]).T)
        else:
            pa_i = np.where(two, pairs / (r_i * (r_i - 1)), 0.0)
            columns = [r_i >= 1, two, pa_i]
            if coefficient in _WITH_SHARES:
                columns += list((rk / np.where(r_i >= 1, r_i, 1.0)[:, None]).T)
    out = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    if coefficient not in _WITH_RATERS:
        return out
    # 1[rater g put the subject in k], flattened rater-major (g·q + k): summed over a unit,
    # the per-rater category counts p_gk·n_g.
    n_raters, q = matrix.shape[1], weights.shape[0]
    by_rater = np.zeros((len(matrix), n_raters * q))
    subject, rater = np.nonzero(matrix >= 0)
    by_rater[subject, rater * q + matrix[subject, rater]] = 1.0
    return np.hstack([out, by_rater])


def _quadratic(pi: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.einsum("...k,kl,...l->...", pi, weights, pi)


def chance_corrected(pa, pe):
    """(p_a − p_e)/(1 − p_e), nan where p_e is 1 (the coefficient is undefined there)."""
    pa, pe = np.broadcast_arrays(np.asarray(pa, float), np.asarray(pe, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (pa - pe) / (1.0 - pe)
    return np.where(1.0 - pe > PE_TOLERANCE, out, np.nan)


def estimate_from_sums(coefficient: str, weights: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """The coefficient for every row of ``sums`` (shape (..., d) → (...)).

    The same formulas as :func:`grading.agreement.raw.subject_terms` (handbook §4), written
    on sums so that they broadcast over replicates.
    """
    s = np.asarray(sums, dtype=float)
    q = weights.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        if coefficient == "krippendorff":
            total = s[..., 1]  # Σ r_i over subjects with r_i ≥ 2, i.e. n₂·r̄ = 1/ε
            pa_prime = s[..., 2] / total
            pa = pa_prime + (1.0 - pa_prime) / total  # (1 − ε)p′_a + ε
            pe = _quadratic(s[..., 3:] / total[..., None], weights)
            return chance_corrected(pa, pe)
        pa = s[..., 2] / s[..., 1]
        if coefficient == "percent":
            return np.where(s[..., 1] > 0, pa, np.nan)
        if coefficient == "brennan_prediger":
            pe = np.full_like(pa, weights.sum() / q**2)
        elif coefficient == "gwet":
            pi = s[..., 3:] / s[..., 0, None]
            pe = weights.sum() / (q * (q - 1)) * np.sum(pi * (1.0 - pi), axis=-1)
        elif coefficient in ("fleiss", "scott"):
            pe = _quadratic(s[..., 3:] / s[..., 0, None], weights)
        else:  # conger, cohen
            by_rater = s[..., 3:].reshape(*s.shape[:-1], -1, q)
            n_raters = by_rater.shape[-2]
            p = by_rater / by_rater.sum(axis=-1, keepdims=True)
            p_mean = p.mean(axis=-2)
            outer = p_mean[..., :, None] * p_mean[..., None, :]
            s_kl = (np.einsum("...gk,...gl->...kl", p, p) - n_raters * outer) / (n_raters - 1)
            pe = np.sum(weights * (outer - s_kl / n_raters), axis=(-2, -1))
    return chance_corrected(pa, pe)


def jackknife_estimates(estimator: Callable, sums: np.ndarray) -> np.ndarray:
    """Delete-one-unit estimates θ_(c), all C at once from total − unit sums."""
    return estimator(sums.sum(axis=0)[None, :] - sums)


def jackknife_variance(estimates: np.ndarray) -> float:
    """(C − 1)/C · Σ_c (θ_(c) − θ̄)² (Efron & Tibshirani 1993, §11.2); nan if any is nan."""
    c = estimates.size
    if c < 2 or not np.all(np.isfinite(estimates)):
        return float("nan")
    return float((c - 1) / c * np.sum((estimates - estimates.mean()) ** 2))


def resample_counts(n_units: int, replicates: int, seed) -> Iterator[np.ndarray]:
    """Cluster-bootstrap resample counts, in row blocks of one seeded stream.

    Row b says how many times each of the C units appears in bootstrap sample b: C unit
    indices drawn uniformly with replacement (``default_rng(seed).integers(0, C)``, row after
    row) and counted, so each row is Multinomial(C; 1/C, …, 1/C). One ``bincount`` of
    b·C + index counts a whole block. The blocks only bound memory (about ``_CHUNK_CELLS``
    counts at once) and concatenate to the same B × C array whatever the block size.
    """
    rng = np.random.default_rng(seed)
    block = max(1, _CHUNK_CELLS // max(n_units, 1))
    # Bounded integers below 2³² come from the same 32-bit stream whatever the dtype.
    dtype = np.int32 if block * n_units < 2**31 else np.int64
    for start in range(0, replicates, block):
        size = min(block, replicates - start)
        drawn = rng.integers(0, n_units, size=(size, n_units), dtype=dtype)
        drawn += (np.arange(size, dtype=dtype) * n_units)[:, None]
        yield np.bincount(drawn.ravel(), minlength=size * n_units).reshape(size, n_units)


def bootstrap_estimates(estimator: Callable, sums: np.ndarray, replicates: int, seed) -> np.ndarray:
    """B cluster-bootstrap estimates: resampled sums = counts @ unit sums, then ``estimator``."""
    sums = np.asarray(sums, dtype=float)
    out = [
        estimator(counts.astype(float) @ sums)
        for counts in resample_counts(len(sums), replicates, seed)
    ]
    return np.concatenate(out)


def fresh_seed() -> int:
    """A seed from OS entropy, recorded on the result so the bootstrap can be repeated."""
    return int(np.random.SeedSequence().entropy % 2**63)


def clustered_variance(deviations: np.ndarray, codes: np.ndarray, domain: np.ndarray) -> float:
    """C/(C − 1) · Σ_c (Σ_{i∈c} e_i)² / m², before the finite-population factor (handbook §9).

    m subjects and C clusters of the variance domain (all subjects, or Krippendorff's n₂);
    with one subject per cluster this is Σ e_i² / (m(m − 1)), the i.i.d. linearised form.
    ``codes`` are non-negative unit codes.
    """
    if not domain.all():
        codes, deviations = codes[domain], deviations[domain]
    m = codes.size
    totals = np.bincount(codes, weights=deviations)
    units = int(np.count_nonzero(np.bincount(codes)))
    if units < 2:
        return float("nan")
    return float(units / (units - 1) * (totals @ totals) / m**2)


@dataclass(frozen=True, eq=False)
class Resampled:
    """Standard error and replicates of a jackknife or bootstrap over C units."""

    standard_error: float
    n_units: int
    replicates: np.ndarray | None
    jackknife: np.ndarray
    notes: tuple[str, ...]


def resample(
    variance: str,
    estimator: Callable,
    sums: np.ndarray,
    *,
    fraction: float,
    replicates: int,
    seed,
) -> Resampled:
    """Delete-one-unit jackknife or cluster bootstrap of ``estimator`` on unit ``sums``.

    The jackknife variance carries the finite-population factor 1 − f; the bootstrap SE is
    the standard deviation of the finite replicates (callers refuse f > 0 there).
    """
    units = len(sums)
    jack = jackknife_estimates(estimator, sums)
    notes = []
    if variance == "jackknife":
        var = (1 - fraction) * jackknife_variance(jack)
        if np.isnan(var):
            notes.append("a delete-one-cluster estimate is undefined: jackknife SE is nan.")
        return Resampled(float(np.sqrt(var)), units, None, jack, tuple(notes))
    if seed is None:
        seed = fresh_seed()
    reps = bootstrap_estimates(estimator, sums, replicates, seed)
    finite = reps[np.isfinite(reps)]
    notes.append(f"bootstrap: {replicates} resamples of {units} units, seed {seed}.")
    if finite.size < reps.size:
        notes.append(f"{reps.size - finite.size} bootstrap replicates undefined and left out.")
    se = float(np.std(finite, ddof=1)) if finite.size >= 2 else float("nan")
    return Resampled(se, units, reps, jack, tuple(notes))

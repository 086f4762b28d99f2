"""Krippendorff's α in the coincidence-matrix form (Krippendorff 2011).

A unit u with m_u ≥ 2 values ("pairable") adds 1/(m_u − 1) to o_ck for every ordered pair of
values (c, k) from different raters; from its value counts r_uc,

    o_ck = Σ_u (r_uc r_uk − δ_ck r_uc) / (m_u − 1),   n_c = Σ_k o_ck,   n.. = Σ_c n_c,

    α = 1 − D_o / D_e,   D_o = Σ_ck o_ck δ²_ck / n..,   D_e = Σ_ck n_c n_k δ²_ck / (n..(n.. − 1)).

Metrics δ²_ck (handbook statistics §5): nominal 1[c ≠ k]; ordinal
(Σ_{g=c..k} n_g − (n_c + n_k)/2)², which uses the observed margins n_g and is therefore neither
linear nor Gwet-ordinal weights; interval (x_c − x_k)²; ratio ((x_c − x_k)/(x_c + x_k))².
α is a function of the q × q matrix o alone, so units (or clusters) are reduced to their
contributions to o once, and every resample is a weighted sum of those contributions.

References
----------
Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
Communication, University of Pennsylvania, https://repository.upenn.edu/asc_papers/43.
Hayes, A. F., Krippendorff, K. (2007). Answering the call for a standard reliability measure
for coding data. Commun Methods Meas 1:77–89. Efron, B., Tibshirani, R. J. (1993). *An
Introduction to the Bootstrap*, ch. 11, 14.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from grading.agreement import _patterns
from grading.agreement._common import ALTERNATIVES, AgreementResult
from grading.agreement.data import Ratings
from grading.agreement.weights import category_scores

__all__ = ["METRICS", "coincidence_matrix", "krippendorff_alpha"]

METRICS = ("nominal", "ordinal", "interval", "ratio")
CI_METHODS = ("percentile", "bca")
_CHUNK_CELLS = 1 << 22  # bound on replicates × patterns held at once (32 MiB of counts)


def _unit_contributions(counts: np.ndarray) -> np.ndarray:
    """Per-unit contributions (r_uc r_uk − δ_ck r_uc)/(m_u − 1), flattened to q² columns."""
    m = counts.sum(axis=1)
    q = counts.shape[1]
    outer = counts[:, :, None] * counts[:, None, :]
    diagonal = np.arange(q)
    outer[:, diagonal, diagonal] -= counts
    return (outer / (m - 1)[:, None, None]).reshape(len(counts), q * q)


class _Blocks(NamedTuple):
    patterns: np.ndarray  # block contributions to o, P × q² (distinct ones when merged)
    freq: np.ndarray  # how many blocks (or units, unmerged with clusters) share each pattern
    pairable: int  # units with two or more values
    single: int  # units with exactly one value
    clustered: bool
    n_blocks: float  # resampling blocks: rated units, or clusters of rated units
    n_units: int  # units with at least one value


def _blocks(ratings: Ratings, *, merge: bool = True) -> _Blocks:
    """The resampling blocks: every rated unit, or every cluster of rated units.

    Identical blocks are merged with a multiplicity, which leaves every resample's
    distribution unchanged (resampling K blocks uniformly = drawing the pattern counts from a
    multinomial with the pattern frequencies). Units with one value are blocks too: they
    belong to the sample, though they add nothing to o.

    With ``merge=False`` (enough for α itself: o = freq @ patterns) the patterns are the
    distinct rating rows of :mod:`._patterns` with their unit counts, not merged further,
    and with clusters only their number is worked out.
    """
    q = ratings.q
    if ratings.kind == "table":
        table = np.asarray(ratings.table, dtype=float)
        k, l_ = np.nonzero(table)
        # A subject in cell (k, l) has values {k, l}: it adds 1 to o_kl and 1 to o_lk.
        patterns = np.zeros((len(k), q, q))
        patterns[np.arange(len(k)), k, l_] += 1
        patterns[np.arange(len(k)), l_, k] += 1
        total = float(table.sum())
        freq = table[k, l_]
        return _Blocks(
            patterns.reshape(len(k), q * q), freq, int(total), 0, False, float(freq.sum()),
            int(round(total)),
        )  # fmt: skip
    if ratings.kind == "matrix":
        # The rated units as distinct rows (a unit is rated iff m_u ≥ 1).
        found = _patterns.patterns_of(ratings)
        counts, weight, rows = found.rk, found.count, found.subjects
        n_rows = found.index.size
    else:
        all_counts = ratings.rater_counts()
        n_rows = len(all_counts)
        rows = np.flatnonzero(all_counts.sum(axis=1) > 0)
        counts, weight = all_counts[rows], np.ones(rows.size)
    m = counts.sum(axis=1)
    pairable = m >= 2
    contributions = np.zeros((len(counts), q * q))
    contributions[pairable] = _unit_contributions(counts[pairable])
    n_rated = int(round(float(weight.sum())))
    n_pairable = int(round(float(weight[pairable].sum())))
    single = n_rated - n_pairable
    if ratings.clusters is None:
        if not merge:
            return _Blocks(
                contributions, weight, n_pairable, single, False, float(n_rated), n_rated
            )
        patterns, inverse = np.unique(contributions, axis=0, return_inverse=True)
        freq = np.bincount(inverse.ravel(), weights=weight, minlength=len(patterns))
        return _Blocks(patterns, freq, n_pairable, single, False, float(n_rated), n_rated)
    clusters = np.asarray(ratings.clusters)
    if clusters.shape != (n_rows,):
        raise ValueError("ratings.clusters must give one cluster per subject.")
    if not merge:
        codes, n_codes = _patterns.cluster_codes(ratings.clusters)
        n_blocks = np.count_nonzero(np.bincount(codes[rows], minlength=n_codes))
        return _Blocks(contributions, weight, n_pairable, single, True, float(n_blocks), n_rated)
    if ratings.kind == "matrix" and found.compressed:
        contributions = contributions[found.index[rows]]  # one row per rated unit
    labels, block = np.unique(clusters[rows], return_inverse=True)
    summed = np.zeros((len(labels), q * q))
    np.add.at(summed, block.ravel(), contributions)
    patterns, inverse = np.unique(summed, axis=0, return_inverse=True)
    freq = np.bincount(inverse.ravel(), minlength=len(patterns)).astype(float)
    return _Blocks(patterns, freq, n_pairable, single, True, float(freq.sum()), n_rated)


def coincidence_matrix(ratings: Ratings) -> np.ndarray:
    """Krippendorff's q × q coincidence matrix o_ck on the declared categories."""
    blocks = _blocks(ratings, merge=False)
    return (blocks.freq @ blocks.patterns).reshape(ratings.q, ratings.q)


def _distance(margins: np.ndarray, metric: str, scores: np.ndarray | None) -> np.ndarray:
    """δ²_ck for a batch of margins n_c (B × q) → B × q × q (broadcastable)."""
    q = margins.shape[1]
    if metric == "nominal":
        return (1.0 - np.eye(q))[None]
    if metric == "ordinal":
        cumulative = np.concatenate([np.zeros((len(margins), 1)), margins.cumsum(axis=1)], axis=1)
        c, k = np.meshgrid(np.arange(q), np.arange(q), indexing="ij")
        lo, hi = np.minimum(c, k), np.maximum(c, k)
        between = cumulative[:, hi + 1] - cumulative[:, lo]  # Σ_{g=lo..hi} n_g
        half_ends = (margins[:, :, None] + margins[:, None, :]) / 2
        return (between - half_ends) ** 2
    xc, xk = scores[:, None], scores[None, :]
    if metric == "interval":
        return ((xc - xk) ** 2)[None]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = ((xc - xk) / (xc + xk)) ** 2
    # Only (0, 0) is 0/0 (negative scores are refused): equal values, distance 0 by definition.
    return np.where(xc == xk, 0.0, ratio)[None]


def _alpha(o: np.ndarray, metric: str, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """α, D_o and D_e for a batch of flattened coincidence matrices (B × q²)."""
    q = int(round(np.sqrt(o.shape[1])))
    # Delete-one sums leave float dust (~1e−16) where a cell is empty; real entries are
    # ≥ 1/(m_u − 1), so snapping the dust to 0 keeps D_e = 0 recognisable.
    o = np.where(np.abs(o) < 1e-9, 0.0, o).reshape(-1, q, q)
    margins = o.sum(axis=2)
    total = margins.sum(axis=1)
    delta = _distance(margins, metric, scores)
    # Scaling δ² by its largest value leaves α unchanged and puts D_o, D_e in [0, 1].
    largest = delta.max(axis=(1, 2), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(largest > 0, delta / largest, 0.0)
        observed = np.sum(o * delta, axis=(1, 2)) / total
        expected = np.einsum("bc,bk,bck->b", margins, margins, delta) / (total * (total - 1))
        alpha = np.where(expected > 1e-12, 1 - observed / expected, np.nan)
    return alpha, observed, expected


def _metric_scores(metric: str, categories: tuple) -> np.ndarray | None:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got {metric!r}.")
    if metric in ("nominal", "ordinal"):
        return None
    try:
        [float(c) for c in categories]
    except (TypeError, ValueError):
        raise ValueError(f"metric {metric!r} needs numeric categories.") from None
    scores = category_scores(categories)
    if metric == "ratio" and np.any(scores < 0):
        raise ValueError("metric 'ratio' needs non-negative categories (a ratio scale).")
    return scores


def _check_options(variance, bootstrap, ci_method, alternative, distribution) -> None:
    if variance not in (None, "bootstrap", "jackknife"):
        raise ValueError(
            f"variance must be None, 'bootstrap' or 'jackknife'; got {variance!r} (the "
            "coincidence form has no analytic SE; use the raw form for a linearised one)."
        )
    if variance == "bootstrap" and (
        isinstance(bootstrap, bool) or not isinstance(bootstrap, int | np.integer) or bootstrap < 2
    ):
        raise ValueError(f"bootstrap must be an integer ≥ 2; got {bootstrap!r}.")
    if ci_method not in CI_METHODS:
        raise ValueError(f"ci_method must be one of {CI_METHODS}; got {ci_method!r}.")
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}; got {alternative!r}.")
    if distribution not in ("t", "normal"):
        raise ValueError(f"distribution must be 't' or 'normal'; got {distribution!r}.")


def _jackknife(patterns, freq, o, metric, scores) -> tuple[np.ndarray, float]:
    """Delete-one-block estimates (expanded to one per block) and the jackknife SE."""
    leave_one_out, _, _ = _alpha(o[None, :] - patterns, metric, scores)
    blocks = freq.sum()
    mean = np.sum(freq * leave_one_out) / blocks
    variance = (blocks - 1) / blocks * np.sum(freq * (leave_one_out - mean) ** 2)
    return np.repeat(leave_one_out, freq.astype(np.int64)), float(np.sqrt(variance))


def _bootstrap(patterns, freq, metric, scores, replicates, seed) -> np.ndarray:
    """α on ``replicates`` resamples of the blocks, drawn as multinomial pattern counts."""
    rng = np.random.default_rng(seed)
    blocks = int(freq.sum())
    probabilities = freq / freq.sum()
    chunk = max(1, _CHUNK_CELLS // len(patterns))
    out = np.empty(replicates)
    for start in range(0, replicates, chunk):
        size = min(chunk, replicates - start)
        drawn = rng.multinomial(blocks, probabilities, size=size)
        out[start : start + size] = _alpha(drawn @ patterns, metric, scores)[0]
    return out


def krippendorff_alpha(
    ratings: Ratings,
    *,
    metric: str = "nominal",
    variance: str | None = None,
    bootstrap: int = 2000,
    seed: int | None = None,
    ci_method: str = "percentile",
    alternative: str = "two-sided",
    distribution: str = "t",
) -> AgreementResult:
    """Krippendorff's α from the coincidence matrix, with a resampling SE on request.

    Parameters
    ----------
    ratings : Ratings
        Any kind: ``matrix`` (subjects × raters, missing allowed), ``counts`` (a unit's values
        are the multiset given by r_uk) or ``table`` (two raters; each subject is a unit with
        two values).
    metric : {"nominal", "ordinal", "interval", "ratio"}, default "nominal"
        Krippendorff's δ². ``ordinal`` ranks the declared categories in their declared order
        and uses the observed margins n_g; ``interval`` and ``ratio`` need numeric
        categories; ``ratio`` needs them non-negative, and a category 0 is allowed: δ²(0, 0)
        is 0/0, taken as 0 because equal values never disagree (Krippendorff 2011), and
        δ²(0, x) = 1 for x > 0.
    variance : {None, "bootstrap", "jackknife"}, default None
        None: no SE (nan), since the coincidence form has no analytic variance. ``bootstrap``:
        resample the rated units, or whole clusters when ``ratings.clusters`` is set, with
        replacement (Hayes & Krippendorff 2007 recommend bootstrapping α); the SE is the
        replicates' standard deviation. ``jackknife``: delete one unit (cluster) at a time,
        SE² = (K − 1)/K · Σ (α_(j) − ᾱ)².
    bootstrap : int, default 2000
        Number of bootstrap replicates.
    seed : int, optional
        Seed of ``numpy.random.default_rng``; recorded in ``notes``.
    ci_method : {"percentile", "bca"}, default "percentile"
        Bootstrap interval; ``bca`` takes its acceleration from the delete-one jackknife.
        Ignored unless ``variance="bootstrap"`` (the jackknife interval is α ± t·SE).
    alternative : {"two-sided", "greater"}, default "two-sided"
        Sidedness of the p-value for H0: α = 0 (from α/SE).
    distribution : {"t", "normal"}, default "t"
        t with n − 1 degrees of freedom, n the units with at least one value (C − 1 with C
        clusters), as for the other coefficients; or the normal.

    Returns
    -------
    AgreementResult
        ``pa`` = 1 − D_o and ``pe`` = 1 − D_e, the observed and expected agreement on the
        coincidence matrix with δ² divided by its largest value over the declared categories
        (α is unchanged by that scaling). ``weights`` holds the equivalent agreement weights
        1 − δ²/max δ² (identity for nominal, quadratic for interval, irrCAC's ratio weights
        for ratio, margin-dependent for ordinal) and ``weights_name`` the metric.
        ``replicates`` (bootstrap) and ``jackknife_estimates`` (jackknife, and bootstrap for
        BCa) are kept.

    Raises
    ------
    ValueError
        For an unknown option, a metric the categories cannot carry, no unit with two values,
        or a resampling variance on a table with non-integer counts.

    Notes
    -----
    Units with a single value carry no pairable values: they add nothing to o, but they are
    part of the sample, so they count in ``n_subjects``, the resampling and the degrees of
    freedom (and are reported in ``notes``). When all pairable values fall in one category D_e = 0 and α = 0/0 is
    reported as nan. Resampling units uniformly is done, exactly, as multinomial counts of
    the distinct unit (cluster) contributions to o, so no per-unit loop is needed.

    Examples
    --------
    Krippendorff's (2011) data C, 4 observers × 12 units, as in the fast-krippendorff doctest:

    >>> import numpy as np
    >>> from grading.agreement.data import Ratings
    >>> nan = np.nan
    >>> data = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...                  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...                  [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...                  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]).T
    >>> r = Ratings.from_matrix(data, categories=(1, 2, 3, 4, 5))
    >>> round(krippendorff_alpha(r, metric="ordinal").estimate, 3)
    0.815
    """
    _check_options(variance, bootstrap, ci_method, alternative, distribution)
    scores = _metric_scores(metric, ratings.categories)
    patterns, freq, pairable, single, clustered, blocks, n_units = _blocks(
        ratings, merge=variance is not None
    )
    if pairable == 0:
        raise ValueError("ratings: no unit has two or more values, so α has no pairable values.")
    o = freq @ patterns
    alpha, observed, expected = (float(v[0]) for v in _alpha(o[None], metric, scores))
    q = ratings.q
    delta = _distance(o.reshape(q, q).sum(axis=1)[None], metric, scores)[0]
    notes = []
    if not np.isfinite(alpha):
        notes.append(
            "All pairable values fall in one category: D_e = 0 and α = 0/0, reported as nan."
        )
    if single:
        notes.append(
            f"{single} unit(s) with a single value carry no pairable values (nothing to α)."
        )
    if metric == "ratio" and np.any(scores == 0):
        notes.append("Ratio metric with a category 0: δ²(0, 0) = 0 by definition, δ²(0, x) = 1.")
    replicates = jackknife = None
    se = float("nan")
    if variance is None:
        notes.append("The coincidence form has an SE only under bootstrap or jackknife.")
    else:
        if not np.allclose(freq, np.round(freq)):
            raise ValueError("variance: resampling a table needs integer counts.")
        freq = np.round(freq)
        if blocks < 2:
            raise ValueError(f"variance {variance!r} needs at least two units or clusters.")
        jackknife, jack_se = _jackknife(patterns, freq, o, metric, scores)
        unit = "clusters" if clustered else "units"
        if variance == "jackknife":
            se = jack_se
            notes.append(f"Jackknife: delete-one over {int(blocks)} {unit}.")
        else:
            replicates = _bootstrap(patterns, freq, metric, scores, bootstrap, seed)
            finite = replicates[np.isfinite(replicates)]
            se = float(np.std(finite, ddof=1)) if finite.size > 1 else float("nan")
            notes.append(
                f"Bootstrap: {bootstrap} replicates resampling {int(blocks)} {unit}, "
                f"seed={seed}, {ci_method} interval."
            )
            if finite.size < replicates.size:
                notes.append(
                    f"{replicates.size - finite.size} replicate(s) had α undefined (D_e = 0) "
                    "and are left out of the SE and interval."
                )
    largest = delta.max()
    return AgreementResult(
        coefficient="krippendorff",
        estimate=alpha,
        standard_error=se,
        pa=1 - observed,
        pe=1 - expected,
        n_subjects=n_units if ratings.kind == "matrix" else ratings.n_subjects,
        n_raters=ratings.n_raters,
        categories=tuple(ratings.categories),
        weights=1 - delta / largest if largest > 0 else np.ones((q, q)),
        weights_name=metric,
        variance=variance if variance is not None else "none",
        df=blocks - 1 if distribution == "t" else None,
        standard_error_null=None,
        alternative=alternative,
        test_se="nonnull",
        n_clusters=int(blocks) if clustered else None,
        replicates=replicates,
        jackknife_estimates=jackknife,
        ci_method=ci_method if variance == "bootstrap" else "t",
        notes=tuple(notes),
    )

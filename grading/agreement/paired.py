"""Difference of two dependent agreement coefficients on the same subjects.

Typical use: AC2(model, reference) − AC2(reader, reference) on the same reading units, or the
agreement of one pair of readers against another. Both coefficients come from Gwet's raw
framework (:mod:`grading.agreement.raw`), so each subject i has a linearised term κ*_{a,i} and
κ*_{b,i}; with d_i = κ*_{a,i} − κ*_{b,i} and D = κ̂_a − κ̂_b (Gwet 2016; handbook §8):

    Var(D) = (1 − f)/(n(n − 1)) · Σ_i (d_i − D)²   (= Var_a + Var_b − 2 Cov_ab),  t(n − 1)

over the n subjects rated in either pair. The cluster-robust form sums d_i − D within
clusters (handbook §9): (1 − f)·C/(C − 1)·Σ_c(Σ_{i∈c}(d_i − D))²/n² on t(C − 1). The jackknife
deletes one cluster (or subject) and the bootstrap resamples clusters (or subjects), the same
resampled units for both coefficients, each rebuilt from per-unit sufficient statistics.

References
----------
Gwet (2016), Testing the difference of correlated agreement coefficients for statistical
significance, Educ Psychol Meas 76:609, doi:10.1177/0013164415596420. Gwet (2008), Br J Math
Stat Psychol 61:29, doi:10.1348/000711006X126600. Vanbelle (2017), Biom J 59:1016,
doi:10.1002/bimj.201600052.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from grading.agreement import _bootstrap, _patterns
from grading.agreement._common import DifferenceResult
from grading.agreement.data import Ratings
from grading.agreement.raw import (
    check_options,
    pattern_terms,
    prepare,
    resampling_units,
    sampled_fraction,
)

__all__ = ["compare_coefficients"]


def _columns(ratings: Ratings, pair, name: str) -> Ratings:
    """The sub-matrix of the raters in ``pair`` (every subject kept)."""
    if isinstance(pair, str) or not hasattr(pair, "__iter__"):
        raise ValueError(f"{name} must be a tuple of rater names; got {pair!r}.")
    pair = tuple(pair)
    if len(pair) < 2:
        raise ValueError(f"{name} needs at least 2 raters; got {pair!r}.")
    if len(set(pair)) != len(pair):
        raise ValueError(f"{name} names a rater twice: {pair!r}.")
    missing = [rater for rater in pair if rater not in ratings.raters]
    if missing:
        raise ValueError(f"{name}: no rater {missing[0]!r} in the data.")
    columns = [ratings.raters.index(rater) for rater in pair]
    return Ratings(
        kind="matrix",
        categories=ratings.categories,
        matrix=ratings.matrix[:, columns],
        subjects=ratings.subjects,
        raters=pair,
        clusters=ratings.clusters,
        cluster_labels=ratings.cluster_labels,
        categories_inferred=ratings.categories_inferred,
    )


def _embedded(terms, rows: np.ndarray, n_rows: int) -> np.ndarray:
    """κ*_i of one coefficient on all ``n_rows`` subjects of the comparison.

    A subject this pair did not rate at all is outside the coefficient's domain: its term is
    the centre, and the others are scaled by N/m (m = the pair's own variance domain), the
    same device as the n/n₂ factor of Gwet's p_a|i. With every subject rated by the pair this
    is κ*_i itself.
    """
    out = np.full(n_rows, terms.centre)
    position = np.searchsorted(rows, terms.subjects)
    out[position] = terms.centre + (n_rows / terms.n_variance) * terms.deviations
    return out


def compare_coefficients(
    ratings: Ratings,
    *,
    coefficient: str,
    pair_a: tuple,
    pair_b: tuple,
    weights="identity",
    variance: str = "linearized",
    alternative: str = "two-sided",
    distribution: str = "t",
    population_size: float | None = None,
    bootstrap: int = 2000,
    seed: int | None = None,
    ci_method: str = "percentile",
) -> DifferenceResult:
    """Test κ_a − κ_b for two coefficients measured on the same subjects (Gwet 2016).

    Parameters
    ----------
    ratings : Ratings
        ``kind="matrix"`` with rater names (long or matrix input).
    coefficient : str
        Any coefficient of :func:`grading.agreement.raw.raw_coefficient`, used for both.
    pair_a, pair_b : tuple
        Rater names of each coefficient, usually two, e.g. ``(model, reference)`` and
        ``(reader, reference)``; more are allowed (``cohen`` and ``scott`` need two).
    weights : str or array_like
        Agreement weights, the same for both coefficients.
    variance : {"linearized", "cluster", "jackknife", "bootstrap"}
        Paired linearisation (df n − 1), cluster-aggregated (df C − 1), delete-one-cluster
        jackknife (df C − 1) or cluster bootstrap (df C − 1); without clusters the jackknife
        and the bootstrap work on subjects.
    alternative : {"two-sided", "greater"}
        ``greater`` tests H1: κ_a > κ_b.
    distribution : {"t", "normal"}
    population_size : float, optional
        N of a finite population (f = n/N; not with the bootstrap).
    bootstrap : int
        Replicates of the bootstrap.
    seed : int, optional
        Bootstrap seed; drawn and written to ``notes`` when None.
    ci_method : {"percentile", "bca", "t"}
        Bootstrap interval; the other variances use D ± t·SE. Never clipped.

    Returns
    -------
    DifferenceResult
        ``difference`` = κ̂_a − κ̂_b, each estimate equal to ``raw_coefficient`` on its pair.

    Notes
    -----
    Every subject rated by someone in either pair enters. A subject with one rating in a
    pair contributes through the n/n₂ scaling with p_a|i = 0; a subject the pair did not
    rate at all contributes the centre (see ``_embedded``). Krippendorff's terms are centred
    on α′ (handbook §4), so D − (α′_a − α′_b) is the centring there.
    """
    check_options(variance, alternative, distribution, ci_method, bootstrap, population_size)
    if ratings.kind != "matrix":
        raise ValueError("ratings: comparing rater pairs needs rater identities (long input).")
    sub_a, sub_b = _columns(ratings, pair_a, "pair_a"), _columns(ratings, pair_b, "pair_b")
    prep_a, prep_b = (prepare(sub, coefficient, weights) for sub in (sub_a, sub_b))
    pterms_a, pterms_b = pattern_terms(prep_a), pattern_terms(prep_b)
    index_a, index_b = prep_a.patterns.index, prep_b.patterns.index
    rows = np.flatnonzero((index_a >= 0) | (index_b >= 0))
    n = rows.size
    fraction = sampled_fraction(population_size, n)
    difference = pterms_a.estimate - pterms_b.estimate
    centre = pterms_a.centre - pterms_b.centre
    notes = [f"a: {prep_a.coefficient} of {tuple(pair_a)}; b: of {tuple(pair_b)}."]
    notes += [f"a: {note}" for note in (*prep_a.notes, *pterms_a.notes)]
    notes += [f"b: {note}" for note in (*prep_b.notes, *pterms_b.notes)]
    for label, terms in (("a", pterms_a), ("b", pterms_b)):
        if terms.n < n:
            notes.append(f"pair {label} rated {terms.n} of the {n} subjects; see Notes.")
    replicates = jackknife = n_clusters = None
    if variance in ("linearized", "cluster"):
        terms_a = pterms_a.per_subject(prep_a.patterns)
        terms_b = pterms_b.per_subject(prep_b.patterns)
        d = _embedded(terms_a, rows, n) - _embedded(terms_b, rows, n) - centre
        if variance == "linearized":
            var, df = (d @ d) / (n * (n - 1)), n - 1
        else:
            codes, n_clusters, _ = resampling_units(ratings, rows, required=True)
            var = _bootstrap.clustered_variance(d, codes, np.ones(n, dtype=bool))
            df = n_clusters - 1
        se = float(np.sqrt((1 - fraction) * var))
    else:
        columns = [
            _bootstrap.statistic_columns(coefficient, prep.weights, prep.rk, prep.matrix)
            for prep in (prep_a, prep_b)
        ]
        clustered = ratings.clusters is not None
        if clustered:
            cells = [_patterns.cells_of(sub_a, prep_a.patterns)]
            cells.append(_patterns.cells_of(sub_b, prep_b.patterns))
            keep = cells[0].units[0] | cells[1].units[0]
            units = int(np.count_nonzero(keep))
            if units < 2:
                raise ValueError(f"ratings.clusters: at least 2 clusters are needed; got {units}.")
            sums = [c.unit_sums(col, keep) for c, col in zip(cells, columns, strict=True)]
        else:
            # Subjects are the units; a subject a pair did not rate adds nothing (a zero row).
            units = n
            sums = [
                np.vstack([col, np.zeros((1, col.shape[1]))])[index[rows]]
                for col, index in zip(columns, (index_a, index_b), strict=True)
            ]
        estimators = [
            partial(_bootstrap.estimate_from_sums, coefficient, prep.weights)
            for prep in (prep_a, prep_b)
        ]
        width = sums[0].shape[1]

        def estimator(s: np.ndarray) -> np.ndarray:
            return estimators[0](s[..., :width]) - estimators[1](s[..., width:])

        spread = _bootstrap.resample(
            variance,
            estimator,
            np.hstack(sums),
            fraction=fraction,
            replicates=bootstrap,
            seed=seed,
        )
        se, df, jackknife = spread.standard_error, units - 1, spread.jackknife
        replicates, n_clusters = spread.replicates, units if clustered else None
        notes += spread.notes
    if np.isfinite(difference) and se == 0:
        notes.append("standard error 0: the paired terms do not vary, so no test is defined.")
    if not np.isfinite(difference):
        se = float("nan")
    return DifferenceResult(
        difference=float(difference),
        standard_error=se,
        estimate_a=pterms_a.estimate,
        estimate_b=pterms_b.estimate,
        n_subjects=n,
        df=float(df) if distribution == "t" else None,
        variance=variance,
        alternative=alternative,
        n_clusters=n_clusters,
        replicates=replicates,
        jackknife_estimates=jackknife,
        ci_method=ci_method if variance == "bootstrap" else "t",
        notes=tuple(notes),
    )

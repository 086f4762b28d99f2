"""Recall (sensitivity) of two readers on the same reference-positive findings (handbook §10).

- :func:`mcnemar_test`: one finding per patient (independent findings).
- :func:`obuchowski_test`: several findings per patient, Obuchowski's (1998) cluster-robust
  ratio-estimator test; :func:`clustered_proportion` is the same variance for one proportion.
- :func:`gee_recall_test`: logistic GEE with robust SEs; more readers, covariates later.

The same tools serve specificity on reference-negative units.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from grading.agreement._common import ConfidenceInterval, critical_value

MCNEMAR_METHODS = ("asymptotic", "corrected", "exact")


def _binary(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional array of 0/1 values.")
    if not np.all(np.isin(array, (0.0, 1.0))):
        raise ValueError(f"{name} must hold only 0 and 1 (no missing values).")
    return array


def _count(value, name: str) -> int:
    number = float(value)
    if not (np.isfinite(number) and number >= 0 and number.is_integer()):
        raise ValueError(f"{name} must be a non-negative whole number, got {value!r}.")
    return int(number)


def _cluster_codes(clusters, n: int) -> tuple[np.ndarray, int]:
    if clusters is None:
        return np.arange(n), n
    labels = np.asarray(clusters)
    if labels.shape != (n,):
        raise ValueError(f"clusters must give one label per finding ({n}).")
    codes, uniques = pd.factorize(pd.Series(labels), use_na_sentinel=False)
    return codes, len(uniques)


@dataclass(frozen=True, eq=False)
class McNemarResult:
    """McNemar's test of equal recall. ``discordant_a`` (b) counts findings found by A only,
    ``discordant_b`` (c) those found by B only; recalls and ``n_findings`` are None-like (nan,
    None) when only discordant counts were given. ``statistic`` is χ²(1), or min(b, c) for
    ``method="exact"``."""

    statistic: float
    pvalue: float
    method: str
    discordant_a: int
    discordant_b: int
    recall_a: float
    recall_b: float
    n_findings: int | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_discordant(self) -> int:
        return self.discordant_a + self.discordant_b

    @property
    def difference(self) -> float:
        """recall_a − recall_b = (b − c)/n."""
        return self.recall_a - self.recall_b

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Wald interval for the paired difference: (b − c)/n ± z·√(b + c − (b − c)²/n)/n."""
        z = critical_value(confidence_level, None)
        if not self.n_findings:
            return ConfidenceInterval(float("nan"), float("nan"))
        n, d = self.n_findings, self.discordant_a - self.discordant_b
        half = z * np.sqrt(max(self.n_discordant - d**2 / n, 0.0)) / n
        return ConfidenceInterval(d / n - half, d / n + half)


def mcnemar_test(a, b, *, method: str = "asymptotic", concordant=None) -> McNemarResult:
    """McNemar's test that two readers have equal recall on the same findings.

    Parameters
    ----------
    a, b : array_like of 0/1, or int
        Detections of readers A and B on the same findings (one finding per patient), or the
        discordant counts b (found by A only) and c (found by B only).
    method : {"asymptotic", "corrected", "exact"}
        χ² = (b − c)²/(b + c); continuity-corrected (|b − c| − 1)²/(b + c) with the bracket
        floored at 0; or the two-sided exact binomial test of b in b + c trials at ½ (use when
        b + c < 25), whose ``statistic`` is min(b, c).
    concordant : (int, int), optional
        With counts input, the findings found by both and by neither, to give recalls.

    Returns
    -------
    McNemarResult

    Notes
    -----
    With b + c = 0 the readers agree on every finding: statistic 0 and p = 1, with a note.
    The corrected statistic is 0 (not 1/(b + c) as in statsmodels) when b = c, as in R's
    ``mcnemar.test``, so that p does not fall when |b − c| goes from 1 to 0.

    References
    ----------
    McNemar Q (1947) Psychometrika 12:153, doi:10.1007/BF02295996.
    Agresti A (2002) *Categorical Data Analysis*, 2nd ed., §10.1, Wiley, doi:10.1002/0471249688.

    Examples
    --------
    >>> r = mcnemar_test(150, 86)  # Agresti's presidential approval table
    >>> round(r.statistic, 2)
    17.36
    """
    if method not in MCNEMAR_METHODS:
        raise ValueError(f"method must be one of {MCNEMAR_METHODS}, got {method!r}.")
    if np.ndim(a) == 0 and np.ndim(b) == 0:
        n_b, n_c = _count(a, "a"), _count(b, "b")
        n = None
        recall_a = recall_b = float("nan")
        if concordant is not None:
            both, neither = (_count(v, "concordant") for v in concordant)
            n = n_b + n_c + both + neither
            recall_a, recall_b = (both + n_b) / n, (both + n_c) / n
    else:
        x, y = _binary(a, "a"), _binary(b, "b")
        if x.size != y.size:
            raise ValueError("a and b must have the same length (paired findings).")
        n_b, n_c = int(np.sum((x == 1) & (y == 0))), int(np.sum((x == 0) & (y == 1)))
        n, recall_a, recall_b = int(x.size), float(x.mean()), float(y.mean())
    common = dict(
        method=method, discordant_a=n_b, discordant_b=n_c, recall_a=recall_a, recall_b=recall_b
    )
    total = n_b + n_c
    if total == 0:
        note = "No discordant findings: the readers agree on every finding (statistic 0, p 1)."
        return McNemarResult(0.0, 1.0, n_findings=n, notes=(note,), **common)
    if method == "exact":
        statistic = float(min(n_b, n_c))
        from scipy.stats import binomtest  # imported here: scipy.stats is slow to import

        pvalue = binomtest(n_b, total, 0.5).pvalue
    else:
        gap = abs(n_b - n_c) - (1 if method == "corrected" else 0)
        statistic = max(gap, 0) ** 2 / total
        pvalue = special.chdtrc(1, statistic)
    return McNemarResult(float(statistic), float(pvalue), n_findings=n, **common)


@dataclass(frozen=True, eq=False)
class ObuchowskiResult:
    """Obuchowski's clustered test of equal recall. ``statistic`` is χ²(1); the CI of the
    difference recall_a − recall_b always uses the unrestricted SE."""

    statistic: float
    pvalue: float
    recall_a: float
    recall_b: float
    standard_error: float
    n_findings: int
    n_clusters: int
    discordant_a: int
    discordant_b: int
    variance: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def difference(self) -> float:
        return self.recall_a - self.recall_b

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        half = critical_value(confidence_level, None) * self.standard_error
        return ConfidenceInterval(self.difference - half, self.difference + half)


def obuchowski_test(clusters, a, b, *, variance: str = "unrestricted") -> ObuchowskiResult:
    """Obuchowski's (1998) test of equal recall with several findings per patient.

    Parameters
    ----------
    clusters : array_like
        Cluster (patient) of each reference-positive finding.
    a, b : array_like of 0/1
        Detections of readers A and B on the same findings.
    variance : {"unrestricted", "null"}
        ``unrestricted`` (Obuchowski): each proportion centred at its own estimate;
        ``null``: centred at the common value under H0, i.e. Σ d_i² in the denominator
        (Yang, Sun & Hardin 2010; R clust.bin.pair's ``obuchowski``).

    Returns
    -------
    ObuchowskiResult

    Notes
    -----
    Cluster i of K has m_i findings, of which A detects x_i and B detects y_i; M = Σ m_i,
    p̂_A = Σ x_i/M, and with d_i = x_i − y_i, D = p̂_A − p̂_B:

        Var(D) = K/((K − 1)M²) · Σ_i (d_i − m_i D)²   (= Var_A + Var_B − 2 Cov)
        χ² = D²/Var(D), 1 df;  CI = D ± z·√Var(D)

    With singleton clusters χ² = (K − 1)/K · (b − c)²/((b + c) − (b − c)²/K). With no
    variation (Var = 0) and D = 0 the result is statistic 0, p = 1, with a note.

    References
    ----------
    Obuchowski NA (1998) Stat Med 17:1495, doi:10.1002/(SICI)1097-0258(19980715)17:13<1495::AID-SIM863>3.0.CO;2-I.
    Yang Z, Sun X, Hardin JW (2010) Biom J 52:638, doi:10.1002/bimj.201000035.
    """
    if variance not in ("unrestricted", "null"):
        raise ValueError(f"variance must be 'unrestricted' or 'null', got {variance!r}.")
    x, y = _binary(a, "a"), _binary(b, "b")
    if x.size != y.size:
        raise ValueError("a and b must have the same length (paired findings).")
    codes, k = _cluster_codes(clusters, x.size)
    if k < 2:
        raise ValueError("clusters must contain at least two distinct clusters.")
    m = np.bincount(codes, minlength=k).astype(float)
    d = np.bincount(codes, weights=x - y, minlength=k)
    total = m.sum()
    difference = d.sum() / total
    scale = k / ((k - 1) * total**2)
    var_unrestricted = scale * np.sum((d - m * difference) ** 2)
    var_test = var_unrestricted if variance == "unrestricted" else scale * np.sum(d**2)
    notes: tuple[str, ...] = ()
    if var_test > 0:
        statistic = difference**2 / var_test
        pvalue = float(special.chdtrc(1, statistic))
    elif difference == 0:
        statistic, pvalue = 0.0, 1.0
        notes = ("The readers agree on every finding: statistic 0, p 1.",)
    else:
        statistic, pvalue = float("inf"), 0.0
        notes = ("The difference is the same in every cluster (zero variance): χ² is infinite.",)
    return ObuchowskiResult(
        statistic=float(statistic),
        pvalue=pvalue,
        recall_a=float(x.mean()),
        recall_b=float(y.mean()),
        standard_error=float(np.sqrt(var_unrestricted)),
        n_findings=int(x.size),
        n_clusters=k,
        discordant_a=int(np.sum((x == 1) & (y == 0))),
        discordant_b=int(np.sum((x == 0) & (y == 1))),
        variance=variance,
        notes=notes,
    )


@dataclass(frozen=True, eq=False)
class ProportionResult:
    """A proportion from clustered binary units with Obuchowski's ratio-estimator SE."""

    estimate: float
    standard_error: float
    n: int
    n_clusters: int
    df: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """estimate ± z (or t(K − 1))·SE, clipped to [0, 1]."""
        half = critical_value(confidence_level, self.df) * self.standard_error
        return ConfidenceInterval(max(self.estimate - half, 0.0), min(self.estimate + half, 1.0))


def clustered_proportion(
    successes, clusters=None, *, distribution: str = "normal"
) -> ProportionResult:
    """Recall, sensitivity or specificity over clustered units (Obuchowski 1998, eq. 2).

    Parameters
    ----------
    successes : array_like of 0/1
        One value per unit (finding, or reference-negative unit for specificity).
    clusters : array_like, optional
        Cluster (patient) of each unit; None makes every unit its own cluster.
    distribution : {"normal", "t"}
        Reference for the CI: the normal, or t with K − 1 df.

    Returns
    -------
    ProportionResult

    Notes
    -----
    p̂ = Σ x_i/M and Var(p̂) = K/((K − 1)M²) · Σ_i (x_i − m_i p̂)² over clusters i = 1..K.
    With singleton clusters Var = p̂(1 − p̂)/(n − 1). K = 1 gives SE nan, with a note.
    """
    if distribution not in ("normal", "t"):
        raise ValueError(f"distribution must be 'normal' or 't', got {distribution!r}.")
    x = _binary(successes, "successes")
    codes, k = _cluster_codes(clusters, x.size)
    m = np.bincount(codes, minlength=k).astype(float)
    s = np.bincount(codes, weights=x, minlength=k)
    estimate = float(x.mean())
    notes: tuple[str, ...] = ()
    if k < 2:
        se, notes = float("nan"), ("One cluster only: the standard error is not estimable.",)
    else:
        se = float(np.sqrt(k / ((k - 1) * x.size**2) * np.sum((s - m * estimate) ** 2)))
    df = None if distribution == "normal" else float(k - 1)
    return ProportionResult(estimate, se, int(x.size), k, df, notes)


@dataclass(frozen=True, eq=False)
class GEERecallResult:
    """Logistic GEE of detection on reader: Wald χ² (``df`` = readers − 1) on the reader terms.

    ``recalls`` are model-based per reader (``readers[0]`` is the reference);
    ``log_odds_ratios`` and their robust ``standard_errors`` compare each other reader with
    it. For two readers, ``difference`` = recalls[0] − recalls[1] with a delta-method SE."""

    statistic: float
    df: int
    pvalue: float
    readers: tuple
    recalls: tuple[float, ...]
    log_odds_ratios: tuple[float, ...]
    standard_errors: tuple[float, ...]
    difference: float
    difference_standard_error: float
    n_findings: int
    n_clusters: int
    correlation: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        half = critical_value(confidence_level, None) * self.difference_standard_error
        return ConfidenceInterval(self.difference - half, self.difference + half)


def gee_recall_test(
    frame: pd.DataFrame,
    *,
    cluster: str,
    reader: str,
    detected: str,
    correlation: str = "exchangeable",
    readers=None,
) -> GEERecallResult:
    """Recall of two or more readers by GEE (Liang & Zeger 1986), clustered by patient.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (finding, reader) with columns ``cluster``, ``reader`` and ``detected``
        (0/1).
    correlation : {"exchangeable", "independence"}
        Working correlation within a cluster.
    readers : sequence, optional
        Readers to compare, the first being the reference; default: order of appearance.

    Notes
    -----
    logit P(detected) = β₀ + Σ_j β_j·1[reader = j], Binomial family, robust (sandwich) SEs;
    Wald χ² = β̂ᵀ V̂⁻¹ β̂ on the reader terms. A reader who detects all or none of the findings
    makes the logit infinite: the test is then nan with a note (use :func:`obuchowski_test`).

    References
    ----------
    Liang KY, Zeger SL (1986) Biometrika 73:13, doi:10.1093/biomet/73.1.13.
    """
    import statsmodels.api as sm

    if correlation not in ("exchangeable", "independence"):
        raise ValueError(
            f"correlation must be 'exchangeable' or 'independence', got {correlation!r}."
        )
    for name, column in (("cluster", cluster), ("reader", reader), ("detected", detected)):
        if column not in frame.columns:
            raise ValueError(f"frame lacks the {name} column {column!r}.")
    names = tuple(pd.unique(frame[reader])) if readers is None else tuple(readers)
    if len(names) < 2:
        raise ValueError("readers must name at least two readers.")
    data = frame[frame[reader].isin(names)]
    y = _binary(data[detected].to_numpy(), "detected")
    groups, k = _cluster_codes(data[cluster].to_numpy(), y.size)
    observed = data.groupby(reader)[detected].mean().reindex(list(names))
    if observed.isna().any():
        raise ValueError(f"readers {list(observed.index[observed.isna()])} have no rows.")
    common = dict(readers=names, n_findings=int(y.size), n_clusters=k, correlation=correlation)
    nan, r = float("nan"), len(names) - 1
    if np.any(observed.isin((0.0, 1.0))):
        note = "A reader detected all or none of the findings: the logit GEE is undefined."
        empty = dict(log_odds_ratios=(nan,) * r, standard_errors=(nan,) * r)
        undefined = dict(difference=nan, difference_standard_error=nan, notes=(note,))
        recalls = tuple(float(v) for v in observed)
        return GEERecallResult(nan, r, nan, recalls=recalls, **empty, **undefined, **common)
    dummies = [(data[reader] == name).to_numpy(float) for name in names[1:]]
    exog = np.column_stack([np.ones(y.size), *dummies])
    if correlation == "exchangeable":
        structure = sm.cov_struct.Exchangeable()
    else:
        structure = sm.cov_struct.Independence()
    family = sm.families.Binomial()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.GEE(y, exog, groups=groups, family=family, cov_struct=structure).fit()
    notes = tuple(sorted({str(w.message) for w in caught}))
    beta, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    terms, v = beta[1:], cov[1:, 1:]
    statistic = float(terms @ np.linalg.solve(v, terms))
    recalls = special.expit(beta[0] + np.concatenate([[0.0], terms]))
    difference = difference_se = nan
    if len(names) == 2:
        slope = recalls * (1 - recalls)
        gradient = np.array([slope[0] - slope[1], -slope[1]])
        difference = float(recalls[0] - recalls[1])
        difference_se = float(np.sqrt(gradient @ cov @ gradient))
    return GEERecallResult(
        statistic=statistic,
        df=r,
        pvalue=float(special.chdtrc(r, statistic)),
        recalls=tuple(float(r) for r in recalls),
        log_odds_ratios=tuple(float(t) for t in terms),
        standard_errors=tuple(float(s) for s in np.sqrt(np.diag(v))),
        difference=difference,
        difference_standard_error=difference_se,
        notes=notes,
        **common,
    )

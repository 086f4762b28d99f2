"""Every statistic of the report, computed by :mod:`grading.agreement` on the unit tables.

Each statistic is computed on exactly the table written to ``cli/`` and records the
``python -m grading.agreement`` command that reproduces it there. No Django here.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from grading.agreement.api import compare, estimate
from grading.agreement.data import Ratings
from grading.agreement.multiplicity import holm
from grading.agreement.recall import clustered_proportion, obuchowski_test
from grading.reports.stat import Stat, command, finite
from grading.reports.units import complete_rows

# The two scales: file tag, categories, and the coefficients reported against the reference.
SCALE_TAG = {"4-grade": "4grade", "dichotomous": "dich"}
CATEGORIES = {"4-grade": (0, 1, 2, 3), "dichotomous": (0, 1)}
# (statistic name, coefficient, weights) per scale, in journal order.
AGREEMENT = {
    "4-grade": (
        ("gwet_ac2_linear", "gwet", "linear"),
        ("cohen_kappa_linear", "cohen", "linear"),
        ("cohen_kappa_quadratic", "cohen", "quadratic"),
        ("percent_agreement", "percent", "identity"),
    ),
    "dichotomous": (
        ("gwet_ac1", "gwet", "identity"),
        ("cohen_kappa", "cohen", "identity"),
        ("percent_agreement", "percent", "identity"),
    ),
}
# The headline coefficient per scale: the one compared between readers (Hallinan 2021).
HEADLINE = {
    "4-grade": ("gwet_ac2_linear", "gwet", "linear"),
    "dichotomous": ("gwet_ac1", "gwet", "identity"),
}
# Multi-rater coefficients per scale.
MULTI = {
    "4-grade": (("gwet_ac2_linear", "gwet", "linear"), ("fleiss_kappa_linear", "fleiss", "linear")),
    "dichotomous": (("gwet_ac1", "gwet", "identity"), ("fleiss_kappa", "fleiss", "identity")),
}
ESTIMATE_FIELDS = {
    "estimate": "estimate",
    "standard_error": "standard_error",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "p_value": "p_value",
    "n_subjects": "n_subjects",
    "n_clusters": "n_clusters",
    "df": "df",
}
DIFFERENCE_FIELDS = {**ESTIMATE_FIELDS, "estimate": "difference"}
PROPORTION_FIELDS = {
    "estimate": "estimate",
    "standard_error": "standard_error",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "n_subjects": "n",
    "n_clusters": "n_clusters",
}
RECALL_DIFFERENCE_FIELDS = {
    "estimate": "difference",
    "standard_error": "standard_error",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "p_value": "p_value",
    "n_subjects": "n_findings",
    "n_clusters": "n_clusters",
}


def derived_seed(seed: int, label: str) -> int:
    """A bootstrap seed per statistic, from the report seed and the statistic's identity, so
    adding a reader never changes another statistic's resamples."""
    digest = hashlib.sha256(f"{seed}|{label}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


def _ratings(table: pd.DataFrame, raters, scale: str) -> Ratings:
    return Ratings.from_matrix(
        table[list(raters)].to_numpy(dtype=float),
        categories=CATEGORIES[scale],
        clusters=table["cluster"].tolist(),
        raters=list(raters),
    )


def _cached_ratings(cache: dict | None, table: pd.DataFrame, raters, scale: str, complete: bool):
    """The Ratings of ``raters`` on ``table``, built once per analysis: the coefficients of one
    rater set share it (and grading.agreement's cached response patterns with it)."""
    key = (id(table), tuple(raters), complete)
    if cache is not None and key in cache:
        return cache[key]
    ratings = _ratings(_rated(table, raters, complete), raters, scale)
    if cache is not None:
        cache[key] = ratings
    return ratings


def _rated(table: pd.DataFrame, raters, complete: bool) -> pd.DataFrame:
    if complete:
        return complete_rows(table, raters)
    return table[table[list(raters)].notna().any(axis=1)]


def _categories_option(scale: str) -> str:
    return ",".join(str(c) for c in CATEGORIES[scale])


def agreement(
    base: Stat,
    table: pd.DataFrame,
    path: str,
    *,
    raters,
    scale: str,
    coefficient: str,
    weights: str,
    complete: bool = True,
    cache: dict | None = None,
) -> Stat:
    """One coefficient among ``raters`` with the patient-clustered linearised variance."""
    options = ["--coefficient", coefficient, "--weights", weights]
    options += ["--categories", _categories_option(scale), "--input-format", "wide"]
    options += ["--input", path, "--raters", ",".join(raters)]
    options += ["--complete"] if complete else []
    options += ["--variance", "cluster"]
    base.command, base.fields, base.variance = (
        command("estimate", *options),
        ESTIMATE_FIELDS,
        "cluster",
    )
    rows = _cached_ratings(cache, table, raters, scale, complete)
    try:
        result = estimate(
            rows,
            coefficient=coefficient,
            weights=weights,
            variance="cluster",
        )
    except ValueError as exc:
        base.note = str(exc)
        return base
    return _filled(base, result, result.estimate)


def _filled(base: Stat, result, value: float) -> Stat:
    """Copy an AgreementResult's or DifferenceResult's inference onto the exported Stat."""
    low, high = result.confidence_interval(0.95)
    base.estimate, base.standard_error = finite(value), finite(result.standard_error)
    base.ci_low, base.ci_high, base.p_value = finite(low), finite(high), finite(result.pvalue)
    base.n_subjects, base.n_clusters = result.n_subjects, result.n_clusters
    base.df, base.note = finite(result.df), " ".join(result.notes)
    return base


def difference(
    base: Stat,
    table: pd.DataFrame,
    path: str,
    *,
    pair_a,
    pair_b,
    scale: str,
    coefficient: str,
    weights: str,
    variance: str = "cluster",
    bootstrap: int = 0,
    seed: int = 0,
    cache: dict | None = None,
) -> Stat:
    """Paired difference of two agreement coefficients (Gwet 2016) on the units all the
    named raters graded, clustered by patient (or a patient-level cluster bootstrap)."""
    raters = list(dict.fromkeys([*pair_a, *pair_b]))
    options = ["--coefficient", coefficient, "--weights", weights]
    options += ["--categories", _categories_option(scale), "--input-format", "wide"]
    options += ["--input", path, "--pair-a", ",".join(pair_a), "--pair-b", ",".join(pair_b)]
    options += ["--complete", "--variance", variance]
    extra = {}
    if variance == "bootstrap":
        options += ["--bootstrap", str(bootstrap), "--seed", str(seed)]
        extra = {"bootstrap": bootstrap, "seed": seed}
    base.command, base.fields, base.variance = (
        command("compare", *options),
        DIFFERENCE_FIELDS,
        variance,
    )
    rows = _cached_ratings(cache, table, raters, scale, True)
    try:
        result = compare(
            rows,
            coefficient=coefficient,
            weights=weights,
            pair_a=tuple(pair_a),
            pair_b=tuple(pair_b),
            variance=variance,
            **extra,
        )
    except ValueError as exc:
        base.note = str(exc)
        return base
    return _filled(base, result, result.difference)


def proportion(base: Stat, table: pd.DataFrame, path: str, *, column: str) -> Stat:
    """Recall, sensitivity or specificity with Obuchowski's clustered SE (normal CI)."""
    base.command = command("proportion", "--input", path, "--column", column)
    base.fields, base.variance = PROPORTION_FIELDS, "cluster"
    rows = table[table[column].notna()]
    if rows.empty:
        base.note = "No units."
        return base
    result = clustered_proportion(rows[column].to_numpy(dtype=int), rows["cluster"].to_numpy())
    low, high = result.confidence_interval(0.95)
    base.estimate, base.standard_error = finite(result.estimate), finite(result.standard_error)
    base.ci_low, base.ci_high = finite(low), finite(high)
    base.n_subjects, base.n_clusters = result.n, result.n_clusters
    base.note = " ".join(result.notes)
    return base


def recall_difference(base: Stat, table: pd.DataFrame, path: str, *, a: str, b: str) -> Stat:
    """Difference in recall on the same findings, Obuchowski's clustered χ² test."""
    options = ["--input", path, "--a-column", a, "--b-column", b, "--method", "obuchowski"]
    base.command, base.fields = command("recall-compare", *options), RECALL_DIFFERENCE_FIELDS
    base.variance = "cluster"
    rows = table[table[a].notna() & table[b].notna()]
    try:
        result = obuchowski_test(
            rows["cluster"].to_numpy(), rows[a].to_numpy(dtype=int), rows[b].to_numpy(dtype=int)
        )
    except ValueError as exc:
        base.note = str(exc)
        return base
    low, high = result.confidence_interval(0.95)
    base.estimate, base.standard_error = finite(result.difference), finite(result.standard_error)
    base.ci_low, base.ci_high, base.p_value = finite(low), finite(high), finite(result.pvalue)
    base.n_subjects, base.n_clusters = result.n_findings, result.n_clusters
    base.note = " ".join(result.notes)
    return base


def holm_family(stats: list[Stat], path: str, family: str) -> str:
    """Holm-adjust the p-values of ``stats`` as one family; returns the ``cli/`` file text."""
    if not stats:
        return ""
    result = holm([np.nan if s.p_value is None else s.p_value for s in stats])
    holm_cmd = command("holm", "--input", path)
    for stat, adjusted in zip(stats, result.pvalues_adjusted, strict=True):
        stat.p_holm, stat.holm_command, stat.holm_family = finite(adjusted), holm_cmd, family
    lines = ["id,p_value"]
    for stat in stats:
        lines.append(f"{_csv_text(stat.id)},{'' if stat.p_value is None else repr(stat.p_value)}")
    return "\n".join(lines) + "\n"


def _csv_text(text: str) -> str:
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


WILCOXON_FIELDS = {"estimate": "median_difference", "p_value": "p_value", "n_subjects": "n_pairs"}
MIXED_FIELDS = {
    "estimate": "ratio",
    "ci_low": "ratio_ci_low",
    "ci_high": "ratio_ci_high",
    "p_value": "p_value",
    "n_subjects": "n_observations",
}


def time_tests(make, times: pd.DataFrame, path: str, arms: tuple[str, str]) -> list[Stat]:
    """AI-assisted vs unaided reading time, paired by reader and case: a Wilcoxon signed-rank
    test (pingouin) and a log-time mixed model (statsmodels). ``make(statistic)`` gives the
    Stat to fill."""
    from grading.agreement.timing import log_time_mixed_model, paired_time_wilcoxon

    arm_option = ["--arms", ",".join(arms)]
    wilcoxon = make("wilcoxon_median_difference_s")
    wilcoxon.command = command("time-compare", "--input", path, "--method", "wilcoxon", *arm_option)
    wilcoxon.fields = WILCOXON_FIELDS
    mixed = make("log_time_mixed_model_ratio")
    mixed.command = command("time-compare", "--input", path, "--method", "mixed-model", *arm_option)
    mixed.fields = MIXED_FIELDS
    try:
        w = paired_time_wilcoxon(times, arms=arms)
        wilcoxon.estimate, wilcoxon.p_value = finite(w.median_difference), finite(w.pvalue)
        wilcoxon.n_subjects, wilcoxon.note = w.n_pairs, " ".join(w.notes)
    except ValueError as exc:
        wilcoxon.note = str(exc)
    try:
        m = log_time_mixed_model(times, arms=arms)
        low, high = m.ratio_confidence_interval(0.95)
        mixed.estimate, mixed.ci_low, mixed.ci_high = finite(m.ratio), finite(low), finite(high)
        mixed.p_value, mixed.n_subjects = finite(m.pvalue), m.n_observations
        mixed.note = " ".join([f"random effects: {m.structure}", *m.notes])
    except ValueError as exc:
        mixed.note = str(exc)
    return [wilcoxon, mixed]

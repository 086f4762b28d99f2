"""Journal-layout tables for the HTML and PDF: one row per reader and region, one column per
coefficient, cells "estimate (CI low, CI high)". Every number comes from a Stat, so the page,
the PDF and statistics.csv agree (to the 3 decimals shown)."""

from __future__ import annotations

from collections import defaultdict

from grading.reports.model import Table
from grading.reports.stat import Stat
from grading.reports.tables import regions_first

# Coefficient columns: (title, (scale, statistic)), the journal's order; the figures share them.
FOUR_GRADE = [
    ("AC2 linear", ("4-grade", "gwet_ac2_linear")),
    ("κ linear", ("4-grade", "cohen_kappa_linear")),
    ("κ quadratic", ("4-grade", "cohen_kappa_quadratic")),
    ("% agreement", ("4-grade", "percent_agreement")),
]
DICHOTOMOUS = [
    ("AC1", ("dichotomous", "gwet_ac1")),
    ("κ", ("dichotomous", "cohen_kappa")),
    ("Sensitivity", ("dichotomous", "sensitivity")),
    ("Specificity", ("dichotomous", "specificity")),
]


def estimate_ci(stat: Stat | None) -> str:
    if stat is None or stat.estimate is None:
        return "–"
    if stat.ci_low is None or stat.ci_high is None:
        return f"{stat.estimate:.3f}"
    return f"{stat.estimate:.3f} ({stat.ci_low:.3f}, {stat.ci_high:.3f})"


def p_text(value: float | None) -> str:
    if value is None:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _pivot(stats, key, columns: list[tuple[str, tuple]], *, with_p: tuple = ()) -> list[dict]:
    """Rows keyed by ``key(stat)``; each column picks a stat by (scale, statistic[, variance])."""
    grouped: dict[tuple, dict] = defaultdict(dict)
    for stat in stats:
        grouped[key(stat)][(stat.scale, stat.statistic, stat.variance)] = stat
    rows = []
    for row_key in sorted(grouped, key=lambda k: (k[0], regions_first(k[1]), *k[2:])):
        cells = grouped[row_key]
        row = dict(zip(("case_set", "region", "reader"), row_key, strict=False))
        for title, (scale, statistic, *variance) in columns:
            stat = cells.get((scale, statistic, variance[0] if variance else "cluster"))
            row[title] = estimate_ci(stat)
            if title in with_p:
                row[f"{title} p"] = p_text(stat.p_value if stat else None)
                if stat is not None and stat.holm_family:
                    row[f"{title} p (Holm)"] = p_text(stat.p_holm)
        rows.append(row)
    return rows


def _table(name, title, rows, note="") -> Table:
    columns = tuple(dict.fromkeys(c for row in rows for c in row)) if rows else ("case_set",)
    return Table(name, title, columns, tuple(rows), note)


def _label(stat: Stat) -> str:
    return f"{stat.reader} (S{stat.sessions})"


def journal_tables(stats: list[Stat], extra: dict[str, Table]) -> tuple[Table, ...]:
    by = defaultdict(list)
    for stat in stats:
        by[stat.analysis].append(stat)
    four, two = FOUR_GRADE, DICHOTOMOUS
    row_key = lambda s: (s.case_set, s.region, _label(s))  # noqa: E731
    pair_key = lambda s: (s.case_set, s.region, f"{s.reader} vs {s.comparator}")  # noqa: E731
    recall = [s for s in by["recall"]]
    differences = [
        ("ΔAC2 linear", ("4-grade", "gwet_ac2_linear")),
        ("ΔAC1", ("dichotomous", "gwet_ac1")),
        ("ΔRecall", ("", "recall")),
        ("ΔAC2 bootstrap", ("4-grade", "gwet_ac2_linear", "bootstrap")),
    ]
    tables = [
        _table(
            "j_recall",
            "Table 2. Detection recall (95% CI)",
            _pivot(recall, row_key, [("Recall", ("", "recall"))]),
            "Clustered by patient (Obuchowski).",
        ),
        _table(
            "j_agreement_4",
            "Table 3a. Agreement with the reference, 4-grade (95% CI)",
            _pivot(by["agreement_reference"], row_key, four, with_p=("AC2 linear",)),
            "Patient-clustered CIs; p against 0, two-sided.",
        ),
        _table(
            "j_agreement_2",
            "Table 3b. Agreement with the reference, dichotomous (95% CI)",
            _pivot(by["agreement_reference"], row_key, two, with_p=("AC1",)),
        ),
        _table(
            "j_interobserver",
            "Table 4. Interobserver agreement (95% CI)",
            _pivot(
                by["interobserver_pairwise"] + by["interobserver_multirater"],
                pair_key,
                [
                    four[0],
                    four[1],
                    two[0],
                    two[1],
                    ("Fleiss κ linear", ("4-grade", "fleiss_kappa_linear")),
                    ("Fleiss κ", ("dichotomous", "fleiss_kappa")),
                ],
            ),
        ),
        _table(
            "j_intraobserver",
            "Table 5. Intraobserver agreement (95% CI)",
            _pivot(by["intraobserver"], row_key, [four[0], four[1], two[0], two[1]]),
        ),
        extra["washout"],
        _table(
            "j_model_vs_radiologists",
            "Table 9. Model minus radiologist (95% CI)",
            _pivot(
                by["model_vs_radiologist"],
                pair_key,
                differences,
                with_p=("ΔAC2 linear", "ΔAC1", "ΔRecall"),
            ),
            "Paired, clustered by patient; Holm across the family per case set. The bootstrap "
            "column is a sensitivity analysis.",
        ),
        _table(
            "j_ai_vs_unaided",
            "Table 10. AI-assisted minus unaided (95% CI)",
            _pivot(
                by["ai_vs_unaided"],
                row_key,
                [differences[0], differences[1], differences[3]],
                with_p=("ΔAC2 linear", "ΔAC1"),
            ),
        ),
        extra["not_assessable"],
        extra["reading_time"],
        extra["reading_time_tests"],
    ]
    return tuple(t for t in tables if t.rows)

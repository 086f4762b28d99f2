"""The report's tables, laid out like a journal's, from the statistics and the unit tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from grading.agreement.timing import time_summary
from grading.reports.model import Table
from grading.reports.stat import STATISTIC_COLUMNS, Stat
from grading.reports.units import ALL_CASES, OVERALL, in_case_set, rater_column

ESTIMATE = ("estimate", "ci_low", "ci_high", "p_value", "n_subjects", "n_clusters")


def _rows(stats: list[Stat], analyses: tuple[str, ...], columns: tuple[str, ...]) -> tuple:
    return tuple({c: getattr(s, c) for c in columns} for s in stats if s.analysis in analyses)


def statistics_table(stats: list[Stat]) -> Table:
    return Table(
        "statistics",
        "All statistics, each with the command that reproduces it",
        STATISTIC_COLUMNS,
        tuple(s.row() for s in stats),
        "Run the commands from the export folder; their inputs are in cli/.",
    )


def recall_table(stats: list[Stat], source: str) -> Table:
    columns = (
        "case_set",
        "region",
        "reader",
        "sessions",
        *ESTIMATE[:3],
        "n_subjects",
        "n_clusters",
    )
    what = "truth keypoints" if source == "truth" else "the reference reader's required marks"
    return Table(
        "recall",
        "Table 2. Detection recall per region",
        columns,
        _rows(stats, ("recall",), columns),
        f"Findings are {what}; n_subjects counts findings, n_clusters patients. "
        "95% CIs from Obuchowski's clustered variance (normal).",
    )


def agreement_table(stats: list[Stat]) -> Table:
    columns = ("case_set", "region", "scale", "statistic", "reader", "sessions", *ESTIMATE)
    return Table(
        "agreement_reference",
        "Table 3. Agreement with the reference standard",
        columns,
        _rows(stats, ("agreement_reference",), columns),
        "Units: case × site graded by both; recess and foramen pool left and right; overall pools "
        "every site. Patient-clustered linearised SE, t(C − 1) CI, two-sided p against 0.",
    )


def interobserver_table(stats: list[Stat]) -> Table:
    columns = ("case_set", "region", "scale", "statistic", "reader", "comparator", *ESTIMATE)
    return Table(
        "interobserver",
        "Table 4. Interobserver agreement (pairwise and multi-rater)",
        columns,
        _rows(stats, ("interobserver_pairwise", "interobserver_multirater"), columns),
        "Pairwise on units both graded; multi-rater (reader = all raters joined by +) on units "
        "any graded, missing ratings allowed (Gwet's framework).",
    )


def intraobserver_table(stats: list[Stat]) -> Table:
    columns = ("case_set", "region", "scale", "statistic", "reader", "sessions", *ESTIMATE)
    return Table(
        "intraobserver",
        "Table 5. Intraobserver agreement (repeat reading after washout)",
        columns,
        _rows(stats, ("intraobserver",), columns),
        "Each reader's first vs repeat unaided session on units graded in both.",
    )


def comparison_table(stats: list[Stat], analysis: str, name: str, title: str) -> Table:
    columns = (
        "case_set",
        "region",
        "scale",
        "statistic",
        "reader",
        "comparator",
        "sessions",
        "variance",
        "estimate",
        "ci_low",
        "ci_high",
        "p_value",
        "p_holm",
        "n_subjects",
        "n_clusters",
    )
    return Table(
        name,
        title,
        columns,
        _rows(stats, (analysis,), columns),
        "estimate = reader − comparator (paired, same units and patients). variance cluster: "
        "Gwet's paired linearisation (coefficients) or Obuchowski (recall), clustered by "
        "patient, in the Holm family; bootstrap: patient-level cluster bootstrap, a "
        "sensitivity analysis outside the family.",
    )


def confusion_matrices(grades: dict, plan, q: int):
    """(case set, region, reader, q×q counts with rows = reference grade) for every reader of
    the primary session, on the 4-grade units both graded."""
    ordered = sorted(grades.items(), key=lambda kv: (kv[0][0], regions_first(kv[0][1])))
    for (case_set, region, scale), table in ordered:
        if scale != "4-grade":
            continue
        for name in plan.readers:
            column = rater_column(name, plan.primary)
            if column not in table:
                continue
            pairs = table[[plan.reference, column]].dropna().to_numpy(dtype=int)
            counts = np.zeros((q, q), dtype=int)
            np.add.at(counts, (pairs[:, 0], pairs[:, 1]), 1)
            yield case_set, region, name, counts.tolist()


def confusion_table(grades: dict, plan, q: int = 4) -> Table:
    """Counts of reader grade by reference grade (4-grade), per case set, region, reader."""
    columns = (
        "case_set",
        "region",
        "reader",
        "session",
        "reference_grade",
        "reader_grade",
        "count",
    )
    rows = [
        {
            "case_set": case_set,
            "region": region,
            "reader": name,
            "session": plan.primary,
            "reference_grade": ref_grade,
            "reader_grade": grade,
            "count": counts[ref_grade][grade],
        }
        for case_set, region, name, counts in confusion_matrices(grades, plan, q)
        for ref_grade in range(q)
        for grade in range(q)
    ]
    return Table(
        "confusion",
        "Table 6. Confusion matrices against the reference (4-grade)",
        columns,
        tuple(rows),
        "Units graded by both; rows of the matrix are the reference grade.",
    )


def not_assessable_table(frame: pd.DataFrame, case_sets) -> Table:
    columns = ("case_set", "reader", "session", "region", "sites", "not_assessable", "share")
    rows = []
    for case_set in case_sets:
        data = in_case_set(frame, case_set)
        for (reader, session, region), group in data.groupby(["reader", "session", "region"]):
            gaps = int(group["grade"].isna().sum())
            rows.append(
                {
                    "case_set": case_set,
                    "reader": reader,
                    "session": int(session),
                    "region": region,
                    "sites": len(group),
                    "not_assessable": gaps,
                    "share": gaps / len(group),
                }
            )
    return Table(
        "not_assessable",
        "Table 7. Sites graded 'not assessable' (missing ratings, never a fifth grade)",
        columns,
        tuple(rows),
    )


def washout_table(frame: pd.DataFrame, plan) -> Table:
    """Days between a reader's first and repeat read of the same case (the washout observed)."""
    columns = ("reader", "sessions", "cases", "median_days", "min_days", "max_days")
    rows = []
    if plan.repeat is not None:
        reads = frame.drop_duplicates(["reader", "session", "case"])
        reads = reads.assign(at=pd.to_datetime(reads["submitted_at_utc"], utc=True))
        first = reads[reads["session"] == plan.primary].set_index(["reader", "case"])["at"]
        again = reads[reads["session"] == plan.repeat].set_index(["reader", "case"])["at"]
        days = ((again - first).dropna().dt.total_seconds() / 86400.0).reset_index()
        for reader, group in days.groupby("reader"):
            values = group.iloc[:, -1]
            rows.append(
                {
                    "reader": reader,
                    "sessions": f"{plan.primary} vs {plan.repeat}",
                    "cases": len(values),
                    "median_days": float(values.median()),
                    "min_days": float(values.min()),
                    "max_days": float(values.max()),
                }
            )
    return Table(
        "washout",
        "Table 5b. Washout observed between first and repeat reads",
        columns,
        tuple(rows),
        "Submission time of the repeat read minus that of the first read of the same case.",
    )


def time_rows(frame: pd.DataFrame, case_set: str) -> pd.DataFrame:
    """One row per read: reader, case, session, arm, seconds (active reading time)."""
    reads = in_case_set(frame, case_set).drop_duplicates(["reader", "session", "case"])
    return (
        reads[["reader", "case", "session", "arm", "active_s"]]
        .rename(columns={"active_s": "seconds"})
        .reset_index(drop=True)
    )


def reading_time_table(frame: pd.DataFrame, case_sets) -> Table:
    columns = (
        "case_set",
        "reader",
        "session",
        "arm",
        "n",
        "median",
        "q1",
        "q3",
        "mean",
        "min",
        "max",
    )
    rows = []
    for case_set in case_sets:
        for group in time_summary(time_rows(frame, case_set), by=("reader", "session", "arm")):
            rows.append({"case_set": case_set, **group})
    return Table(
        "reading_time",
        "Table 8. Active reading time per reader, session and arm (seconds)",
        columns,
        tuple(rows),
        "Median and interquartile range (q1–q3, numpy's linear quantiles); active time excludes "
        "time with the page hidden or idle.",
    )


def primary_case_set(case_sets) -> str:
    return ALL_CASES if ALL_CASES in case_sets else case_sets[0]


def regions_first(region: str) -> tuple[int, str]:
    """Canal, recess, foramen (the template's order), other regions by name, overall last."""
    order = {"canal": 0, "recess": 1, "foramen": 2, OVERALL: 99}
    return (order.get(region, 50), region)

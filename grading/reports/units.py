"""The analysis units of a report, cut from the tidy reads (pure pandas, no Django).

Every statistic of the report starts from one of these tables, which are also written to
``cli/`` so that ``python -m grading.agreement`` reproduces the statistic from the file:

- **grade tables** (wide): one row per reading unit (case × site) of a case set and region,
  one column per rater ``reader@sN`` (the reader's reads in session N); a blank cell is a
  missing rating ("not assessable", or the case not read in that session);
- **proportion tables** for recall, sensitivity and specificity: one row per unit, 1/0 per
  rater, blank where the rater did not grade the unit;
- **time tables**: one row per read with its active reading time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from grading.reports.cells import safe_text

ALL_CASES = "all"
OVERALL = "overall"
SCALES = ("4-grade", "dichotomous")


def rater_column(reader: str, session: int) -> str:
    """The column of one reader's reads in one session, e.g. ``reader2@s1``.

    A comma would split the CLI's ``--raters`` list, and a leading ``=`` would make a
    spreadsheet run the header as a formula; both are neutralised the same way everywhere.
    """
    return f"{safe_text(reader.replace(',', '_'))}@s{session}"


def site_code(level: str, region: str, side: str) -> str:
    return "/".join(part for part in (level, region, side) if part)


def reads_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """The tidy reads as a frame with ``site``, ``rater`` and a float ``grade`` (NaN = gap)."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return frame
    frame["site"] = [
        site_code(lv, rg, sd)
        for lv, rg, sd in zip(frame["level"], frame["region"], frame["side"], strict=True)
    ]
    frame["rater"] = [
        rater_column(r, s) for r, s in zip(frame["reader"], frame["session"], strict=True)
    ]
    frame["grade"] = pd.to_numeric(frame["grade"], errors="coerce").astype(float)
    return frame


def in_case_set(frame: pd.DataFrame, case_set: str) -> pd.DataFrame:
    return frame if case_set == ALL_CASES else frame[frame["case_set"] == case_set]


def in_region(frame: pd.DataFrame, region: str) -> pd.DataFrame:
    return frame if region == OVERALL else frame[frame["region"] == region]


def master_grades(
    frame: pd.DataFrame, *, raters: Sequence[str], site_order: Sequence[str]
) -> pd.DataFrame:
    """All units of the study, wide: ``subject`` (``case:site``), ``cluster``, ``case_set``,
    ``region``, then one float column per rater (NaN = missing), sorted by case and protocol
    site order. :func:`grade_table` cuts it by case set, region and scale."""
    position = {site: i for i, site in enumerate(site_order)}
    keys = frame[["case", "site", "cluster", "case_set", "region"]].drop_duplicates(
        ["case", "site"]
    )
    keys = keys.assign(_order=keys["site"].map(position)).sort_values(
        ["case", "_order"], kind="stable"
    )
    index = pd.MultiIndex.from_frame(keys[["case", "site"]])
    grades = frame.set_index(["case", "site", "rater"])["grade"]
    wide = grades.unstack("rater").reindex(index=index, columns=list(raters))
    table = pd.DataFrame(wide.to_numpy(dtype=float), columns=list(raters))
    table.insert(0, "region", keys["region"].to_numpy())
    table.insert(0, "case_set", keys["case_set"].to_numpy())
    table.insert(0, "cluster", keys["cluster"].to_numpy())
    table.insert(0, "subject", (keys["case"] + ":" + keys["site"]).to_numpy())
    return table


def grade_table(
    master: pd.DataFrame, *, case_set: str, region: str, scale: str, threshold: int
) -> pd.DataFrame:
    """The units of one case set and region: ``subject``, ``cluster`` and the rater columns,
    dichotomised at ``threshold`` (1 = grade ≥ threshold) for the dichotomous scale."""
    rows = in_region(in_case_set(master, case_set), region)
    table = rows.drop(columns=["case_set", "region"]).reset_index(drop=True)
    if scale == "dichotomous":
        raters = table.columns[2:]
        values = table[raters].to_numpy(dtype=float)
        table[raters] = np.where(np.isnan(values), np.nan, (values >= threshold).astype(float))
    return table


def complete_rows(table: pd.DataFrame, raters: Sequence[str]) -> pd.DataFrame:
    """The units every one of ``raters`` graded (the CLI's ``--complete``)."""
    return table[table[list(raters)].notna().all(axis=1)]


def proportion_table(
    grades: pd.DataFrame, *, reference: str, raters: Sequence[str], positive: bool
) -> pd.DataFrame:
    """Sensitivity (``positive``) or specificity units from a dichotomous grade table.

    Rows: the units the reference graded positive (negative); per rater 1 when the rater
    agrees with the reference on that unit, 0 when not, NaN when the rater did not grade it.
    """
    target = 1.0 if positive else 0.0
    rows = grades[grades[reference] == target]
    out = rows[["subject", "cluster"]].copy()
    for rater in raters:
        values = rows[rater].to_numpy(dtype=float)
        out[rater] = np.where(np.isnan(values), np.nan, (values == target).astype(float))
    return out.reset_index(drop=True)


def detection_table(
    findings: pd.DataFrame,
    marks: pd.DataFrame,
    read_raters: pd.DataFrame,
    *,
    raters: Sequence[str],
    tolerance_mm: dict[str, float],
) -> pd.DataFrame:
    """Detection of the reference's required marks: ``finding``, ``cluster``, 1/0 per rater.

    ``findings``: one row per reference mark (case, site, region, cluster, x, y, z in patient
    mm). ``marks``: the readers' marks (rater, case, site, x, y, z). ``read_raters``: which
    rater read which case (rater, case); a rater who did not read the case gets NaN. A
    finding is detected when the rater has a mark on the same site within the region's
    tolerance (3-D distance); a missing mark is a miss.
    """
    out = findings[["finding", "cluster"]].reset_index(drop=True)
    found = findings.reset_index(drop=True).assign(_row=lambda f: np.arange(len(f)))
    pairs = found.merge(marks, on=["case", "site"], suffixes=("", "_mark"))
    distance = np.sqrt(
        (pairs["x"] - pairs["x_mark"]) ** 2
        + (pairs["y"] - pairs["y_mark"]) ** 2
        + (pairs["z"] - pairs["z_mark"]) ** 2
    )
    limit = pairs["region"].map(tolerance_mm).to_numpy(dtype=float)
    hits = set(
        zip(
            pairs["_row"][distance.to_numpy() <= limit],
            pairs["rater"][distance.to_numpy() <= limit],
            strict=True,
        )
    )
    read = set(zip(read_raters["rater"], read_raters["case"], strict=True))
    for rater in raters:
        was_read = np.array([(rater, case) in read for case in found["case"]], dtype=bool)
        detected = np.array([(i, rater) in hits for i in range(len(found))], dtype=float)
        out[rater] = np.where(was_read, detected, np.nan)
    return out


def cli_csv(table: pd.DataFrame) -> str:
    """A unit table in the CLI's format: whole numbers as integers, blanks for missing."""
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype.kind == "f" and np.all(np.isnan(values) | (values == np.round(values))):
            out[column] = values.astype("Int64")
    return out.to_csv(index=False, lineterminator="\n")

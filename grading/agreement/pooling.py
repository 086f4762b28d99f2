"""Dichotomy and pooling on the tidy ratings table (handbook §9, §12.8).

The tidy table has one row per reading: case, cluster (patient), site, level, region, side,
reader, session, arm, grade. :func:`dichotomise` maps grades to the two classes; :func:`units`
cuts the table into reading units (case × site) per site, region, level or overall, in the
long format of :meth:`grading.agreement.data.Ratings.from_long`.

Pooled units share a patient: one patient contributes up to 25 sites, so a pooled coefficient
needs the patient-clustered variance (``cluster="cluster"``), never the i.i.d. one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

BY = ("site", "region", "level", "overall")
MISSING_GRADES = ("not assessable", "not_assessable")


def dichotomise(grades, *, threshold: float = 2, missing_values=MISSING_GRADES) -> pd.Series:
    """Grades to 0/1: 1 when grade ≥ ``threshold`` (moderate or severe), else 0.

    Parameters
    ----------
    grades : array_like or pandas.Series
        Numeric grades (0 normal, 1 mild, 2 moderate, 3 severe); numeric strings allowed.
    threshold : float
        Smallest positive grade (the protocol's dichotomy, ≥ 2).
    missing_values : sequence of str
        Text meaning "no grade" (compared case-insensitively), kept missing like NaN, None
        and blanks: never a category.

    Returns
    -------
    pandas.Series of dtype ``Int64``
        0, 1 or <NA>, with the input's index when a Series was given.

    Examples
    --------
    >>> dichotomise([0, 1, 2, 3, None]).tolist()
    [0, 0, 1, 1, <NA>]
    """
    series = grades.copy() if isinstance(grades, pd.Series) else pd.Series(list(grades))
    text = series.astype("string").str.strip().str.lower()
    absent = series.isna() | (text == "") | text.isin([m.lower() for m in missing_values])
    numbers = pd.to_numeric(series.where(~absent), errors="coerce")
    bad = numbers.isna() & ~absent
    if bad.any():
        raise ValueError(f"grades holds a non-numeric value: {series[bad].iloc[0]!r}.")
    result = (numbers >= threshold).astype("Int64")
    return result.mask(absent.to_numpy(dtype=bool), pd.NA)


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks the column(s): {', '.join(missing)}.")


def units(
    frame: pd.DataFrame,
    *,
    by: str = "overall",
    case: str = "case",
    cluster: str | None = "cluster",
    site: str = "site",
    level: str = "level",
    region: str = "region",
    rater: str | Sequence[str] = "reader",
    grade: str = "grade",
    missing_values=MISSING_GRADES,
) -> Iterator[tuple[object, pd.DataFrame]]:
    """Reading units grouped by site, region, level or overall, ready for ``Ratings``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The tidy ratings table, already filtered to the readings compared (for example one
        session or one arm).
    by : {"site", "region", "level", "overall"}
        ``site``: one group per grading site; ``region``: pools the levels (and sides) of a
        region; ``level``: pools the regions of a level; ``overall``: every site.
    case, site, level, region, grade : str
        Column names; ``level`` and ``region`` are needed only for those groupings.
    cluster : str or None
        The patient column; None (or absent) uses the case as the cluster.
    rater : str or sequence of str
        Column(s) naming a rater; give ``["reader", "session"]`` for intra-reader analyses,
        where one reader rates each unit once per session (the rater is then a tuple).
    missing_values : sequence of str
        Grade text meaning "no grade" ("not assessable"), turned into a missing rating.

    Yields
    ------
    (label, pandas.DataFrame)
        The group label (``"overall"`` for ``by="overall"``) and a long frame with columns
        ``subject`` (the (case, site) unit), ``rater``, ``rating`` and ``cluster``, plus
        ``case`` and ``site``, one row per rating, for
        ``Ratings.from_long(unit_frame, categories=..., cluster="cluster")``.

    Notes
    -----
    A pooled group holds several units of one patient; their readings are correlated, so
    use the cluster (patient) variance, whose df is the number of patients − 1. Groups come in
    order of first appearance. A rater rating one unit twice is an error: add the session to
    ``rater`` or filter the table.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {BY}, got {by!r}.")
    raters = [rater] if isinstance(rater, str) else list(rater)
    if not raters:
        raise ValueError("rater must name at least one column.")
    grouping = {"site": site, "region": region, "level": level, "overall": None}[by]
    needed = [case, site, grade, *raters] + ([grouping] if grouping else [])
    _require(frame, needed)
    use_cluster = cluster if cluster is not None and cluster in frame.columns else case
    text = frame[grade].astype("string").str.strip().str.lower()
    rating = frame[grade].mask(text.isin([m.lower() for m in missing_values]).fillna(False))
    rater_label = (
        frame[raters[0]]
        if len(raters) == 1
        else pd.Series(list(zip(*(frame[r] for r in raters), strict=True)), index=frame.index)
    )
    long = pd.DataFrame(
        {
            "subject": list(zip(frame[case], frame[site], strict=True)),
            "rater": rater_label,
            "rating": rating,
            "cluster": frame[use_cluster],
            "case": frame[case],
            "site": frame[site],
        },
        index=frame.index,
    )
    duplicated = long.duplicated(["subject", "rater"])
    if duplicated.any():
        row = long[duplicated].iloc[0]
        raise ValueError(
            f"Rater {row['rater']!r} rated unit {row['subject']!r} more than once; add the "
            "session to rater or filter the table."
        )
    if grouping is None:
        yield "overall", long.reset_index(drop=True)
        return
    keys = frame[grouping]
    for label in pd.unique(keys):
        mask = keys.isna() if pd.isna(label) else (keys == label)
        yield label, long[np.asarray(mask, dtype=bool)].reset_index(drop=True)

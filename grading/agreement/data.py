"""Rating data in the three shapes statisticians hand us, on declared categories.

- *long*: one row per (subject, rater, rating[, cluster]); a blank rating is missing;
- *table*: a q × q contingency table of two raters (rows: rater A, columns: rater B);
- *counts*: subject × category counts r_ik (how many raters put subject i in category k).

Every shape is checked against the declared categories; a rating outside them is an error,
never a silent new category (handbook statistics §12.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

MISSING = -1


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _numeric(values: Sequence) -> list[float] | None:
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return None


class CategoryIndex:
    """Maps rating values to category positions, numerically when the categories are numbers."""

    def __init__(self, categories: Sequence):
        self.categories = tuple(categories)
        if len(self.categories) < 2:
            raise ValueError("Declare at least two categories.")
        numeric = _numeric(self.categories)
        self.numeric = numeric is not None
        keys = numeric if numeric is not None else [str(c).strip() for c in self.categories]
        if len(set(keys)) != len(keys):
            raise ValueError("Categories must be distinct.")
        self._index = {key: i for i, key in enumerate(keys)}

    def key(self, value):
        if self.numeric:
            try:
                return float(value)
            except (TypeError, ValueError):
                return value
        return str(value).strip()

    def positions(self, values) -> np.ndarray:
        """Vectorised lookup: category positions, −1 for missing, −2 for an unknown value.

        A float array (NaN = missing) takes a pure-numpy path: the CLI's wide input never
        needs pandas, whose import alone costs more than a large computation.
        """
        if self.numeric and isinstance(values, np.ndarray) and values.dtype.kind == "f":
            return self._numeric_positions(values, np.isnan(values))
        import pandas as pd

        series = pd.Series(values)
        missing = series.isna().to_numpy().copy()  # pandas may hand out a read-only view
        if self.numeric:
            numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
            out = self._numeric_positions(numbers, missing)
            found = out != -2
        else:
            mapped = series.astype(str).str.strip().map(self._index)
            found = mapped.notna().to_numpy()
            out = np.where(found, mapped.fillna(-2).to_numpy(), -2)
        # Whitespace-only cells are blanks too; only the few unmatched cells are inspected.
        unmatched = np.flatnonzero(~found & ~missing)
        if unmatched.size:
            blank = series.iloc[unmatched].astype(str).str.strip() == ""
            missing[unmatched[blank.to_numpy()]] = True
        return np.where(missing, MISSING, out).astype(np.int64)

    def _numeric_positions(self, numbers: np.ndarray, missing: np.ndarray) -> np.ndarray:
        keys = np.array(list(self._index), dtype=float)
        order = np.argsort(keys)
        slot = np.clip(np.searchsorted(keys[order], numbers), 0, len(keys) - 1)
        found = keys[order][slot] == numbers
        return np.where(missing, MISSING, np.where(found, order[slot], -2)).astype(np.int64)

    def __call__(self, value, *, where: str = "") -> int:
        if _is_missing(value):
            return MISSING
        try:
            return self._index[self.key(value)]
        except (KeyError, TypeError):
            known = ", ".join(str(c) for c in self.categories)
            raise ValueError(
                f"Rating {value!r}{where} is not a declared category ({known})."
            ) from None


def observed_categories(values: Sequence) -> tuple:
    """Sorted distinct non-missing values: what ``categories="observed"`` uses."""
    present = {v for v in values if not _is_missing(v)}
    numeric = _numeric(sorted(present, key=str))
    if numeric is not None:
        as_numbers = sorted(present, key=float)
        return tuple(int(float(v)) if float(v).is_integer() else float(v) for v in as_numbers)
    return tuple(sorted(present, key=str))


def _cluster_codes(clusters: Sequence) -> tuple[np.ndarray, tuple]:
    """Integer codes 0..C−1 in order of first appearance, and the labels."""
    labels, first, codes = np.unique(
        np.asarray(clusters, dtype=object).astype(str), return_index=True, return_inverse=True
    )
    order = np.argsort(first)  # relabel so codes follow first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    values = list(clusters)
    return rank[codes].astype(np.int64), tuple(values[i] for i in np.sort(first))


@dataclass(frozen=True, eq=False)
class Ratings:
    """Ratings on declared categories in one of three shapes (``kind``).

    Attributes
    ----------
    kind : {"matrix", "table", "counts"}
    categories : tuple
    matrix : ndarray of int, shape (n_subjects, n_raters), or None
        Category positions, -1 where a rater did not rate the subject (long input).
    table : ndarray, shape (q, q), or None
    counts : ndarray, shape (n_subjects, q), or None
    subjects : sequence or None
        Subject labels (an array for long input).
    raters : tuple or None
    clusters : ndarray of int, shape (n_subjects,), or None
        Cluster (e.g. patient) of each subject, for clustered variances.
    categories_inferred : bool
        True when the categories were taken from the data (``categories="observed"``).
    """

    kind: str
    categories: tuple
    matrix: np.ndarray | None = None
    table: np.ndarray | None = None
    counts: np.ndarray | None = None
    subjects: Sequence | None = None
    raters: tuple | None = None
    clusters: np.ndarray | None = None
    cluster_labels: tuple | None = None
    categories_inferred: bool = False

    @property
    def q(self) -> int:
        return len(self.categories)

    def rater_counts(self) -> np.ndarray:
        """r_ik for every subject (matrix and counts input), as floats. Computed once."""
        if self.kind == "table":
            raise ValueError("A contingency table has no per-subject counts.")
        return self._rater_counts

    @cached_property
    def _rater_counts(self) -> np.ndarray:
        if self.kind == "counts":
            return self.counts.astype(float)
        n, q = self.matrix.shape[0], self.q
        rows, cols = np.nonzero(self.matrix >= 0)
        cells = rows * q + self.matrix[rows, cols]
        return np.bincount(cells, minlength=n * q).reshape(n, q).astype(float)

    @property
    def n_subjects(self) -> int:
        """Subjects with at least one rating (for a table: its total count)."""
        if self.kind == "table":
            return int(round(self.table.sum()))
        return int(np.sum(self.rater_counts().sum(axis=1) >= 1))

    @property
    def n_raters(self) -> int:
        if self.kind == "table":
            return 2
        if self.kind == "matrix":
            return self.matrix.shape[1]
        return int(self.counts.sum(axis=1).max())

    # ---- constructors -------------------------------------------------------------------

    @classmethod
    def from_long(
        cls,
        frame: pd.DataFrame,
        *,
        categories: Sequence | str,
        subject: str = "subject",
        rater: str = "rater",
        rating: str = "rating",
        cluster: str | None = None,
    ) -> Ratings:
        """From a long table with one row per (subject, rater) rating."""
        import pandas as pd

        needed = [subject, rater, rating] + ([cluster] if cluster else [])
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ValueError(f"The long table lacks the column(s): {', '.join(missing)}.")
        inferred = isinstance(categories, str) and categories == "observed"
        if inferred:
            categories = observed_categories(frame[rating].tolist())
        index = CategoryIndex(categories)
        subject_codes, subject_values = pd.factorize(frame[subject], sort=False)
        rater_codes, rater_values = pd.factorize(frame[rater], sort=False)
        # Subjects stay an array: a tuple of 375,000 labels costs more than the statistics.
        subjects, raters = subject_values.to_numpy(), tuple(rater_values)
        if (subject_codes < 0).any() or (rater_codes < 0).any():
            raise ValueError("Every row needs a subject and a rater.")
        cell = subject_codes * len(raters) + rater_codes
        if np.bincount(cell, minlength=len(subjects) * len(raters)).max(initial=0) > 1:
            first = frame[frame.duplicated([subject, rater])].iloc[0]
            raise ValueError(
                f"Rater {first[rater]!r} rated subject {first[subject]!r} more than once."
            )
        positions = index.positions(frame[rating])
        bad = positions == -2
        if bad.any():
            row = frame[bad].iloc[0]
            index(row[rating], where=f" (subject {row[subject]}, rater {row[rater]})")
        matrix = np.full((len(subjects), len(raters)), MISSING, dtype=np.int64)
        matrix[subject_codes, rater_codes] = positions
        clusters = labels = None
        if cluster:
            per_subject = frame.groupby(subject, sort=False)[cluster].agg(pd.unique)
            if any(len(v) > 1 for v in per_subject):
                raise ValueError("A subject belongs to more than one cluster.")
            values = [per_subject[s][0] for s in subjects]
            labels = tuple(pd.unique(pd.Series(values)))
            c_pos = {c: i for i, c in enumerate(labels)}
            clusters = np.array([c_pos[v] for v in values], dtype=np.int64)
        return cls(
            kind="matrix",
            categories=tuple(categories),
            matrix=matrix,
            subjects=subjects,
            raters=raters,
            clusters=clusters,
            cluster_labels=labels,
            categories_inferred=inferred,
        )

    @classmethod
    def from_matrix(
        cls,
        ratings: np.ndarray | Sequence[Sequence],
        *,
        categories: Sequence,
        clusters: Sequence | None = None,
        raters: Sequence | None = None,
    ) -> Ratings:
        """From a subjects × raters array of rating values (NaN or None where missing)."""
        values = np.asarray(ratings)
        if values.dtype.kind not in "f":
            values = values.astype(object)
        if values.ndim != 2:
            raise ValueError("Ratings must be a subjects × raters array.")
        index = CategoryIndex(categories)
        flat = index.positions(values.ravel())
        if (flat == -2).any():
            index(values.ravel()[np.flatnonzero(flat == -2)[0]])  # raises, naming the value
        matrix = flat.reshape(values.shape)
        cluster_array = labels = None
        if clusters is not None:
            if len(clusters) != values.shape[0]:
                raise ValueError("clusters must give one cluster per subject.")
            cluster_array, labels = _cluster_codes(clusters)
        return cls(
            kind="matrix",
            categories=tuple(categories),
            matrix=matrix.astype(np.int64),
            subjects=tuple(range(values.shape[0])),
            raters=tuple(raters) if raters is not None else tuple(range(values.shape[1])),
            clusters=cluster_array,
            cluster_labels=labels,
        )

    @classmethod
    def from_table(cls, table: np.ndarray | Sequence[Sequence], *, categories: Sequence) -> Ratings:
        """From a q × q two-rater contingency table in ``categories`` order."""
        array = np.asarray(table, dtype=float)
        if array.ndim != 2 or array.shape[0] != array.shape[1]:
            raise ValueError(f"A contingency table must be square; got shape {array.shape}.")
        if array.shape[0] != len(categories):
            raise ValueError(
                f"The table is {array.shape[0]} × {array.shape[0]} but {len(categories)} "
                "categories are declared."
            )
        if np.any(array < 0) or not np.all(np.isfinite(array)):
            raise ValueError("Table counts must be finite and non-negative.")
        CategoryIndex(categories)
        return cls(kind="table", categories=tuple(categories), table=array)

    @classmethod
    def from_counts(
        cls,
        counts: np.ndarray | Sequence[Sequence],
        *,
        categories: Sequence,
        clusters: Sequence | None = None,
    ) -> Ratings:
        """From subject × category counts r_ik in ``categories`` order."""
        array = np.asarray(counts, dtype=float)
        if array.ndim != 2 or array.shape[1] != len(categories):
            raise ValueError(f"Counts need one column per declared category ({len(categories)}).")
        if np.any(array < 0) or not np.all(np.isfinite(array)):
            raise ValueError("Counts must be finite and non-negative.")
        CategoryIndex(categories)
        cluster_array = labels = None
        if clusters is not None:
            if len(clusters) != array.shape[0]:
                raise ValueError("clusters must give one cluster per subject.")
            cluster_array, labels = _cluster_codes(clusters)
        return cls(
            kind="counts",
            categories=tuple(categories),
            counts=array,
            subjects=tuple(range(array.shape[0])),
            clusters=cluster_array,
            cluster_labels=labels,
        )

    def pair(self, rater_a, rater_b) -> Ratings:
        """The two-rater sub-matrix (matrix input only), keeping every subject."""
        if self.kind != "matrix":
            raise ValueError("Rater pairs need long (or matrix) input.")
        for name in (rater_a, rater_b):
            if name not in self.raters:
                raise ValueError(f"No rater {name!r} in the data.")
        columns = [self.raters.index(rater_a), self.raters.index(rater_b)]
        return Ratings(
            kind="matrix",
            categories=self.categories,
            matrix=self.matrix[:, columns],
            subjects=self.subjects,
            raters=(rater_a, rater_b),
            clusters=self.clusters,
            cluster_labels=self.cluster_labels,
            categories_inferred=self.categories_inferred,
        )

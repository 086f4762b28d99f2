"""Subjects compressed to their distinct rating patterns, cached per :class:`Ratings`.

Every per-subject quantity of Gwet's raw framework (r_ik, p_a|i, p_e|i, κ*_i, the columns of
the replicate engine) depends on the subject's row of ratings only, given global quantities
(p_e, the estimate). With r raters on q categories a row is one of at most (q + 1)^r
patterns (25 for two raters on four grades), so the n subjects reduce to P distinct rows
with multiplicities m_p, and every sum over subjects is a weighted sum over patterns:

    Σ_i f(row_i) = Σ_p m_p f(row_p),   Σ_{i ∈ c} f(row_i) = Σ_p m_cp f(row_p),

with m_cp the subjects of cluster c showing pattern p (the *cells*). Sums are exact
rearrangements of the per-subject sums: results agree with the per-subject computation to
rounding (a few ulp), not bit for bit.

A row is coded in mixed radix, Σ_g (x_g + 1)(q + 1)^g (x_g = −1 when rater g did not rate),
and the codes are counted with one ``bincount`` when (q + 1)^r is small, else sorted once.
When the patterns are not much fewer than the subjects (many raters), the subjects are their
own patterns (every m_p = 1): the per-subject computation itself, through the same code.

The compression and the cluster cells are computed once per :class:`Ratings` object and kept
in a weak-keyed cache, so the 8 coefficients × weightings asked of one rater pair reuse them.
A :class:`Ratings` is treated as immutable (as its own cached rater counts already are).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np

# Compress only when the distinct patterns are at most this share of the rated subjects;
# above it the subjects stay their own patterns. 0 forces the per-subject path (tests).
MAX_PATTERN_SHARE = 0.5
# Codes are counted with a bincount (rather than sorted) up to this many code values …
_DENSE_CODES = 1 << 20
# … or up to this multiple of the rows, whichever is larger.
_DENSE_PER_ROW = 4

_BY_RATINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_BY_ARRAY: dict[int, tuple[weakref.ref, tuple[np.ndarray, int]]] = {}


def cached(ratings, key, build):
    """``build()`` once per (``ratings`` object, ``key``); not cached if not weak-referable."""
    try:
        store = _BY_RATINGS.get(ratings)
        if store is None:
            store = _BY_RATINGS[ratings] = {}
    except TypeError:
        return build()
    try:
        return store[key]
    except KeyError:
        value = store[key] = build()
        return value


def _dense(code_range: int, rows: int) -> bool:
    return code_range <= max(_DENSE_CODES, _DENSE_PER_ROW * rows)


def _distinct(codes: np.ndarray, code_range: int, positions: bool = True):
    """Sorted distinct values of non-negative ``codes`` < ``code_range``, their counts and
    (if ``positions``) the position of every code among them."""
    if _dense(code_range, codes.size):
        counts = np.bincount(codes, minlength=code_range)
        values = np.flatnonzero(counts)
        if not positions:
            return values, counts[values], None
        lookup = np.empty(code_range, dtype=np.int64)
        lookup[values] = np.arange(values.size)
        return values, counts[values], lookup[codes]
    if not positions:
        values, counts = np.unique(codes, return_counts=True)
        return values, counts, None
    values, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    return values, counts, inverse.ravel()


@dataclass(frozen=True, eq=False)
class Patterns:
    """The rated subjects of a Ratings as P distinct patterns with multiplicities.

    Attributes
    ----------
    rk : ndarray, shape (P, q)
        r_pk of every pattern, as floats.
    rows : ndarray of int, shape (P, r), or None
        The matrix row of every pattern (category positions, −1 missing); None for counts.
    count : ndarray, shape (P,)
        m_p, the subjects showing pattern p (floats; Σ m_p = n).
    index : ndarray of int, shape (n_rows,)
        Pattern of every row of the Ratings; −1 for a row without any rating.
    compressed : bool
        False when every subject is its own pattern (the per-subject path).
    """

    rk: np.ndarray
    rows: np.ndarray | None
    count: np.ndarray
    index: np.ndarray
    compressed: bool

    @cached_property
    def n(self) -> int:
        """Rated subjects (r_i ≥ 1)."""
        return int(round(float(self.count.sum())))

    @cached_property
    def r(self) -> np.ndarray:
        """r_p = Σ_k r_pk, the ratings of every pattern."""
        return self.rk.sum(axis=1)

    @cached_property
    def subjects(self) -> np.ndarray:
        """Rows of the Ratings with at least one rating, in order."""
        return np.flatnonzero(self.index >= 0)


def _rater_counts(rows: np.ndarray, q: int) -> np.ndarray:
    """r_ik of matrix rows (one bincount)."""
    n = rows.shape[0]
    rated = rows >= 0
    cells = np.arange(n)[:, None] * q + rows
    return np.bincount(cells[rated], minlength=n * q).reshape(n, q).astype(float)


def _per_subject(rk: np.ndarray, rows: np.ndarray | None, rated: np.ndarray) -> Patterns:
    subjects = np.flatnonzero(rated)
    index = np.full(rated.size, -1, dtype=np.int64)
    index[subjects] = np.arange(subjects.size)
    return Patterns(
        rk=rk[subjects],
        rows=None if rows is None else rows[subjects],
        count=np.ones(subjects.size),
        index=index,
        compressed=False,
    )


def _mixed_radix(columns: np.ndarray, base: int) -> np.ndarray:
    """Σ_g columns[:, g]·base^g (int64), columns already shifted to 0..base − 1."""
    code = columns[:, -1].astype(np.int64)
    for g in range(columns.shape[1] - 2, -1, -1):
        code *= base
        code += columns[:, g]
    return code


def _compress(codes: np.ndarray, code_range: int, rated_rows: int):
    """(values, counts, pattern index) of the non-zero codes (code 0: nothing rated), or None
    when the patterns would not be fewer than ``MAX_PATTERN_SHARE`` of the rated rows."""
    values, counts, position = _distinct(codes, code_range)
    first = 1 if values.size and values[0] == 0 else 0
    if values.size - first > MAX_PATTERN_SHARE * rated_rows:
        return None
    index = position - first  # −1 exactly for the rows with code 0
    return values[first:], counts[first:].astype(float), index


def _matrix_patterns(x: np.ndarray, q: int) -> Patterns:
    n, r = x.shape
    base = q + 1
    if r == 0 or n == 0:
        return _per_subject(np.zeros((n, q)), x, np.zeros(n, dtype=bool))
    if MAX_PATTERN_SHARE > 0 and r * math.log2(base) < 62:
        codes = _mixed_radix(x + 1, base)
        rated_rows = n - int(np.count_nonzero(codes == 0))
        found = _compress(codes, base**r, rated_rows)
        if found is not None:
            values, counts, index = found
            rows = (values[:, None] // base ** np.arange(r, dtype=np.int64)[None, :]) % base - 1
            return Patterns(
                rk=_rater_counts(rows, q), rows=rows, count=counts, index=index, compressed=True
            )
    rated = np.any(x >= 0, axis=1)
    return _per_subject(_rater_counts(x, q), x, rated)


def _counts_patterns(counts: np.ndarray) -> Patterns:
    rk = np.asarray(counts, dtype=float)
    n, q = rk.shape
    if MAX_PATTERN_SHARE > 0 and n and np.all(rk == np.round(rk)):
        base = int(rk.max()) + 1
        if q * math.log2(base) < 52:  # codes exact in float arithmetic
            codes = (rk @ (float(base) ** np.arange(q))).astype(np.int64)
            found = _compress(codes, base**q, n)
            if found is not None:
                values, weights, index = found
                patterns = (values[:, None] // base ** np.arange(q, dtype=np.int64)[None, :]) % base
                return Patterns(
                    rk=patterns.astype(float), rows=None, count=weights, index=index,
                    compressed=True,
                )  # fmt: skip
    return _per_subject(rk, None, rk.sum(axis=1) >= 1)


def patterns_of(ratings) -> Patterns:
    """The :class:`Patterns` of a matrix or counts Ratings (cached per object)."""
    if ratings.kind == "matrix":
        return cached(
            ratings, ("patterns", MAX_PATTERN_SHARE),
            lambda: _matrix_patterns(np.asarray(ratings.matrix), ratings.q),
        )  # fmt: skip
    if ratings.kind == "counts":
        return cached(
            ratings, ("patterns", MAX_PATTERN_SHARE), lambda: _counts_patterns(ratings.counts)
        )
    raise ValueError("A contingency table has no per-subject rows.")


def cluster_codes(clusters) -> tuple[np.ndarray, int]:
    """Codes 0..K − 1 of a cluster array in increasing label order, and K (cached per array).

    Clusters given as small non-negative integer codes (what :class:`Ratings` builds) are
    coded with a bincount; other labels are sorted once.
    """
    array = clusters if isinstance(clusters, np.ndarray) else None
    if array is not None:
        hit = _BY_ARRAY.get(id(array))
        if hit is not None and hit[0]() is array:
            return hit[1]
    labels = np.asarray(clusters).ravel()
    if (
        labels.dtype.kind in "iu"
        and labels.size
        and labels.min() >= 0
        and _dense(int(labels.max()) + 1, labels.size)
    ):
        present = np.bincount(labels) > 0
        remap = np.cumsum(present) - 1
        result = remap[labels], int(present.sum())
    else:
        values, codes = np.unique(labels, return_inverse=True)
        result = codes.ravel().astype(np.int64), int(values.size)
    if array is not None:
        key = id(array)
        try:
            ref = weakref.ref(array, lambda _r, key=key: _BY_ARRAY.pop(key, None))
        except TypeError:
            return result
        _BY_ARRAY[key] = (ref, result)
    return result


def present_units(codes: np.ndarray, n_units: int) -> tuple[np.ndarray, int]:
    """Map of unit codes 0..K − 1 to 0..C − 1 over the C codes that occur, and C."""
    present = np.bincount(codes, minlength=n_units) > 0
    return np.cumsum(present) - 1, int(present.sum())


@dataclass(frozen=True, eq=False)
class Cells:
    """Rated subjects counted by (cluster, pattern): m_cp.

    Either the dense K × P matrix ``matrix`` (K clusters, P patterns; when K·P is small) or
    the non-empty cells as ``unit`` (cluster code 0..K − 1, increasing label order),
    ``pattern`` and ``count`` (floats).
    """

    n_units: int
    matrix: np.ndarray | None = None
    unit: np.ndarray | None = None
    pattern: np.ndarray | None = None
    count: np.ndarray | None = None

    @cached_property
    def units(self) -> tuple[np.ndarray, int]:
        """Which of the K clusters hold a rated subject (bool, length K), and how many."""
        if self.matrix is not None:
            present = self.matrix.any(axis=1)
        else:
            present = np.bincount(self.unit, minlength=self.n_units) > 0
        return present, int(np.count_nonzero(present))

    def totals(self, values: np.ndarray, domain: np.ndarray | None = None):
        """Σ_{i ∈ c} values[pattern_i] per cluster code (length K), over the subjects whose
        pattern is in ``domain`` (all when None), and the clusters holding such a subject."""
        if self.matrix is not None:
            if domain is None:
                return self.matrix @ values, self.units[1]
            inside = self.matrix @ domain.astype(float)
            sums = self.matrix @ np.where(domain, values, 0.0)
            return sums, int(np.count_nonzero(inside))
        unit, pattern, count = self.unit, self.pattern, self.count
        if domain is not None:
            keep = domain[pattern]
            unit, pattern, count = unit[keep], pattern[keep], count[keep]
        sums = np.bincount(unit, weights=count * values[pattern], minlength=self.n_units)
        return sums, int(np.count_nonzero(np.bincount(unit, minlength=self.n_units)))

    def unit_sums(self, columns: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Σ_{i ∈ c} columns[pattern_i] (C × d) for the clusters c marked in ``keep`` (bool,
        length K, a superset of :attr:`units`), in cluster order."""
        if self.matrix is not None:
            matrix = self.matrix if keep.all() else self.matrix[keep]
            return matrix @ columns
        target = (np.cumsum(keep) - 1)[self.unit]
        n_out = int(np.count_nonzero(keep))
        weighted = self.count[:, None] * columns[self.pattern]
        return np.column_stack(
            [np.bincount(target, weights=w, minlength=n_out) for w in weighted.T]
        )


def _build_cells(codes: np.ndarray, n_units: int, patterns: Patterns) -> Cells:
    if patterns.n == patterns.index.size:  # every row rated
        unit, pattern = codes, patterns.index
    else:
        subjects = patterns.subjects
        unit, pattern = codes[subjects], patterns.index[subjects]
    n_patterns = patterns.count.size
    if patterns.compressed and _dense(n_units * n_patterns, unit.size):
        matrix = np.bincount(unit * n_patterns + pattern, minlength=n_units * n_patterns)
        return Cells(n_units, matrix=matrix.reshape(n_units, n_patterns).astype(float))
    if not patterns.compressed:  # one subject per pattern: the cells are the subjects
        order = np.argsort(unit, kind="stable")
        return Cells(n_units, unit=unit[order], pattern=pattern[order], count=np.ones(unit.size))
    values, counts = _distinct(unit * n_patterns + pattern, n_units * n_patterns, False)[:2]
    return Cells(
        n_units, unit=values // n_patterns, pattern=values % n_patterns, count=counts.astype(float)
    )


def cells_of(ratings, patterns: Patterns) -> Cells:
    """The (cluster, pattern) cells of a Ratings with clusters (cached per object)."""

    def build() -> Cells:
        codes, n_units = cluster_codes(ratings.clusters)
        if codes.size != patterns.index.size:
            raise ValueError("ratings.clusters must give one cluster per subject.")
        return _build_cells(codes, n_units, patterns)

    return cached(ratings, ("cells", id(patterns)), build)

"""Agreement among any number of raters with missing ratings: Gwet's framework.

The reference implementation is R irrCAC 1.4 (``gwet.ac1.raw``, ``fleiss.kappa.raw``,
``conger.kappa.raw``, ``bp.coeff.raw``, ``pa.coeff.raw``, ``krippen.alpha.raw`` and the
``.dist`` functions for counts input; Gwet 2014, ch. 2–5). With r_ik raters putting subject i
in category k, r_i = Σ_k r_ik, r*_ik = Σ_l w_kl r_il and n₂ subjects with r_i ≥ 2 (handbook
statistics §4):

- p_a = mean over the n₂ subjects of p_a|i = Σ_k r_ik(r*_ik − 1)/(r_i(r_i − 1));
- π_k = (1/n) Σ_i r_ik/r_i over the n subjects with at least one rating;
- every coefficient is (p_a − p_e)/(1 − p_e) with

====================  ===============================================================
coefficient           chance agreement p_e
====================  ===============================================================
gwet (AC1/AC2)        T_w/(q(q − 1)) · Σ_k π_k(1 − π_k),  T_w = Σ_kl w_kl  (Gwet 2008)
fleiss, scott         Σ_kl w_kl π_k π_l                   (Fleiss 1971, generalised)
conger, cohen         Σ_kl w_kl (p̄_k p̄_l − s_kl/r)        (Conger 1980)
brennan_prediger      T_w/q²                              (Brennan & Prediger 1981)
percent               0
krippendorff          Σ_kl w_kl π_k π_l on the n₂ subjects, p_a bias-corrected (Gwet 2014)
====================  ===============================================================

``cohen`` is Conger's κ with two raters (Cohen's κ on complete data) and ``scott`` is Fleiss'
κ with two raters (Scott's π on complete data).

Variance (Gwet 2008, doi:10.1348/000711006X126600): each subject gets a linearised term
κ*_i = κ_i − 2(1 − κ̂)(p_e|i − p_e)/(1 − p_e), κ_i = (n/n₂)(p_a|i − p_e·1[r_i ≥ 2])/(1 − p_e),
with mean(κ*_i) = κ̂, and Var(κ̂) = (1 − f)/(n(n − 1)) Σ_i (κ*_i − κ̂)² on t(n − 1). The
cluster-robust variance sums the terms within clusters (handbook §9); the jackknife and
the cluster bootstrap recompute the coefficient from per-cluster sufficient statistics
(:mod:`grading.agreement._bootstrap`).

Computation: every per-subject term depends on the subject's row of ratings only (given p_e
and κ̂), so subjects are reduced once per :class:`Ratings` to their distinct rating patterns
with multiplicities, and per-cluster sums to (cluster × pattern) counts
(:mod:`grading.agreement._patterns`); with two raters on q = 4 grades that is at most 25
patterns however many subjects. The results are those of the per-subject sums up to rounding.

References
----------
Gwet (2008), Br J Math Stat Psychol 61:29, doi:10.1348/000711006X126600. Gwet (2014),
*Handbook of Inter-Rater Reliability*, 4th ed. Fleiss (1971), Psychol Bull 76:378,
doi:10.1037/h0031619. Fleiss, Nee & Landis (1979), Psychol Bull 86:974,
doi:10.1037/0033-2909.86.5.974. Conger (1980), Psychol Bull 88:322,
doi:10.1037/0033-2909.88.2.322. Brennan & Prediger (1981), Educ Psychol Meas 41:687,
doi:10.1177/001316448104100307.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from grading.agreement import _bootstrap, _patterns
from grading.agreement._common import ALTERNATIVES, AgreementResult
from grading.agreement.data import Ratings
from grading.agreement.weights import weight_matrix

__all__ = ["COEFFICIENTS", "RAW_VARIANCES", "SubjectTerms", "raw_coefficient", "subject_terms"]

COEFFICIENTS = (
    "gwet",
    "fleiss",
    "conger",
    "brennan_prediger",
    "percent",
    "krippendorff",
    "cohen",
    "scott",
)
RAW_VARIANCES = ("linearized", "cluster", "jackknife", "bootstrap")
CI_METHODS = ("percentile", "bca", "t")
_BY_RATER = ("conger", "cohen")


@dataclass(frozen=True, eq=False)
class SubjectTerms:
    """Per-subject linearised terms of one coefficient (Gwet 2008; handbook §4).

    Attributes
    ----------
    coefficient : str
    estimate : float
        The coefficient (nan, with a note, where chance agreement is 1).
    pa, pe : float
        Observed and chance agreement (Krippendorff: p_a = (1 − ε)p′_a + ε).
    kappa_star : ndarray, shape (n,)
        κ*_i for the n subjects with at least one rating, in ``subjects`` order;
        ``mean(kappa_star) == centre`` up to rounding. Krippendorff: the raw-form terms of
        the n₂ subjects with r_i ≥ 2, embedded among the n subjects as
        α′ + (n/n₂)(κ*_i − α′), and α′ for a subject rated once.
    subjects : ndarray of int, shape (n,)
        Rows of the :class:`Ratings` with at least one rating.
    n, n2 : int
        Subjects with at least one, and with at least two, ratings.
    centre : float
        What the terms are centred on: the estimate, or α′ = (p′_a − p_e)/(1 − p_e) for
        Krippendorff's α (irrCAC ``krippen.alpha.raw``).
    deviations : ndarray, shape (n,)
        e_i entering the linearised variance: κ*_i − κ̂; Krippendorff: κ*_i − α′ on the n₂
        subjects, 0 for a subject rated once.
    domain : ndarray of bool, shape (n,)
        Subjects over which the variance is taken (all; Krippendorff: r_i ≥ 2).
    notes : tuple of str
    """

    coefficient: str
    estimate: float
    pa: float
    pe: float
    kappa_star: np.ndarray
    subjects: np.ndarray
    n: int
    n2: int
    centre: float
    deviations: np.ndarray
    domain: np.ndarray
    notes: tuple[str, ...] = ()

    @property
    def n_variance(self) -> int:
        """Subjects in the variance domain: n, or n₂ for Krippendorff's α."""
        return int(self.domain.sum())

    @property
    def linearized_variance(self) -> float:
        """Σ e_i² / (m(m − 1)) with m = ``n_variance``, before the finite-population factor."""
        m = self.n_variance
        if m < 2:
            return float("nan")
        return float(np.sum(self.deviations**2) / (m * (m - 1)))


@dataclass(frozen=True, eq=False)
class Prepared:
    """Validated input of one coefficient (internal; shared with :mod:`.compare`).

    Subjects are held as the distinct rating patterns of :mod:`._patterns` with their
    multiplicities ``count`` (every subject its own pattern when compression does not pay).
    """

    coefficient: str
    weights: np.ndarray
    weights_name: str
    patterns: _patterns.Patterns
    matrix: np.ndarray | None  # pattern rows of the raters who rated someone (Conger, Cohen)
    n_raters: int
    notes: tuple[str, ...]

    @property
    def rk(self) -> np.ndarray:
        """r_pk of every pattern (subjects with at least one rating)."""
        return self.patterns.rk

    @property
    def count(self) -> np.ndarray:
        """m_p, the subjects showing each pattern."""
        return self.patterns.count

    @property
    def subjects(self) -> np.ndarray:
        """Rows of the Ratings with at least one rating."""
        return self.patterns.subjects


_WEIGHTS: dict = {}


def _weight_matrix(weights, categories: tuple) -> np.ndarray:
    """:func:`weight_matrix`, cached (read-only) for named weights."""
    if not isinstance(weights, str):
        return weight_matrix(weights, categories)
    key = (weights, categories)
    try:
        return _WEIGHTS[key]
    except KeyError:
        w = weight_matrix(weights, categories)
        w.setflags(write=False)
        _WEIGHTS[key] = w
        return w
    except TypeError:  # unhashable categories
        return weight_matrix(weights, categories)


def prepare(ratings: Ratings, coefficient: str, weights) -> Prepared:
    if coefficient not in COEFFICIENTS:
        raise ValueError(f"coefficient must be one of {COEFFICIENTS}; got {coefficient!r}.")
    if ratings.kind == "table":
        raise ValueError(
            "ratings is a contingency table: use grading.agreement.table (the two-rater "
            "table path); the raw framework needs per-subject ratings."
        )
    w = _weight_matrix(weights, ratings.categories)
    patterns = _patterns.patterns_of(ratings)
    n = patterns.n
    if n < 2:
        raise ValueError(f"ratings: at least 2 subjects with a rating are needed; got {n}.")
    if not np.any(patterns.r >= 2):
        raise ValueError("ratings: no subject has two ratings, so observed agreement is undefined.")
    notes = []
    if ratings.categories_inferred:
        notes.append(
            f"categories inferred from the data {ratings.categories}: q enters AC1/AC2, "
            "Brennan-Prediger and the weights, so declare the full scale (handbook §12.1)."
        )
    if coefficient in _BY_RATER and ratings.kind != "matrix":
        raise ValueError(
            f"coefficient={coefficient!r} needs rater identities (long or matrix input); "
            "counts input has none."
        )
    # Counts input: the most ratings of a subject (as Ratings.n_raters, from the patterns).
    n_raters = ratings.matrix.shape[1] if ratings.kind == "matrix" else int(patterns.r.max())
    if coefficient in ("cohen", "scott") and n_raters != 2:
        raise ValueError(
            f"coefficient={coefficient!r} needs exactly 2 raters; ratings has {n_raters}."
        )
    matrix = None
    if coefficient in _BY_RATER:
        active = np.any(patterns.rows >= 0, axis=0)
        if active.sum() < 2:
            raise ValueError(f"ratings: {coefficient} needs at least 2 raters with a rating.")
        if not active.all():
            idle = [ratings.raters[g] for g in np.flatnonzero(~active)] if ratings.raters else []
            notes.append(f"raters {idle} rated no subject and are left out of Conger's p_e.")
            matrix = patterns.rows[:, active]
        else:
            matrix = patterns.rows
    if coefficient == "cohen":
        notes.append("Cohen's κ as Conger's κ with 2 raters: equal to Cohen's κ on complete data.")
    if coefficient == "scott":
        notes.append("Scott's π as Fleiss' κ with 2 raters: equal to Scott's π on complete data.")
    return Prepared(
        coefficient=coefficient,
        weights=w,
        weights_name=weights if isinstance(weights, str) else "custom",
        patterns=patterns,
        matrix=matrix,
        n_raters=n_raters,
        notes=tuple(notes),
    )


def _conger_chance(x: np.ndarray, w: np.ndarray, count: np.ndarray) -> tuple[float, np.ndarray]:
    """Conger's p_e and its per-subject terms p_e|i = Σ_g λ_ig / (r(r − 1)) (Gwet 2014, ch. 5).

    λ_ig = (n/n_g) Σ_k (r p̄_k − p_gk) [w_k,x_ig·1[g rated i] − (1[g rated i] − n_g/n) Σ_l w_kl p_gl],
    the influence of subject i on rater g's margins p_gk (irrCAC ``conger.kappa.raw``). The
    rows ``x`` are patterns, subject i standing for ``count`` subjects.
    """
    r = x.shape[1]
    q = w.shape[0]
    n = float(count.sum())
    rated = x >= 0
    n_g = count @ rated
    cells = np.arange(r)[None, :] * q + x
    weights = np.broadcast_to(count[:, None], x.shape)[rated]
    p = np.bincount(cells[rated], weights=weights, minlength=r * q).reshape(r, q) / n_g[:, None]
    p_mean = p.mean(axis=0)
    outer = np.outer(p_mean, p_mean)
    s_kl = (p.T @ p - r * outer) / (r - 1)
    pe = float(np.sum(w * (outer - s_kl / r)))
    m = r * p_mean[None, :] - p  # m_gk = r p̄_k − p_gk
    v = m @ w  # v_gl = Σ_k m_gk w_kl: the first term for a rating l
    c = np.sum((p @ np.ascontiguousarray(w.T)) * m, axis=1)  # Σ_k m_gk Σ_l w_kl p_gl
    first = np.where(rated, v[np.arange(r)[None, :], np.where(rated, x, 0)], 0.0)
    lam = (n / n_g)[None, :] * (first - (rated - (n_g / n)[None, :]) * c[None, :])
    return pe, lam.sum(axis=1) / (r * (r - 1))


_UNDEFINED = "chance agreement is 1: the coefficient is undefined (e.g. one category used)."


@dataclass(frozen=True, eq=False)
class PatternTerms:
    """:class:`SubjectTerms` held per rating pattern (internal): ``kappa_star``,
    ``deviations`` and ``domain`` have one entry per pattern of ``Prepared.patterns``,
    standing for ``count`` subjects each."""

    coefficient: str
    estimate: float
    pa: float
    pe: float
    kappa_star: np.ndarray
    count: np.ndarray
    n: int
    n2: int
    centre: float
    deviations: np.ndarray
    domain: np.ndarray
    notes: tuple[str, ...] = ()

    @property
    def n_variance(self) -> int:
        """Subjects in the variance domain: n, or n₂ for Krippendorff's α."""
        return self.n if self.domain.all() else int(round(float(self.count @ self.domain)))

    @property
    def linearized_variance(self) -> float:
        """Σ e_i² / (m(m − 1)) with m = ``n_variance``, before the finite-population factor."""
        m = self.n_variance
        if m < 2:
            return float("nan")
        return float(self.count @ self.deviations**2 / (m * (m - 1)))

    def clustered_variance(self, cells: _patterns.Cells) -> float:
        """C/(C − 1) · Σ_c (Σ_{i∈c} e_i)² / m² over the domain (handbook §9); see
        :func:`grading.agreement._bootstrap.clustered_variance`."""
        domain = None if self.domain.all() else self.domain
        totals, units = cells.totals(self.deviations, domain)
        if units < 2:
            return float("nan")
        m = self.n_variance
        return float(units / (units - 1) * (totals @ totals) / m**2)

    def per_subject(self, patterns: _patterns.Patterns) -> SubjectTerms:
        """The terms of every subject (``patterns.subjects`` order)."""
        index = patterns.index[patterns.subjects]
        if not patterns.compressed:  # one pattern per subject, in subject order
            index = slice(None)
        return SubjectTerms(
            coefficient=self.coefficient,
            estimate=self.estimate,
            pa=self.pa,
            pe=self.pe,
            kappa_star=self.kappa_star[index],
            subjects=patterns.subjects,
            n=self.n,
            n2=self.n2,
            centre=self.centre,
            deviations=self.deviations[index],
            domain=self.domain[index],
            notes=self.notes,
        )


def _krippendorff_terms(prep: Prepared) -> PatternTerms:
    w, rk, count = prep.weights, prep.rk, prep.count
    n = prep.patterns.n
    r_i, two, pairs = _bootstrap.subject_agreement(rk, w)
    c2 = count[two]
    n2 = int(round(float(c2.sum())))
    r2, rk2 = r_i[two], rk[two]
    total = float(c2 @ r2)  # Σ r_i over the n₂ subjects
    r_mean = total / n2
    a = pairs[two] / (r_mean * (r2 - 1))
    pa_prime = float(c2 @ a) / n2
    pa = pa_prime + (1 - pa_prime) / total  # (1 − ε)p′_a + ε, ε = 1/Σ r_i
    pi = c2 @ rk2 / (n2 * r_mean)
    pe = float(pi @ w @ pi)
    estimate = float(_bootstrap.chance_corrected(pa, pe))
    centre = float(_bootstrap.chance_corrected(pa_prime, pe))
    notes = [
        f"Krippendorff's α in Gwet's raw form: linearised around α′ = {centre:.6g}, variance "
        f"over the n₂ = {n2} subjects with ≥ 2 ratings, df from all n = {n} (irrCAC)."
    ]
    deviations = np.zeros(count.size)
    if np.isnan(estimate):
        notes.append(_UNDEFINED)
        deviations[:] = np.nan
    else:
        kappa_i = (a - pa_prime * (r2 - r_mean) / r_mean - pe) / (1 - pe)
        pe_i = rk2 @ ((w + w.T) / 2 @ pi) / r_mean - pe * (r2 - r_mean) / r_mean
        deviations[two] = kappa_i - 2 * (1 - centre) * (pe_i - pe) / (1 - pe) - centre
    if n2 < 2:
        notes.append("only one subject has ≥ 2 ratings: Krippendorff's variance is undefined.")
    return PatternTerms(
        coefficient=prep.coefficient,
        estimate=estimate,
        pa=float(pa),
        pe=pe,
        kappa_star=centre + (n / n2) * deviations,
        count=count,
        n=n,
        n2=n2,
        centre=centre,
        deviations=deviations,
        domain=two,
        notes=tuple(notes),
    )


def pattern_terms(prep: Prepared) -> PatternTerms:
    """The linearised terms of every rating pattern (Gwet 2008; handbook §4)."""
    coefficient, w, rk, count = prep.coefficient, prep.weights, prep.rk, prep.count
    if coefficient == "krippendorff":
        return _krippendorff_terms(prep)
    q = rk.shape[1]
    n = prep.patterns.n
    r_i, two, pairs = _bootstrap.subject_agreement(rk, w)
    n2 = int(round(float(count @ two)))
    pa_i = np.where(two, pairs / np.where(two, r_i * (r_i - 1), 1.0), 0.0)
    pa = float(count @ pa_i / n2)
    share = rk / r_i[:, None]
    pi = count @ share / n
    if coefficient == "gwet":
        factor = w.sum() / (q * (q - 1))
        pe, pe_i = float(factor * np.sum(pi * (1 - pi))), factor * (share @ (1 - pi))
    elif coefficient in ("fleiss", "scott"):
        pe, pe_i = float(pi @ w @ pi), share @ ((w + w.T) / 2 @ pi)
    elif coefficient in _BY_RATER:
        pe, pe_i = _conger_chance(prep.matrix, w, count)
    else:  # Brennan-Prediger and percent agreement: a constant p_e has no subject term
        pe = float(w.sum() / q**2) if coefficient == "brennan_prediger" else 0.0
        pe_i = np.full(count.size, pe)
    estimate = float(_bootstrap.chance_corrected(pa, pe))
    notes = []
    if n2 < n:
        # Gwet's κ_i treats n/n₂ as fixed; the jackknife and bootstrap re-estimate it.
        notes.append(
            f"{n - n2} subjects have one rating: they enter κ*_i with p_a|i = 0 through "
            "n/n₂ (Gwet 2008, irrCAC), which the linearised variance treats as fixed."
        )
    if np.isnan(estimate):
        notes.append(_UNDEFINED)
        star = np.full(count.size, np.nan)
    else:
        kappa_i = (n / n2) * (pa_i - pe * two) / (1 - pe)
        star = kappa_i - 2 * (1 - estimate) * (pe_i - pe) / (1 - pe)
    return PatternTerms(
        coefficient=coefficient,
        estimate=estimate,
        pa=pa,
        pe=pe,
        kappa_star=star,
        count=count,
        n=n,
        n2=n2,
        centre=estimate,
        deviations=star - estimate,
        domain=np.ones(count.size, dtype=bool),
        notes=tuple(notes),
    )


def terms_of(prep: Prepared) -> SubjectTerms:
    """Per-subject terms of a prepared coefficient."""
    return pattern_terms(prep).per_subject(prep.patterns)


def subject_terms(ratings: Ratings, *, coefficient: str, weights="identity") -> SubjectTerms:
    """Per-subject linearised terms κ*_i of a coefficient (Gwet 2008, 2016).

    Parameters
    ----------
    ratings : Ratings
        ``kind="matrix"`` or ``"counts"`` (a contingency table is a ValueError).
    coefficient : str
        One of :data:`COEFFICIENTS`.
    weights : str or array_like
        Agreement weights (:func:`grading.agreement.weights.weight_matrix`).

    Returns
    -------
    SubjectTerms
        With ``mean(kappa_star) == centre`` (the estimate, or α′ for Krippendorff), so that
        Var = (1 − f)/(n(n − 1)) Σ (κ*_i − κ̂)²; the paired difference of two coefficients
        (Gwet 2016) subtracts two such vectors subject by subject.

    Raises
    ------
    ValueError
        For an unknown coefficient, table input, fewer than 2 rated subjects, no subject
        with two ratings, Conger/Cohen on counts, Cohen/Scott without exactly 2 raters.
    """
    return terms_of(prepare(ratings, coefficient, weights))


def null_standard_error(prep: Prepared, terms: SubjectTerms) -> float | None:
    """SE under H0: coefficient = 0 where defined, else None.

    - Fleiss (and Scott) with identity weights and m ratings on every subject (Fleiss, Nee &
      Landis 1979; R ``irr::kappam.fleiss``): Var0 = 2[(Σ p_j q_j)² − Σ p_j q_j (q_j − p_j)]
      / (n m(m − 1)(Σ p_j q_j)²), p_j the overall share of category j, q_j = 1 − p_j.
    - Cohen with both raters on every subject and symmetric weights: the null variance of
      Fleiss, Cohen & Everitt (1969) on the q × q table of the two raters (handbook §3).
    """
    if not np.isfinite(terms.estimate):
        return None
    w, rk, count = prep.weights, prep.rk, prep.count
    n, q = prep.patterns.n, rk.shape[1]
    if prep.coefficient in ("fleiss", "scott"):
        r_i = rk.sum(axis=1)
        m = r_i[0]
        if not np.array_equal(w, np.eye(q)) or np.any(r_i != m):
            return None
        p = count @ rk / (n * m)
        spread = np.sum(p * (1 - p))
        var0 = 2 * (spread**2 - np.sum(p * (1 - p) * (1 - 2 * p))) / (n * m * (m - 1) * spread**2)
        return float(np.sqrt(var0))
    if prep.coefficient == "cohen":
        x = prep.matrix
        if np.any(x < 0) or not np.allclose(w, w.T):
            return None
        table = np.bincount(x[:, 0] * q + x[:, 1], weights=count, minlength=q * q).reshape(q, q)
        row, col = table.sum(axis=1) / n, table.sum(axis=0) / n
        pe = row @ w @ col
        # w̄_k+ = Σ_l w_kl p_+l and w̄_+l = Σ_k w_kl p_k+
        centred = w - ((w @ col)[:, None] + (w.T @ row)[None, :])
        var0 = (np.sum(np.outer(row, col) * centred**2) - pe**2) / (n * (1 - pe) ** 2)
        return float(np.sqrt(max(var0, 0.0)))
    return None


def check_options(variance, alternative, distribution, ci_method, bootstrap, population_size):
    """Shared validation of the inference options of :func:`raw_coefficient` and compare."""
    if variance == "table":
        raise ValueError(
            "variance='table' (divisor n) is the two-rater table path; the raw framework "
            f"offers {RAW_VARIANCES}."
        )
    if variance not in RAW_VARIANCES:
        raise ValueError(f"variance must be one of {RAW_VARIANCES}; got {variance!r}.")
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}; got {alternative!r}.")
    if distribution not in ("t", "normal"):
        raise ValueError(f"distribution must be 't' or 'normal'; got {distribution!r}.")
    if ci_method not in CI_METHODS:
        raise ValueError(f"ci_method must be one of {CI_METHODS}; got {ci_method!r}.")
    if variance == "bootstrap":
        if isinstance(bootstrap, bool) or not isinstance(bootstrap, int | np.integer):
            raise ValueError(
                f"bootstrap must be an integer number of replicates; got {bootstrap!r}."
            )
        if bootstrap < 2:
            raise ValueError(f"bootstrap must be at least 2 replicates; got {bootstrap}.")
        if population_size is not None:
            raise ValueError(
                "population_size: the finite-population correction applies to the "
                "linearized, cluster and jackknife variances, not to the bootstrap."
            )


def sampled_fraction(population_size: float | None, n: int) -> float:
    """f = n/N (0 when N is None or infinite)."""
    if population_size is None:
        return 0.0
    if not population_size >= n:  # also rejects nan
        raise ValueError(f"population_size ({population_size}) must be at least the {n} subjects.")
    return float(n / population_size)


def resampling_units(ratings: Ratings, rows: np.ndarray, *, required: bool):
    """Codes 0..C−1 of the clusters of ``rows`` (or one unit per subject), C, and whether
    they are clusters. Units are ordered by cluster label (or by row)."""
    if ratings.clusters is None:
        if required:
            raise ValueError(
                "variance='cluster' needs ratings.clusters (e.g. the patient of every subject)."
            )
        return np.arange(rows.size), int(rows.size), False
    codes, n_units = _patterns.cluster_codes(ratings.clusters)
    codes = codes[rows]
    remap, units = _patterns.present_units(codes, n_units)
    if units < 2:
        raise ValueError(f"ratings.clusters: at least 2 clusters are needed; got {units}.")
    return remap[codes], units, True


def _require_clusters(ratings: Ratings, prep: Prepared) -> _patterns.Cells:
    """The (cluster, pattern) cells of the rated subjects; errors as :func:`resampling_units`."""
    if ratings.clusters is None:
        resampling_units(ratings, prep.subjects, required=True)  # raises
    cells = _patterns.cells_of(ratings, prep.patterns)
    units = cells.units[1]
    if units < 2:
        raise ValueError(f"ratings.clusters: at least 2 clusters are needed; got {units}.")
    return cells


def unit_statistics(ratings: Ratings, prep: Prepared):
    """Per-unit sufficient statistics (C × d) of the jackknife and bootstrap, C, and whether
    the units are clusters (else subjects, in row order)."""
    columns = _bootstrap.statistic_columns(prep.coefficient, prep.weights, prep.rk, prep.matrix)
    if ratings.clusters is None:
        if prep.patterns.compressed:
            columns = columns[prep.patterns.index[prep.subjects]]
        return columns, prep.patterns.n, False
    cells = _require_clusters(ratings, prep)
    keep, units = cells.units
    return cells.unit_sums(columns, keep), units, True


def raw_coefficient(
    ratings: Ratings,
    *,
    coefficient: str,
    weights="identity",
    variance: str = "linearized",
    alternative: str = "two-sided",
    distribution: str = "t",
    test_se: str = "nonnull",
    population_size: float | None = None,
    bootstrap: int = 2000,
    seed: int | None = None,
    ci_method: str = "percentile",
) -> AgreementResult:
    """One agreement coefficient among any number of raters, missing ratings allowed.

    Parameters
    ----------
    ratings : Ratings
        ``kind="matrix"`` (subjects × raters) or ``"counts"`` (r_ik); subjects without a
        rating are left out. Conger and Cohen need matrix input; Cohen and Scott 2 raters.
    coefficient : str
        ``gwet`` (AC1 with identity weights, AC2 otherwise), ``fleiss``, ``conger``,
        ``brennan_prediger``, ``percent``, ``krippendorff`` (Gwet's raw form), ``cohen``
        (Conger with 2 raters), ``scott`` (Fleiss with 2 raters).
    weights : str or array_like
        Agreement weights on the declared categories; a matrix is named ``custom``.
    variance : str
        ``linearized``: (1 − f)/(n(n − 1)) Σ(κ*_i − κ̂)², df n − 1 (Gwet 2008; Krippendorff:
        over its n₂ subjects, centred on α′). ``cluster``: (1 − f)·C/(C − 1)·Σ_c(Σ_{i∈c}
        (κ*_i − κ̂))²/n², df C − 1 (needs ``ratings.clusters``). ``jackknife``: delete one
        cluster (or subject), (1 − f)(C − 1)/C Σ(θ_(c) − θ̄)², df C − 1. ``bootstrap``: resample
        clusters (or subjects) with replacement, SE = sd of the replicates, df C − 1.
    alternative : {"two-sided", "greater"}
        Sidedness of the p-value (irrCAC ≥ 1.0 prints the one-sided ``greater``).
    distribution : {"t", "normal"}
        Reference distribution of the CI and test; ``normal`` sets ``df`` to None.
    test_se : {"nonnull", "null"}
        SE of the test statistic. The null SE exists for unweighted Fleiss (and Scott) with
        the same number of ratings on every subject (Fleiss, Nee & Landis 1979), and for
        Cohen with complete pairs and symmetric weights, computed from the two raters'
        q × q table (Fleiss, Cohen & Everitt 1969); it is filled in whenever defined.
    population_size : float, optional
        N of a finite population: the non-null variance is multiplied by 1 − n/N.
    bootstrap : int
        Replicates B of the bootstrap.
    seed : int, optional
        Bootstrap seed; a fresh one is drawn and written to ``notes`` when None.
    ci_method : {"percentile", "bca", "t"}
        Bootstrap interval; the other variances always use estimate ± t·SE.

    Returns
    -------
    AgreementResult
        Deliberate handling is written to ``notes``: chance agreement 1 gives estimate and
        SE nan; identical subject terms (e.g. perfect agreement) give SE 0.

    Raises
    ------
    ValueError
        For invalid options, table input, fewer than 2 rated subjects, no subject with two
        ratings, a null SE where none is defined, cluster variance without clusters.

    Examples
    --------
    >>> from grading.agreement.data import Ratings
    >>> r = Ratings.from_matrix([[1, 1], [2, 2], [1, 2], [2, 2]], categories=[1, 2])
    >>> result = raw_coefficient(r, coefficient="gwet")  # p_a = 0.75, p_e = 0.46875
    >>> round(result.estimate, 4), result.df
    (0.5294, 3.0)
    """
    check_options(variance, alternative, distribution, ci_method, bootstrap, population_size)
    if test_se not in ("nonnull", "null"):
        raise ValueError(f"test_se must be 'nonnull' or 'null'; got {test_se!r}.")
    prep = prepare(ratings, coefficient, weights)
    terms = pattern_terms(prep)
    se_null = null_standard_error(prep, terms)
    if test_se == "null" and se_null is None:
        raise ValueError(
            "test_se='null' is defined only for unweighted Fleiss/Scott with the same number "
            "of ratings per subject and for Cohen with complete pairs and symmetric weights."
        )
    fraction = sampled_fraction(population_size, terms.n)
    notes = [*prep.notes, *terms.notes]
    replicates = jackknife = n_clusters = None
    if variance == "linearized":
        se = float(np.sqrt((1 - fraction) * terms.linearized_variance))
        df = terms.n - 1
        if ratings.clusters is not None:
            notes.append("ratings carry clusters that the i.i.d. linearised variance ignores.")
    elif variance == "cluster":
        cells = _require_clusters(ratings, prep)
        n_clusters = cells.units[1]
        var = terms.clustered_variance(cells)
        se, df = float(np.sqrt((1 - fraction) * var)), n_clusters - 1
    else:
        sums, units, clustered = unit_statistics(ratings, prep)
        estimator = partial(_bootstrap.estimate_from_sums, coefficient, prep.weights)
        spread = _bootstrap.resample(
            variance, estimator, sums, fraction=fraction, replicates=bootstrap, seed=seed
        )
        se, df, jackknife = spread.standard_error, units - 1, spread.jackknife
        replicates = spread.replicates
        n_clusters = units if clustered else None
        notes += spread.notes
    if np.isfinite(terms.estimate) and se == 0:
        notes.append(
            "standard error 0: every subject term equals the estimate (e.g. perfect "
            "agreement), so no test statistic or p-value is defined."
        )
    if not np.isfinite(terms.estimate):
        se = float("nan")
    return AgreementResult(
        coefficient=coefficient,
        estimate=terms.estimate,
        standard_error=se,
        pa=terms.pa,
        pe=terms.pe,
        n_subjects=terms.n,
        n_raters=prep.n_raters,
        categories=tuple(ratings.categories),
        weights=np.array(prep.weights),
        weights_name=prep.weights_name,
        variance=variance,
        df=float(df) if distribution == "t" else None,
        standard_error_null=se_null,
        alternative=alternative,
        test_se=test_se,
        n_clusters=n_clusters,
        replicates=replicates,
        jackknife_estimates=jackknife,
        ci_method=ci_method if variance == "bootstrap" else "t",
        notes=tuple(notes),
    )

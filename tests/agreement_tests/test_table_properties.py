"""Properties of the table path that hold for every table (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from statsmodels.stats.inter_rater import cohens_kappa

from grading.agreement.data import Ratings
from grading.agreement.krippendorff import krippendorff_alpha
from grading.agreement.table import COEFFICIENTS, table_coefficient, table_from_pair

WEIGHTS = ("identity", "linear", "quadratic")


@st.composite
def tables(draw, min_q: int = 2, max_q: int = 5) -> np.ndarray:
    """Count tables with at least two subjects off a single category (p_e < 1 for Cohen)."""
    q = draw(st.integers(min_q, max_q))
    table = draw(arrays(np.int64, (q, q), elements=st.integers(0, 30)))
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    if table.sum() < 2 or max(rows.max(), cols.max()) == table.sum():
        table[0, 1] += 1
        table[1, 0] += 1
    return table


def as_ratings(table: np.ndarray) -> Ratings:
    return Ratings.from_table(table, categories=tuple(range(table.shape[0])))


@settings(max_examples=60, deadline=None)
@given(tables(), st.sampled_from(WEIGHTS))
def test_cohen_is_symmetric_in_the_two_raters(table, weights):
    forward = table_coefficient(as_ratings(table), coefficient="cohen", weights=weights)
    backward = table_coefficient(as_ratings(table.T), coefficient="cohen", weights=weights)
    assert backward.estimate == pytest.approx(forward.estimate, abs=1e-12)
    assert backward.standard_error == pytest.approx(forward.standard_error, abs=1e-12)
    assert backward.standard_error_null == pytest.approx(forward.standard_error_null, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(tables(), st.randoms(use_true_random=False))
def test_cohen_is_invariant_to_the_order_of_subjects(table, random):
    rows, cols = np.nonzero(table)
    pairs = np.repeat(np.column_stack([rows, cols]), table[rows, cols], axis=0)
    order = list(range(len(pairs)))
    random.shuffle(order)
    categories = tuple(range(table.shape[0]))
    results = [
        table_coefficient(
            table_from_pair(Ratings.from_matrix(subjects, categories=categories)),
            coefficient="cohen",
            weights="quadratic",
        )
        for subjects in (pairs, pairs[order])
    ]
    assert results[0].estimate == results[1].estimate
    assert results[0].standard_error == results[1].standard_error


@settings(max_examples=60, deadline=None)
@given(tables(), st.sampled_from(COEFFICIENTS), st.sampled_from(WEIGHTS))
def test_linearized_se_is_the_table_se_times_root_n_over_n_minus_one(table, coefficient, weights):
    n = table.sum()
    common = {"coefficient": coefficient, "weights": weights}
    plug_in = table_coefficient(as_ratings(table), **common)
    linearized = table_coefficient(as_ratings(table), **common, variance="linearized")
    assert linearized.standard_error == pytest.approx(
        plug_in.standard_error * math.sqrt(n / (n - 1)), rel=1e-12, abs=1e-15
    )


@settings(max_examples=80, deadline=None)
@given(
    tables(),
    st.sampled_from([(None, "identity"), ("linear", "linear"), ("quadratic", "quadratic")]),
)
def test_cohen_agrees_with_statsmodels_on_random_tables(table, weights):
    wt, ours = weights
    result = table_coefficient(as_ratings(table), coefficient="cohen", weights=ours)
    with np.errstate(all="ignore"):  # statsmodels warns on degenerate tables (#5530)
        oracle = cohens_kappa(table, wt=wt)
    assert result.estimate == pytest.approx(oracle.kappa, abs=1e-10)
    assert result.standard_error == pytest.approx(oracle.std_kappa, abs=1e-10)
    assert result.standard_error_null == pytest.approx(oracle.std_kappa0, abs=1e-10)


@settings(max_examples=60, deadline=None)
@given(tables(), st.sampled_from([("identity", "nominal"), ("quadratic", "interval")]))
def test_krippendorff_on_a_table_equals_the_coincidence_form(table, pairing):
    weights, metric = pairing
    irrcac_form = table_coefficient(as_ratings(table), coefficient="krippendorff", weights=weights)
    coincidence = krippendorff_alpha(as_ratings(table), metric=metric)
    if math.isnan(irrcac_form.estimate):
        assert math.isnan(coincidence.estimate)
    else:
        assert coincidence.estimate == pytest.approx(irrcac_form.estimate, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(tables(), st.sampled_from(COEFFICIENTS), st.sampled_from(WEIGHTS))
def test_every_coefficient_is_at_most_one_with_a_finite_non_negative_se(
    table, coefficient, weights
):
    result = table_coefficient(as_ratings(table), coefficient=coefficient, weights=weights)
    if not math.isnan(result.estimate):
        assert result.estimate <= 1 + 1e-12
        assert result.standard_error >= 0

"""Holm's step-down adjustment; oracle: statsmodels ``multipletests(method="holm")``."""

from __future__ import annotations

import doctest
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from grading.agreement import multiplicity
from grading.agreement.multiplicity import holm

P_VECTORS = [
    [0.01, 0.04, 0.03],
    [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216],
    [0.02, 0.02, 0.02, 0.5],  # ties
    [0.9, 0.8, 0.7],
    [0.0, 1.0],
    [0.03],
]


@pytest.mark.parametrize(
    "pvalues, alpha", [(p, 0.05 if i % 2 else 0.1) for i, p in enumerate(P_VECTORS)]
)
def test_holm_matches_statsmodels_multipletests(pvalues, alpha):
    # multipletests runs gc.collect() on every call (about 0.25 s under pytest): few calls.
    reject, adjusted, _, _ = multipletests(pvalues, alpha=alpha, method="holm")
    result = holm(pvalues, alpha=alpha)
    np.testing.assert_allclose(result.pvalues_adjusted, adjusted, rtol=1e-12)
    np.testing.assert_array_equal(result.reject, reject)
    assert result.n_tests == len(pvalues)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30),
    st.floats(0.001, 0.2),
)
def test_holm_is_monotone_at_least_the_raw_p_capped_at_one_and_follows_the_step_down_rule(
    pvalues, alpha
):
    result = holm(pvalues, alpha=alpha)
    raw, adjusted = np.asarray(pvalues), result.pvalues_adjusted
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(adjusted[order]) >= 0)
    assert np.all(adjusted >= raw) and np.all(adjusted <= 1)
    # Step down: reject H_(1), H_(2), … while p_(i) ≤ α/(m − i + 1); stop at the first failure.
    m, expected = len(raw), np.zeros(len(raw), dtype=bool)
    for i, index in enumerate(order):
        if raw[index] > alpha / (m - i):
            break
        expected[index] = True
    np.testing.assert_array_equal(result.reject, expected)


def test_missing_p_values_stay_missing_and_do_not_count_as_tests():
    result = holm([0.01, np.nan, 0.03])
    assert result.n_tests == 2
    np.testing.assert_allclose(result.pvalues_adjusted, [0.02, np.nan, 0.03])
    np.testing.assert_array_equal(result.reject, [True, False, True])
    empty = holm([np.nan])
    assert empty.n_tests == 0 and not empty.reject.any()


@pytest.mark.parametrize(
    "pvalues, alpha, match",
    [
        ([0.1, 1.2], 0.05, "pvalues must lie in"),
        ([[0.1, 0.2]], 0.05, "one-dimensional"),
        ([0.1], 1.0, "alpha must lie strictly"),
    ],
)
def test_holm_rejects_bad_input_naming_the_parameter(pvalues, alpha, match):
    with pytest.raises(ValueError, match=match):
        holm(pvalues, alpha=alpha)


def test_multiplicity_docstring_examples_run():
    assert doctest.testmod(multiplicity).failed == 0


def test_these_modules_import_without_django():
    code = (
        "import sys\n"
        "import grading.agreement.recall, grading.agreement.timing\n"
        "import grading.agreement.multiplicity, grading.agreement.benchmarking\n"
        "import grading.agreement.pooling\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

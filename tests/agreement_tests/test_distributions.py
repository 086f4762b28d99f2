"""The standard-library t and normal functions against scipy.stats (the oracle)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from grading.agreement._distributions import norm_cdf, norm_ppf, norm_sf, t_ppf, t_sf

DFS = [1, 1.5, 2, 2.5, 3, 5, 7.3, 19, 99, 149, 999, 1000, 24_999, 374_999, 1e6]


@pytest.mark.parametrize("df", DFS)
@pytest.mark.parametrize("t", [0.0, 1e-6, 0.3, 1.0, 1.96, 2.5, 4.0, 8.0, 15.0, 40.0])
def test_t_tail_probabilities_match_scipy(df, t):
    assert t_sf(t, df) == pytest.approx(stats.t.sf(t, df), rel=1e-10, abs=1e-300)
    assert t_sf(-t, df) == pytest.approx(stats.t.sf(-t, df), rel=1e-10)


@pytest.mark.parametrize("df", DFS)
@pytest.mark.parametrize("p", [0.6, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.9995, 0.025, 0.1])
def test_t_quantiles_match_scipy(df, p):
    assert t_ppf(p, df) == pytest.approx(stats.t.ppf(p, df), rel=5e-9)


@given(st.floats(min_value=1.0, max_value=1e6), st.floats(min_value=0.501, max_value=0.9999))
@settings(max_examples=200, deadline=None)
def test_t_quantile_inverts_the_tail(df, p):
    assert t_sf(t_ppf(p, df), df) == pytest.approx(1 - p, rel=1e-9)


@pytest.mark.parametrize("x", [-6.0, -1.96, -0.5, 0.0, 0.7, 3.0, 8.0])
def test_normal_functions_match_scipy(x):
    assert norm_sf(x) == pytest.approx(stats.norm.sf(x), rel=1e-14)
    assert norm_cdf(x) == pytest.approx(stats.norm.cdf(x), rel=1e-14)
    p = stats.norm.cdf(x)
    assert norm_ppf(p) == pytest.approx(stats.norm.ppf(p), rel=1e-12, abs=1e-15)


def test_huge_degrees_of_freedom_use_the_normal_and_stay_close_to_t():
    assert t_sf(2.0, 1e12) == pytest.approx(stats.norm.sf(2.0), rel=1e-12)
    assert t_sf(2.0, 1e8) == pytest.approx(stats.t.sf(2.0, 1e8), rel=1e-8)

"""Gwet's benchmark membership probabilities on the Landis–Koch, Altman and Fleiss scales.

Published values: R irrCAC's benchmarking vignette (kgwet/irrCAC ``inst/doc/benchmarking.html``,
"Interpreting the magnitude of agreement coefficients"): AC1 = 0.77544 with SE 0.14295 on
``cac.raw4raters``, and the CumProb columns of ``landis.koch.bf``, ``altman.bf`` and
``fleiss.bf`` (5 decimals).
"""

from __future__ import annotations

import doctest
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from grading.agreement import benchmarking as benchmark_module
from grading.agreement.benchmarking import SCALES, benchmark

AC1, SE = 0.77544, 0.14295
VIGNETTE = {
    "landis_koch": ([0.39674, 0.88336, 0.99542, 0.99997, 1, 1], "moderate"),
    "altman": ([0.39674, 0.88336, 0.99542, 0.99997, 1], "moderate"),
    "fleiss": ([0.54414, 0.99542, 1], "intermediate to good"),
}


@pytest.mark.parametrize("scale", VIGNETTE)
def test_benchmark_reproduces_the_irrcac_vignette_cumulative_probabilities(scale):
    cumulative, label = VIGNETTE[scale]
    result = benchmark(AC1, SE, scale=scale)
    assert [b.cumulative for b in result.bands] == pytest.approx(cumulative, abs=5e-6)
    assert result.label == label  # "Moderate" / "Intermediate to Good" in the vignette


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("estimate, se", [(0.3, 0.2), (-0.4, 0.5), (0.95, 0.02), (1.0, 0.3)])
def test_band_probabilities_are_a_truncated_normal_and_sum_to_one(scale, estimate, se):
    result = benchmark(estimate, se, scale=scale)
    probabilities = np.array([b.probability for b in result.bands])
    assert probabilities.sum() == pytest.approx(1)
    assert np.all(probabilities >= 0)
    assert np.all(np.diff([b.cumulative for b in result.bands]) >= 0)
    top = result.bands[0]
    truncated = stats.truncnorm((-1 - estimate) / se, (1 - estimate) / se, estimate, se)
    assert top.probability == pytest.approx(truncated.cdf(top.high) - truncated.cdf(top.low))
    assert result.bands[-1].cumulative == 1.0
    assert result.band.cumulative >= 0.95


def test_a_precise_coefficient_falls_in_the_band_of_its_estimate():
    assert benchmark(0.7, 1e-6).label == "substantial"
    assert benchmark(0.7, 0.0).label == "substantial"
    assert benchmark(0.8, 0.0).label == "almost perfect"  # a boundary goes to the upper band
    assert benchmark(0.1, 0.0, scale="fleiss").label == "poor"


def test_a_larger_standard_error_moves_the_retained_band_down():
    assert benchmark(0.85, 0.01).label == "almost perfect"
    assert benchmark(0.85, 0.1).label == "substantial"
    assert benchmark(0.85, 0.3).label == "fair"


def test_a_result_object_and_a_custom_scale_are_accepted():
    result = benchmark(SimpleNamespace(estimate=AC1, standard_error=SE), threshold=0.8)
    assert result.label == "substantial"
    custom = benchmark(0.5, 0.1, scale=[(0.5, 1.0, "good"), (-1.0, 0.5, "not good")])
    assert custom.scale == "custom"
    assert [b.cumulative for b in custom.bands] == pytest.approx([0.5, 1.0])
    partial = benchmark(0.5, 0.0, scale=[(0.8, 1.0, "high")])
    assert partial.band is None and partial.label is None


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((0.5,), {}, "standard_error is required"),
        ((0.5, -0.1), {}, "standard_error must be finite"),
        ((np.nan, 0.1), {}, "coefficient must be finite"),
        ((0.5, 0.1), {"scale": "cicchetti"}, "scale must be one of"),
        ((0.5, 0.1), {"threshold": 0}, "threshold must lie"),
        ((0.5, 0.1), {"scale": [(0.5, 0.2, "x")]}, "low < high"),
    ],
)
def test_bad_benchmark_input_raises_naming_the_parameter(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        benchmark(*args, **kwargs)


def test_benchmark_docstring_examples_run():
    assert doctest.testmod(benchmark_module).failed == 0

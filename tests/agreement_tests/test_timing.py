"""Paired reading times: Wilcoxon on (reader, case) pairs and the log-time mixed model.

Oracle: scipy.stats.wilcoxon for W and p (pingouin is the code path). The mixed model must
recover a simulated 20 % time reduction (ratio of geometric means 0.8) within its CI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from grading.agreement import timing
from grading.agreement.timing import log_time_mixed_model, paired_time_wilcoxon

TRUE_RATIO = 0.8


def simulate_times(seed=2026, readers=6, cases=40, ratio=TRUE_RATIO) -> pd.DataFrame:
    """log t = log 90 s + reader + case + pair + arm + noise, arm effect log(ratio)."""
    rng = np.random.default_rng(seed)
    reader_effect = rng.normal(0, 0.3, readers)
    case_effect = rng.normal(0, 0.4, cases)
    rows = []
    for r in range(readers):
        for c in range(cases):
            pair = rng.normal(0, 0.15)
            for arm, shift in (("unaided", 0.0), ("ai_assisted", np.log(ratio))):
                log_t = np.log(90) + reader_effect[r] + case_effect[c] + pair + shift
                rows.append(
                    {
                        "reader_id": f"reader{r}",
                        "case_code": f"case{c}",
                        "arm": arm,
                        "seconds": float(np.exp(log_t + rng.normal(0, 0.2))),
                    }
                )
    return pd.DataFrame(rows)


COLUMNS = {"reader": "reader_id", "case": "case_code"}


def test_mixed_model_recovers_a_twenty_percent_time_reduction_within_its_ci():
    result = log_time_mixed_model(simulate_times(), **COLUMNS)
    low, high = result.ratio_confidence_interval()
    assert low < TRUE_RATIO < high
    assert result.ratio == pytest.approx(TRUE_RATIO, abs=0.05)
    assert result.pvalue < 1e-6 and result.statistic < 0
    assert result.structure == "reader/case" and result.converged
    assert (result.n_observations, result.n_readers, result.n_cases) == (480, 6, 40)
    log_low, log_high = result.confidence_interval()
    assert (np.exp(log_low), np.exp(log_high)) == pytest.approx((low, high))


def test_wilcoxon_detects_the_reduction_and_matches_scipy():
    frame = simulate_times()
    result = paired_time_wilcoxon(frame, **COLUMNS)
    wide = frame.pivot(index=["reader_id", "case_code"], columns="arm", values="seconds")
    oracle = stats.wilcoxon(wide["ai_assisted"], wide["unaided"], correction=True)
    assert result.statistic == pytest.approx(oracle.statistic)
    assert result.pvalue == pytest.approx(oracle.pvalue, rel=1e-9)
    assert result.n_pairs == 240 and result.n_incomplete == 0
    assert result.median_difference == pytest.approx(
        np.median(wide["ai_assisted"] - wide["unaided"])
    )
    assert result.median_difference < 0 and result.rank_biserial < -0.5
    assert result.pvalue < 1e-6


def test_incomplete_pairs_are_dropped_and_counted():
    frame = simulate_times(readers=2, cases=10)
    frame = frame.drop(index=[0, 5]).reset_index(drop=True)  # two unaided reads gone
    frame.loc[7, "seconds"] = np.nan
    result = paired_time_wilcoxon(frame, **COLUMNS)
    assert (result.n_pairs, result.n_incomplete) == (17, 3)
    assert result.notes
    model = log_time_mixed_model(frame, **COLUMNS)
    assert model.n_observations == 37


def test_other_arm_labels_and_direction_follow_the_arms_argument():
    frame = simulate_times(readers=2, cases=15).replace({"unaided": "A", "ai_assisted": "B"})
    forward = paired_time_wilcoxon(frame, arms=("A", "B"), **COLUMNS)
    backward = paired_time_wilcoxon(frame, arms=("B", "A"), **COLUMNS)
    assert forward.median_difference == pytest.approx(-backward.median_difference)
    assert forward.pvalue == pytest.approx(backward.pvalue)
    model = log_time_mixed_model(frame, arms=("B", "A"), **COLUMNS)
    assert model.ratio > 1


def test_equal_times_give_an_undefined_wilcoxon_with_a_note():
    frame = pd.DataFrame(
        {
            "reader": ["r"] * 4,
            "case": [1, 1, 2, 2],
            "arm": ["unaided", "ai_assisted"] * 2,
            "seconds": [30.0, 30.0, 45.0, 45.0],
        }
    )
    result = paired_time_wilcoxon(frame)
    assert np.isnan(result.pvalue) and result.median_difference == 0 and result.notes


def test_reader_case_model_falls_back_to_a_pair_intercept_when_it_fails(monkeypatch):
    real_fit = timing._fit

    def failing(data, structure):
        if structure == "reader/case":
            return float("nan"), float("nan"), False, ("simulated failure",)
        return real_fit(data, structure)

    monkeypatch.setattr(timing, "_fit", failing)
    result = log_time_mixed_model(simulate_times(readers=3, cases=20), **COLUMNS)
    assert result.structure == "pair" and result.converged
    assert any("fell back" in note for note in result.notes)
    low, high = result.ratio_confidence_interval()
    assert low < result.ratio < high


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda f: f.assign(seconds=0.0), "seconds must be positive"),
        (lambda f: f.assign(seconds=-1.0), "seconds must be non-negative"),
        (lambda f: pd.concat([f, f.head(1)]), "occurs more than once"),
        (lambda f: f.drop(columns="arm"), "frame lacks the arm column"),
        (lambda f: f[f["arm"] == "unaided"], "needs times in both arms"),
    ],
)
def test_bad_timing_input_raises_naming_the_problem(change, match):
    frame = change(simulate_times(readers=2, cases=5))
    with pytest.raises(ValueError, match=match):
        log_time_mixed_model(frame, **COLUMNS)


def test_arms_must_be_two_different_labels():
    with pytest.raises(ValueError, match="arms must name two different arms"):
        paired_time_wilcoxon(simulate_times(readers=2, cases=5), arms=("A", "A"), **COLUMNS)

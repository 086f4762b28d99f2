"""Dichotomy and pooled reading units on the tidy ratings table."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from grading.agreement import pooling
from grading.agreement.data import Ratings
from grading.agreement.pooling import dichotomise, units

LEVELS = ("L4-L5", "L5-S1")
REGIONS = {"central canal": ("",), "neural foramen": ("left", "right")}


def tidy_table(patients=3, cases_per_patient=1, readers=("r1", "r2", "r3"), sessions=(1,)):
    rng = np.random.default_rng(5)
    rows = []
    for p in range(patients):
        for k in range(cases_per_patient):
            for level in LEVELS:
                for region, sides in REGIONS.items():
                    for side in sides:
                        site = " ".join(filter(None, (level, region, side)))
                        for reader in readers:
                            for session in sessions:
                                rows.append(
                                    {
                                        "case": f"case{p}-{k}",
                                        "cluster": f"patient{p}",
                                        "site": site,
                                        "level": level,
                                        "region": region,
                                        "side": side,
                                        "reader": reader,
                                        "session": session,
                                        "arm": "unaided",
                                        "grade": int(rng.integers(0, 4)),
                                    }
                                )
    return pd.DataFrame(rows)


def test_dichotomise_splits_normal_and_mild_from_moderate_and_severe_keeping_missing():
    grades = pd.Series([0, 1, 2, 3, None, np.nan, "", "Not assessable", "2"], index=range(10, 19))
    result = dichotomise(grades)
    assert result.dtype == "Int64" and list(result.index) == list(range(10, 19))
    assert result.tolist() == [0, 0, 1, 1, pd.NA, pd.NA, pd.NA, pd.NA, 1]
    assert dichotomise([0, 1, 2, 3], threshold=1).tolist() == [0, 1, 1, 1]


def test_dichotomise_rejects_text_that_is_not_a_grade():
    with pytest.raises(ValueError, match="grades holds a non-numeric value: 'severe'"):
        dichotomise([0, "severe"])


@pytest.mark.parametrize(
    "by, groups, units_per_group",
    [("site", 6, 3), ("region", 2, None), ("level", 2, 9), ("overall", 1, 18)],
)
def test_units_group_case_by_site_readings_for_ratings(by, groups, units_per_group):
    frame = tidy_table()
    produced = list(units(frame, by=by))
    assert len(produced) == groups
    for _label, unit_frame in produced:
        assert list(unit_frame.columns[:4]) == ["subject", "rater", "rating", "cluster"]
        ratings = Ratings.from_long(unit_frame, categories=(0, 1, 2, 3), cluster="cluster")
        assert ratings.matrix.shape[1] == 3
        assert len(ratings.cluster_labels) == 3  # units of one patient share its cluster
        if units_per_group:
            assert ratings.matrix.shape[0] == units_per_group
    assert sum(len(u) for _, u in produced) == len(frame)
    if by == "region":
        labels = dict(produced)
        assert labels["central canal"]["subject"].nunique() == 6
        assert labels["neural foramen"]["subject"].nunique() == 12


def test_pooled_units_of_several_cases_of_one_patient_share_the_patient_cluster():
    frame = tidy_table(patients=2, cases_per_patient=2)
    ((_, unit_frame),) = units(frame, by="overall")
    assert unit_frame.groupby("cluster")["case"].nunique().tolist() == [2, 2]
    without_cluster = frame.drop(columns="cluster")
    ((_, by_case),) = units(without_cluster)
    assert (by_case["cluster"] == by_case["case"]).all()


def test_units_of_dichotomised_grades_load_on_the_two_classes():
    frame = tidy_table()
    frame.loc[0, "grade"] = None
    frame = frame.assign(grade=dichotomise(frame["grade"]))
    ((_, unit_frame),) = units(frame)
    ratings = Ratings.from_long(unit_frame, categories=(0, 1), cluster="cluster")
    assert (ratings.matrix == -1).sum() == 1


def test_not_assessable_becomes_a_missing_rating():
    frame = tidy_table().astype({"grade": object})
    frame.loc[0, "grade"] = "not assessable"
    ((_, unit_frame),) = units(frame)
    ratings = Ratings.from_long(unit_frame, categories=(0, 1, 2, 3))
    assert (ratings.matrix == -1).sum() == 1


def test_two_sessions_need_the_session_in_the_rater():
    frame = tidy_table(readers=("r1",), sessions=(1, 2))
    with pytest.raises(ValueError, match="more than once; add the session"):
        list(units(frame))
    ((_, unit_frame),) = units(frame, rater=["reader", "session"])
    ratings = Ratings.from_long(unit_frame, categories=(0, 1, 2, 3))
    assert set(ratings.raters) == {("r1", 1), ("r1", 2)}


@pytest.mark.parametrize(
    "kwargs, match",
    [({"by": "side"}, "by must be one of"), ({"grade": "score"}, "lacks the column")],
)
def test_bad_units_arguments_raise_naming_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        list(units(tidy_table(), **kwargs))


def test_pooling_docstring_examples_run():
    assert doctest.testmod(pooling).failed == 0

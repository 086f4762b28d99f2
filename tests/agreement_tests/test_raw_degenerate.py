"""Degenerate data and invalid options: documented outcomes, never a crash or a silent NaN."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from grading.agreement.data import Ratings
from grading.agreement.raw import raw_coefficient

MULTI = ("gwet", "fleiss", "conger", "brennan_prediger", "percent", "krippendorff")
VARIANCES = ("linearized", "jackknife", "bootstrap")


def matrix(rows, clusters=None) -> Ratings:
    return Ratings.from_matrix(rows, categories=[0, 1, 2, 3], clusters=clusters)


@pytest.fixture(autouse=True)
def _no_runtime_warnings():
    # Degenerate data must be handled on purpose, not by letting numpy warn and go on.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@pytest.mark.parametrize("variance", VARIANCES)
@pytest.mark.parametrize("coefficient", MULTI)
def test_all_raters_in_one_category_give_a_noted_nan_or_a_noted_zero_se(coefficient, variance):
    ratings = matrix([[2, 2, 2]] * 6 + [[2, 2, np.nan]])
    result = raw_coefficient(ratings, coefficient=coefficient, variance=variance, seed=1,
                             bootstrap=50)  # fmt: skip
    assert result.pa == 1
    if coefficient in ("fleiss", "conger", "krippendorff"):
        # p_e = Σ π_k² = 1: chance explains everything and κ is 0/0.
        assert np.isnan(result.estimate) and np.isnan(result.standard_error)
        assert result.pe == pytest.approx(1)
        assert any("chance agreement is 1" in note for note in result.notes)
        assert np.isnan(result.pvalue)
    else:
        # AC1 (p_e = 0 here), BP and PA stay defined and equal 1.
        assert result.estimate == pytest.approx(1)
        if variance != "bootstrap":
            assert result.standard_error == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("coefficient", MULTI)
def test_perfect_agreement_over_several_categories_gives_one_with_se_zero_and_a_note(coefficient):
    ratings = matrix([[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3], [1, 1, 1]])
    result = raw_coefficient(ratings, coefficient=coefficient)
    assert result.estimate == pytest.approx(1)
    # κ_i = 1 for every subject and the p_e|i term is multiplied by 1 − κ̂ = 0: exactly 0.
    assert result.standard_error == 0
    assert any("standard error 0" in note for note in result.notes)
    assert np.isnan(result.pvalue)
    assert result.confidence_interval() == pytest.approx((1, 1))


def test_fewer_than_two_rated_subjects_is_an_error_naming_the_ratings():
    with pytest.raises(ValueError, match="ratings: at least 2 subjects"):
        raw_coefficient(matrix([[1, 1, 2]]), coefficient="gwet")
    with pytest.raises(ValueError, match="ratings: at least 2 subjects"):
        raw_coefficient(matrix([[1, 1], [np.nan, np.nan]]), coefficient="fleiss")


def test_no_subject_with_two_ratings_is_an_error():
    with pytest.raises(ValueError, match="no subject has two ratings"):
        raw_coefficient(matrix([[1, np.nan], [np.nan, 2], [3, np.nan]]), coefficient="gwet")


def test_krippendorff_with_a_single_pairable_subject_notes_an_undefined_variance():
    result = raw_coefficient(matrix([[1, 2], [2, np.nan], [np.nan, 3]]), coefficient="krippendorff")
    assert np.isfinite(result.estimate) and np.isnan(result.standard_error)
    assert any("variance is undefined" in note for note in result.notes)


def test_subjects_without_any_rating_are_left_out():
    with_empty = matrix([[1, 1], [np.nan, np.nan], [2, 1], [2, 2], [3, 3]])
    without = matrix([[1, 1], [2, 1], [2, 2], [3, 3]])
    a = raw_coefficient(with_empty, coefficient="gwet")
    b = raw_coefficient(without, coefficient="gwet")
    assert (a.estimate, a.standard_error, a.n_subjects) == (b.estimate, b.standard_error, 4)


def test_a_rater_who_rated_nobody_is_left_out_of_conger_with_a_note():
    ratings = matrix([[1, 1, np.nan], [2, 1, np.nan], [2, 2, np.nan], [3, 3, np.nan]])
    result = raw_coefficient(ratings, coefficient="conger")
    two = raw_coefficient(matrix([[1, 1], [2, 1], [2, 2], [3, 3]]), coefficient="conger")
    assert result.estimate == pytest.approx(two.estimate)
    assert any("rated no subject" in note for note in result.notes)
    assert result.n_raters == 3


OK = [[0, 1, 1], [1, 1, 2], [2, 2, 2], [3, 2, 3], [0, 0, 1]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"coefficient": "kappa"}, "coefficient must be one of"),
        ({"coefficient": "gwet", "variance": "table"}, "variance='table'"),
        ({"coefficient": "gwet", "variance": "sandwich"}, "variance must be one of"),
        ({"coefficient": "gwet", "variance": "cluster"}, "needs ratings.clusters"),
        ({"coefficient": "gwet", "test_se": "null"}, "test_se='null'"),
        ({"coefficient": "fleiss", "weights": "linear", "test_se": "null"}, "test_se='null'"),
        ({"coefficient": "gwet", "test_se": "zero"}, "test_se must be"),
        ({"coefficient": "cohen"}, "exactly 2 raters"),
        ({"coefficient": "scott"}, "exactly 2 raters"),
        ({"coefficient": "gwet", "alternative": "less"}, "alternative must be one of"),
        ({"coefficient": "gwet", "distribution": "z"}, "distribution must be"),
        ({"coefficient": "gwet", "variance": "bootstrap", "bootstrap": 1}, "bootstrap must be"),
        ({"coefficient": "gwet", "variance": "bootstrap", "bootstrap": 2.5}, "bootstrap must be"),
        ({"coefficient": "gwet", "variance": "bootstrap", "population_size": 100},
         "population_size"),
        ({"coefficient": "gwet", "population_size": 3}, "population_size"),
        ({"coefficient": "gwet", "ci_method": "basic"}, "ci_method must be one of"),
        ({"coefficient": "gwet", "weights": "cubic"}, "Unknown weights"),
    ],
)  # fmt: skip
def test_invalid_options_raise_a_value_error_naming_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message):
        raw_coefficient(matrix(OK), **kwargs)


def test_conger_and_cohen_need_rater_identities_and_tables_belong_to_the_table_path():
    counts = Ratings.from_counts(
        [[2, 1, 0, 0], [0, 3, 0, 0], [0, 1, 2, 0]], categories=[0, 1, 2, 3]
    )
    for coefficient in ("conger", "cohen"):
        with pytest.raises(ValueError, match="rater identities"):
            raw_coefficient(counts, coefficient=coefficient)
    table = Ratings.from_table(np.eye(4) * 3 + 1, categories=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="contingency table"):
        raw_coefficient(table, coefficient="gwet")


def test_cluster_variance_needs_two_clusters():
    with pytest.raises(ValueError, match="at least 2 clusters"):
        raw_coefficient(matrix(OK, clusters=["p"] * 5), coefficient="gwet", variance="cluster")


def test_finite_population_correction_scales_the_variance_by_one_minus_n_over_n():
    infinite = raw_coefficient(matrix(OK), coefficient="gwet")
    finite = raw_coefficient(matrix(OK), coefficient="gwet", population_size=20)
    assert finite.standard_error == pytest.approx(infinite.standard_error * np.sqrt(1 - 5 / 20))
    assert raw_coefficient(matrix(OK), coefficient="gwet", population_size=np.inf).standard_error \
        == infinite.standard_error  # fmt: skip


def test_the_normal_reference_has_no_degrees_of_freedom():
    result = raw_coefficient(matrix(OK), coefficient="gwet", distribution="normal")
    assert result.df is None and result.distribution == "normal"
    low, high = result.confidence_interval(0.95)
    assert result.estimate - low == pytest.approx(1.959963984540054 * result.standard_error)


def test_results_record_categories_weights_and_inferred_categories():
    frame_ratings = Ratings.from_matrix(OK, categories=[0, 1, 2, 3])
    result = raw_coefficient(frame_ratings, coefficient="gwet", weights=np.eye(4))
    assert result.weights_name == "custom" and result.categories == (0, 1, 2, 3)
    inferred = Ratings(**{**frame_ratings.__dict__, "categories_inferred": True})
    noted = raw_coefficient(inferred, coefficient="gwet")
    assert any("categories inferred" in note for note in noted.notes)

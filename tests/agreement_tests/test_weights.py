"""Agreement-weight matrices against irrCAC's printed matrices, and their validation."""

from __future__ import annotations

import numpy as np
import pytest

from grading.agreement.weights import WEIGHT_NAMES, category_scores, weight_matrix

# kgwet/irrCAC inst/doc/weighting.html (commit 4abd58c, 2021-08-28), "The different
# weights": `identity.weights(1:3)` ... `bipolar.weights(1:3)` as printed (7 significant
# digits; circular prints its zero off-diagonals as 3.330669e-16).
IRRCAC_1_TO_3 = {
    "identity": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    "radical": [[1, 0.2928932, 0], [0.2928932, 1, 0.2928932], [0, 0.2928932, 1]],
    "linear": [[1.0, 0.5, 0.0], [0.5, 1.0, 0.5], [0.0, 0.5, 1.0]],
    "ordinal": [[1, 0.6666667, 0], [0.6666667, 1, 0.6666667], [0, 0.6666667, 1]],
    "quadratic": [[1.00, 0.75, 0.00], [0.75, 1.00, 0.75], [0.00, 0.75, 1.00]],
    "circular": [[1, 3.330669e-16, 0], [3.330669e-16, 1, 3.330669e-16], [0, 3.330669e-16, 1]],
    "bipolar": [[1, 0.6666667, 0], [0.6666667, 1, 0.6666667], [0, 0.6666667, 1]],
}


@pytest.mark.parametrize("name", sorted(IRRCAC_1_TO_3))
def test_weight_matrices_match_irrcacs_printed_matrices_for_categories_1_to_3(name):
    np.testing.assert_allclose(
        weight_matrix(name, (1, 2, 3)), IRRCAC_1_TO_3[name], rtol=0, atol=5.01e-8
    )


def test_ratio_weights_follow_gwets_formula_on_a_scale_without_zero():
    # irrCAC ratio.weights: 1 − ((x_k − x_l)/(x_k + x_l))² / ((x_max − x_min)/(x_max + x_min))².
    x = np.array([1.0, 2.0, 3.0, 4.0])
    d = ((x[:, None] - x) / (x[:, None] + x)) ** 2
    expected = 1 - d / ((4 - 1) / (4 + 1)) ** 2
    np.testing.assert_allclose(weight_matrix("ratio", (1, 2, 3, 4)), expected)


def test_ratio_weights_refuse_a_category_zero():
    # Undefined at (0, 0): R irrCAC returns NaN there (kgwet/irrCAC#6).
    with pytest.raises(ValueError, match="category 0"):
        weight_matrix("ratio", (0, 1, 2, 3))


def test_weights_are_built_on_the_declared_not_the_observed_scale():
    # Grades 0–3 declared; a study that never used grade 3 still gets the 0–3 weights.
    declared = weight_matrix("linear", (0, 1, 2, 3))
    assert declared[0, 2] == pytest.approx(1 / 3)
    assert weight_matrix("linear", (0, 1, 2))[0, 2] == 0  # the observed-only scale differs
    # Unequal spacing uses the values, as irrCAC does for numeric categories.
    assert weight_matrix("linear", (0, 1, 3))[1, 2] == pytest.approx(1 / 3)
    # Gwet-ordinal weights use ranks only.
    np.testing.assert_allclose(weight_matrix("ordinal", (0, 1, 3)), IRRCAC_1_TO_3["ordinal"])


def test_every_named_weight_has_ones_on_the_diagonal_and_values_in_zero_one():
    categories = (1, 2, 3, 4, 5)
    for name in WEIGHT_NAMES:
        w = weight_matrix(name, categories)
        np.testing.assert_allclose(np.diag(w), 1)
        assert np.all(w >= -1e-12) and np.all(w <= 1 + 1e-12)
        np.testing.assert_allclose(w, w.T)


def test_a_valid_custom_matrix_is_returned_unchanged():
    custom = np.array([[1, 0.2, 0], [0.4, 1, 0.1], [0, 0.3, 1]])
    np.testing.assert_array_equal(weight_matrix(custom, ("a", "b", "c")), custom)


@pytest.mark.parametrize(
    "custom",
    [
        np.eye(2),  # wrong size for three categories
        np.array([[0.9, 0, 0], [0, 1, 0], [0, 0, 1]]),  # diagonal not 1
        np.array([[1, -0.1, 0], [0, 1, 0], [0, 0, 1]]),  # below 0
        np.array([[1, 1.5, 0], [0, 1, 0], [0, 0, 1]]),  # above 1
    ],
)
def test_malformed_custom_matrices_are_refused(custom):
    with pytest.raises(ValueError):
        weight_matrix(custom, (1, 2, 3))


def test_unknown_names_non_numeric_scales_and_bad_orders_are_refused():
    with pytest.raises(ValueError, match="Unknown weights"):
        weight_matrix("cubic", (1, 2, 3))
    with pytest.raises(ValueError, match="numeric"):
        weight_matrix("linear", ("mild", "moderate", "severe"))
    with pytest.raises(ValueError, match="increasing"):
        weight_matrix("linear", (3, 2, 1))
    with pytest.raises(ValueError, match="two categories"):
        weight_matrix("identity", (1,))
    np.testing.assert_array_equal(weight_matrix("identity", ("a", "b")), np.eye(2))


def test_category_scores_are_values_for_numbers_and_ranks_otherwise():
    np.testing.assert_array_equal(category_scores((0, 1, 3)), [0, 1, 3])
    np.testing.assert_array_equal(category_scores(("a", "b", "c")), [1, 2, 3])


def test_a_custom_matrix_with_nan_off_the_diagonal_is_refused():
    with pytest.raises(ValueError):
        weight_matrix(np.array([[1, np.nan], [0, 1]]), (0, 1))


def test_ordinal_weights_use_ranks_so_text_categories_are_fine():
    # irrCAC's ordinal.weights(categ) uses 1:length(categ) whatever the labels are.
    np.testing.assert_allclose(weight_matrix("ordinal", ("a", "b", "c")), IRRCAC_1_TO_3["ordinal"])

"""The package's public entry points: dispatch by input shape, one function per coefficient."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from statsmodels.stats.inter_rater import cohens_kappa

import grading.agreement as ga
from fixtures.ratings import load


@pytest.fixture(scope="module")
def stenosis():
    return ga.Ratings.from_long(load("stenosis_long"), categories=[0, 1, 2, 3], cluster="cluster")


def test_the_named_functions_are_estimate_with_the_coefficient_fixed(stenosis):
    pair = stenosis.pair("model", "reference")
    assert ga.cohen_kappa(pair).estimate == ga.estimate(pair, coefficient="cohen").estimate
    assert ga.gwet_ac(stenosis, weights="linear").coefficient == "gwet"
    assert ga.krippendorff_alpha(stenosis, metric="ordinal").coefficient == "krippendorff"


def test_the_table_variance_on_long_input_uses_the_two_raters_table(stenosis):
    pair = stenosis.pair("model", "reference")
    result = ga.cohen_kappa(pair, variance="table", weights="linear")
    complete = pair.matrix[(pair.matrix >= 0).all(axis=1)]
    table = np.zeros((4, 4))
    np.add.at(table, (complete[:, 0], complete[:, 1]), 1)
    oracle = cohens_kappa(table, wt="linear")  # statsmodels: FCE variance (divisor n)
    assert result.estimate == pytest.approx(oracle.kappa, abs=1e-12)
    assert result.standard_error == pytest.approx(oracle.std_kappa, abs=1e-12)


def test_the_table_variance_refuses_more_than_two_raters(stenosis):
    with pytest.raises(ValueError, match="two-rater"):
        ga.gwet_ac(stenosis, variance="table")


def test_the_library_imports_neither_django_nor_scipy_stats():
    code = "import sys, grading.agreement; print('django' in sys.modules, 'scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_every_lazy_export_stays_a_function_after_every_submodule_is_imported():
    # A submodule named like an export (once grading/agreement/compare.py) would shadow the
    # lazy export as soon as anything imported it: `from grading.agreement import compare`
    # then gave a module.
    import importlib
    import pkgutil

    import grading.agreement as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "__main__":
            importlib.import_module(f"grading.agreement.{module.name}")
    for name in package.__all__:
        assert not isinstance(getattr(package, name), type(importlib)), name

"""Coverage of 95% confidence intervals on simulated clustered ordinal studies.

1000 studies of 150 patients × 25 sites (one patient's sites share a severity effect, so
readings are correlated within patients). The truth is the coefficient on a large simulated
population (40,000 patients) from the same model. Cluster-robust and cluster-bootstrap
intervals must each cover it in 0.95 ± 3 Monte Carlo SE of the studies, i.e. within
0.95 ± 3·√(0.95·0.05/1000) ≈ [0.929, 0.971].
"""

from __future__ import annotations

import numpy as np
import pytest

from grading.agreement.data import Ratings
from grading.agreement.raw import raw_coefficient

N_STUDIES = 1000
PATIENTS = 150
SITES = 25
CATEGORIES = (0, 1, 2, 3)
CUTS = np.array([0.5, 1.5, 2.5])


def simulate(rng: np.random.Generator, patients: int) -> Ratings:
    """Two raters grading clustered ordinal severities with their own noise and bias."""
    patient_effect = rng.normal(0, 0.7, size=(patients, 1))
    severity = 1.0 + patient_effect + rng.normal(0, 0.8, size=(patients, SITES))
    rater_1 = np.searchsorted(CUTS, severity + rng.normal(0, 0.35, size=severity.shape))
    rater_2 = np.searchsorted(CUTS, severity + 0.15 + rng.normal(0, 0.5, size=severity.shape))
    matrix = np.stack([rater_1.ravel(), rater_2.ravel()], axis=1).astype(np.int64)
    clusters = np.repeat(np.arange(patients), SITES)
    return Ratings(
        kind="matrix",
        categories=CATEGORIES,
        matrix=matrix,
        subjects=tuple(range(matrix.shape[0])),
        raters=("r1", "r2"),
        clusters=clusters,
        cluster_labels=tuple(range(patients)),
    )


@pytest.mark.parametrize(("coefficient", "weights"), [("gwet", "linear"), ("conger", "quadratic")])
def test_cluster_robust_and_bootstrap_intervals_cover_the_population_value(coefficient, weights):
    rng = np.random.default_rng(20261127)
    truth = raw_coefficient(
        simulate(rng, 40_000), coefficient=coefficient, weights=weights
    ).estimate
    covered = {"cluster": 0, "bootstrap": 0}
    for study in range(N_STUDIES):
        ratings = simulate(rng, PATIENTS)
        for variance in covered:
            result = raw_coefficient(
                ratings,
                coefficient=coefficient,
                weights=weights,
                variance=variance,
                bootstrap=400,  # enough for a percentile interval's coverage; keeps make test fast
                seed=study,
            )
            low, high = result.confidence_interval(0.95)
            covered[variance] += low <= truth <= high
    band = 3 * np.sqrt(0.95 * 0.05 / N_STUDIES)
    for variance, hits in covered.items():
        assert abs(hits / N_STUDIES - 0.95) <= band, (variance, hits / N_STUDIES, truth)

"""Agreement statistics for reader studies: a pure library (numpy, scipy, pandas; no Django).

Modules (scipy-style functions, keyword-only options, frozen results):

- ``data``: :class:`Ratings` from long tables, two-rater contingency tables or counts.
- ``weights``: agreement-weight matrices on the declared categories.
- ``_common``: :class:`AgreementResult`, :class:`DifferenceResult` and their inference.
- ``raw``: multi-rater coefficients with missing ratings (Gwet AC1/AC2, Fleiss, Conger,
  Brennan–Prediger, percent agreement, Krippendorff's α in Gwet's raw form), linearised,
  cluster-robust, jackknife and bootstrap variances.
- ``table``: two-rater coefficients from a contingency table (Cohen, Scott, Gwet, BP, PA,
  Krippendorff) with the plug-in (FCE) variance and Cohen's null variance.
- ``krippendorff``: Krippendorff's α in the coincidence-matrix form (nominal, ordinal,
  interval, ratio metrics).
- ``compare``: the difference of two dependent coefficients (Gwet 2016), clustered.
- ``recall``, ``timing``, ``multiplicity``, ``benchmark``, ``pooling``: recall and
  proportion tests, reading times, Holm, benchmark scales, dichotomy and pooling.
"""

from grading.agreement._common import AgreementResult, ConfidenceInterval, DifferenceResult
from grading.agreement.api import (
    brennan_prediger,
    cohen_kappa,
    compare,
    conger_kappa,
    estimate,
    fleiss_kappa,
    gwet_ac,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)
from grading.agreement.benchmark import benchmark
from grading.agreement.data import Ratings
from grading.agreement.multiplicity import holm
from grading.agreement.pooling import dichotomise, units
from grading.agreement.recall import (
    clustered_proportion,
    gee_recall_test,
    mcnemar_test,
    obuchowski_test,
)
from grading.agreement.timing import log_time_mixed_model, paired_time_wilcoxon
from grading.agreement.weights import weight_matrix

__all__ = [
    "AgreementResult",
    "ConfidenceInterval",
    "DifferenceResult",
    "Ratings",
    "benchmark",
    "brennan_prediger",
    "clustered_proportion",
    "cohen_kappa",
    "compare",
    "conger_kappa",
    "dichotomise",
    "estimate",
    "fleiss_kappa",
    "gee_recall_test",
    "gwet_ac",
    "holm",
    "krippendorff_alpha",
    "log_time_mixed_model",
    "mcnemar_test",
    "obuchowski_test",
    "paired_time_wilcoxon",
    "percent_agreement",
    "scott_pi",
    "units",
    "weight_matrix",
]

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
- ``paired``: the difference of two dependent coefficients (Gwet 2016), clustered.
- ``recall``, ``timing``, ``multiplicity``, ``benchmarking``, ``pooling``: recall and
  proportion tests, reading times, Holm, benchmark scales, dichotomy and pooling.
"""

from importlib import import_module

# Exports are loaded on first use (PEP 562): ``python -m grading.agreement`` then imports only
# what one computation needs, not pandas, statsmodels and pingouin for every call.
_EXPORTS = {
    "AgreementResult": "_common",
    "ConfidenceInterval": "_common",
    "DifferenceResult": "_common",
    "Ratings": "data",
    "weight_matrix": "weights",
    "estimate": "api",
    "compare": "api",
    "cohen_kappa": "api",
    "scott_pi": "api",
    "gwet_ac": "api",
    "fleiss_kappa": "api",
    "conger_kappa": "api",
    "brennan_prediger": "api",
    "percent_agreement": "api",
    "krippendorff_alpha": "api",
    "benchmark": "benchmarking",
    "holm": "multiplicity",
    "dichotomise": "pooling",
    "units": "pooling",
    "mcnemar_test": "recall",
    "obuchowski_test": "recall",
    "clustered_proportion": "recall",
    "gee_recall_test": "recall",
    "paired_time_wilcoxon": "timing",
    "log_time_mixed_model": "timing",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"grading.agreement.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'grading.agreement' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

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

"""The statistician's report: tidy tables from a study's reads, statistics, exports.

Everything statistical is computed by :mod:`grading.agreement`; this package only gathers
the study's reads into tidy tables and writes them out.
"""

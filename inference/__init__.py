"""The deep-learning reader (two-stage stenosis model).

Not built yet: it arrives with its own issue. Until then the demo's model reader submits
reads that are simulated from phantom truth and labelled so in their provenance
(``readerstudy.studies.demo``).
"""

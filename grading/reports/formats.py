"""Analysis-ready layouts of the tidy reads for tools statisticians already use.

- **RSNA 2024** (RSNA Lumbar Spine Degenerative Classification, Kaggle ``train.csv``): one row
  per study, one column per ``{condition}_{level}``, valued ``Normal/Mild``, ``Moderate`` or
  ``Severe`` (empty when not assessable). Its conditions: spinal canal stenosis, left/right
  neural foraminal narrowing, left/right subarticular stenosis (the lateral recess).
- **iMRMC** (FDA/CDRH iMRMC, its ``dfMRMC_example`` layout): ``readerID,caseID,modalityID,
  score``, with one ``truth`` row per case whose readerID and modalityID are ``truth``.
- **MRMCaov** (Smith & Hillis): ``reader,treatment,case,truth,rating``.

For the MRMC layouts a case is a reading unit (case × site), the truth is the reference's
dichotomised grade, the rating is the reader's ordinal grade, and the modality is the arm.
Units the reference left ungraded have no truth and are left out; a reader's gap is left out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from grading.reports.cells import safe_cell

RSNA_CONDITIONS = {
    ("canal", ""): "spinal_canal_stenosis",
    ("foramen", "left"): "left_neural_foraminal_narrowing",
    ("foramen", "right"): "right_neural_foraminal_narrowing",
    ("recess", "left"): "left_subarticular_stenosis",
    ("recess", "right"): "right_subarticular_stenosis",
}
RSNA_SEVERITY = {0: "Normal/Mild", 1: "Normal/Mild", 2: "Moderate", 3: "Severe"}


def rsna_level(level: str) -> str:
    """``L4-L5`` → ``l4_l5``, as in the RSNA 2024 column names."""
    return level.lower().replace("-", "_")


def rsna_columns(levels: Iterable[str]) -> list[str]:
    """The RSNA column order: condition by condition, level by level."""
    return [
        f"{condition}_{rsna_level(level)}"
        for condition in RSNA_CONDITIONS.values()
        for level in levels
    ]


def _csv(header: list[str], rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(safe_cell(v) for v in row)
    return out.getvalue()


def rsna2024_csv(rows: Iterable[dict], *, reader: str, session: int, levels: Iterable[str]) -> str:
    """One reader's session in the RSNA 2024 layout; ``study_id`` is the case code."""
    columns = rsna_columns(levels)
    studies: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["reader"] != reader or row["session"] != session:
            continue
        condition = RSNA_CONDITIONS.get((row["region"], row["side"]))
        if condition is None:  # a protocol region RSNA 2024 has no column for
            continue
        column = f"{condition}_{rsna_level(row['level'])}"
        studies.setdefault(row["case"], {})[column] = RSNA_SEVERITY.get(row["grade"], "")
    return _csv(
        ["study_id", *columns],
        ([case, *(studies[case].get(c, "") for c in columns)] for case in sorted(studies)),
    )


def _mrmc_units(rows, *, reference: tuple[str, int], arms: dict[int, str], threshold: int):
    """(truth by unit, [(reader, modality, unit, grade)]) for the chosen sessions."""
    truth, ratings = {}, []
    for row in rows:
        unit = (
            f"{row['case']}:{'/'.join(p for p in (row['level'], row['region'], row['side']) if p)}"
        )
        if (row["reader"], row["session"]) == reference:
            if row["grade"] is not None:
                truth[unit] = int(row["grade"] >= threshold)
        elif row["session"] in arms and row["grade"] is not None:
            ratings.append((row["reader"], arms[row["session"]], unit, int(row["grade"])))
    ratings = sorted(r for r in ratings if r[2] in truth)
    return truth, ratings


def imrmc_csv(rows, *, reference: tuple[str, int], arms: dict[int, str], threshold: int) -> str:
    """The iMRMC input: truth rows first, then one score per reader × modality × case."""
    truth, ratings = _mrmc_units(rows, reference=reference, arms=arms, threshold=threshold)
    body = [("truth", unit, "truth", truth[unit]) for unit in sorted(truth)]
    body += [(reader, unit, modality, grade) for reader, modality, unit, grade in ratings]
    return _csv(["readerID", "caseID", "modalityID", "score"], body)


def mrmcaov_csv(rows, *, reference: tuple[str, int], arms: dict[int, str], threshold: int) -> str:
    """The MRMCaov data frame: reader, treatment, case, truth, rating."""
    truth, ratings = _mrmc_units(rows, reference=reference, arms=arms, threshold=threshold)
    return _csv(
        ["reader", "treatment", "case", "truth", "rating"],
        ((reader, modality, unit, truth[unit], grade) for reader, modality, unit, grade in ratings),
    )

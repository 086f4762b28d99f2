"""Analysis-ready layouts of the tidy reads for tools statisticians already use.

- **RSNA 2024** (RSNA Lumbar Spine Degenerative Classification, Kaggle ``train.csv``): one row
  per study, one column per ``{condition}_{level}``, valued ``Normal/Mild``, ``Moderate`` or
  ``Severe`` (empty when not assessable). Its conditions: spinal canal stenosis, left/right
  neural foraminal narrowing, left/right subarticular stenosis (the lateral recess).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

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


def rsna2024_csv(rows: Iterable[dict], *, reader: str, session: int, levels: Iterable[str]) -> str:
    """One reader's session in the RSNA 2024 layout; ``study_id`` is the case code."""
    columns = rsna_columns(levels)
    studies: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["reader"] != reader or row["session"] != session:
            continue
        condition = RSNA_CONDITIONS[(row["region"], row["side"])]
        column = f"{condition}_{rsna_level(row['level'])}"
        studies.setdefault(row["case"], {})[column] = RSNA_SEVERITY.get(row["grade"], "")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["study_id", *columns])
    for case in sorted(studies):
        writer.writerow([case, *(studies[case].get(column, "") for column in columns)])
    return out.getvalue()

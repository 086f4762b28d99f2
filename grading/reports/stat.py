"""One reported statistic and the CLI command that reproduces it."""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field

CLI = "python -m grading.agreement"

# statistics.csv, in this column order; statistics.json holds the same fields plus ``fields``.
STATISTIC_COLUMNS = (
    "id",
    "analysis",
    "case_set",
    "region",
    "scale",
    "statistic",
    "reader",
    "comparator",
    "sessions",
    "estimate",
    "standard_error",
    "ci_low",
    "ci_high",
    "p_value",
    "p_holm",
    "n_subjects",
    "n_clusters",
    "df",
    "variance",
    "note",
    "command",
    "holm_command",
)


def command(subcommand: str, *options: str) -> str:
    """``python -m grading.agreement SUB --opt value …``, shell-quoted, run from the export
    directory (input paths are relative: ``cli/…``)."""
    return " ".join([CLI, subcommand, *(shlex.quote(o) for o in options)])


def finite(value) -> float | None:
    """A float for the exports; NaN and infinities become None (JSON null, empty cell)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass
class Stat:
    """A statistic as exported. ``fields`` maps each exported number to the key of the
    CLI's JSON output that holds it, so a replay can check every number."""

    analysis: str
    case_set: str
    region: str
    scale: str
    statistic: str
    reader: str
    comparator: str
    sessions: str
    estimate: float | None = None
    standard_error: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    n_subjects: int | None = None
    n_clusters: int | None = None
    df: float | None = None
    variance: str = ""
    note: str = ""
    command: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    p_holm: float | None = None
    holm_command: str = ""
    holm_family: str = ""
    # For list outputs (time-summary): {"list": "groups", "match": {column: value}}.
    select: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return "|".join(
            [
                self.analysis,
                self.case_set,
                self.region,
                self.scale,
                self.statistic,
                self.reader,
                self.comparator,
                self.sessions,
                self.variance,
            ]
        )

    def row(self) -> dict:
        return {column: getattr(self, column) for column in STATISTIC_COLUMNS}

    def record(self) -> dict:
        record = {**self.row(), "fields": dict(self.fields)}
        if self.select:
            record["select"] = self.select
        return record

"""Build a study's agreement report and every export file from one snapshot of its reads.

``build_report`` is pure (it takes :class:`~grading.reports.selectors.ReportInputs`), so the
management command, the background job and the tests all produce the same bytes for the
same data and seed. Only ``manifest.json`` carries the time of the run.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata

from django.utils import timezone

from grading.reports import tables as tb
from grading.reports.analysis import Analysis
from grading.reports.formats import imrmc_csv, mrmcaov_csv, rsna2024_csv
from grading.reports.journal import journal_tables
from grading.reports.methods import methods_text
from grading.reports.model import Report, Table
from grading.reports.plan import SessionChoice
from grading.reports.plots import report_figures
from grading.reports.selectors import ReportInputs
from grading.reports.stat import STATISTIC_COLUMNS
from grading.reports.tidy import marks_csv, reads_csv, table_csv
from readerstudy.version import git_sha, package_version

REPORT_FORMAT = 1
LIBRARIES = (
    "Django",
    "numpy",
    "scipy",
    "pandas",
    "statsmodels",
    "pingouin",
    "matplotlib",
    "openpyxl",
    "fpdf2",
)
CONVENTIONS = {
    "missing": "'not assessable' is a missing rating, never a category",
    "categories_4_grade": [0, 1, 2, 3],
    "categories_dichotomous": [0, 1],
    "agreement_variance": "Gwet linearised, aggregated by patient (cluster); df = patients - 1",
    "ci": "95%, estimate ± t(df)·SE, upper bound clipped at 1 for coefficients",
    "p_values": "two-sided; coefficients tested against 0",
    "two_rater_units": "units graded by both raters (--complete)",
    "multi_rater_units": "units graded by at least one rater (Gwet's missing-data framework)",
    "paired_differences": "Gwet (2016) paired linearisation, clustered by patient, on units all "
    "raters of both pairs graded",
    "recall_variance": "Obuchowski (1998) clustered ratio estimator, normal CI",
    "multiplicity": "Holm within each family per case set",
    "bootstrap": "patient-level cluster bootstrap, percentile CI, per-statistic derived seed",
    "quantiles": "numpy linear (Hyndman-Fan type 7)",
}


@dataclass(frozen=True)
class Built:
    report: Report
    files: dict[str, bytes]  # relative path → content, manifest.json included


def _dumps(value) -> str:
    return json.dumps(value, indent=1, sort_keys=False, ensure_ascii=False, allow_nan=False) + "\n"


def statistics_json(inputs: ReportInputs, analysis: Analysis, seed: int, bootstrap: int) -> str:
    """Every statistic with its command; deterministic (no times), so same data and seed give
    the same bytes."""
    plan = analysis.plan
    return _dumps(
        {
            "report_format": REPORT_FORMAT,
            "study": inputs.study,
            "seed": seed,
            "bootstrap": bootstrap,
            "plan": {
                "primary_session": plan.primary,
                "repeat_session": plan.repeat,
                "ai_session": plan.ai,
                "reference": plan.reference_name,
                "reference_column": plan.reference,
                "readers": list(plan.readers),
                "models": list(plan.models),
                "case_sets": list(plan.case_sets),
                "recall_findings": getattr(analysis, "recall_source", None),
            },
            "conventions": CONVENTIONS,
            "columns": list(STATISTIC_COLUMNS),
            "statistics": [s.record() for s in analysis.stats],
        }
    )


def _codebook() -> Table:
    from grading.reports.codebook import CODEBOOK

    return Table("codebook", "Codebook", ("file", "column", "type", "meaning"), CODEBOOK)


def build_report(
    inputs: ReportInputs,
    *,
    seed: int = 20211,
    bootstrap: int = 1000,
    choice: SessionChoice | None = None,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> Built:
    """Compute and lay out the whole report; returns the Report and every export file."""
    analysis = Analysis(
        inputs, seed=seed, bootstrap=bootstrap, choice=choice or SessionChoice(), progress=progress
    )
    stats = analysis.run()
    plan = analysis.plan
    case_set = tb.primary_case_set(plan.case_sets)
    tests = [s for s in stats if s.analysis == "reading_time" and s.statistic != "median_seconds"]
    tables = (
        tb.recall_table(stats, getattr(analysis, "recall_source", "truth")),
        tb.agreement_table(stats),
        tb.interobserver_table(stats),
        tb.intraobserver_table(stats),
        tb.washout_table(analysis.frame, plan),
        tb.comparison_table(
            stats, "model_vs_radiologist", "model_vs_radiologists", "Table 9. Model vs radiologists"
        ),
        tb.comparison_table(
            stats, "ai_vs_unaided", "ai_vs_unaided", "Table 10. AI-assisted vs unaided reading"
        ),
        tb.confusion_table(analysis.grades, plan),
        tb.not_assessable_table(analysis.frame, plan.case_sets),
        tb.reading_time_table(analysis.frame, plan.case_sets),
        tb.comparison_table(
            tests,
            "reading_time",
            "reading_time_tests",
            "Table 8b. Reading time: AI-assisted vs unaided",
        ),
        tb.statistics_table(stats),
    )
    extra = {t.name: t for t in tables}
    files: dict[str, bytes] = {
        "reads.csv": reads_csv(inputs.reads).encode(),
        "marks.csv": marks_csv(inputs.marks).encode(),
        "statistics.csv": table_csv((s.row() for s in stats), STATISTIC_COLUMNS).encode(),
        "statistics.json": statistics_json(inputs, analysis, seed, bootstrap).encode(),
    }
    files |= {path: text.encode() for path, text in sorted(analysis.files.items())}
    files |= _format_files(inputs, plan)
    created = (now or timezone.now()).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = {
        "app": {"name": "ReaderStudy", "version": package_version(), "git_sha": git_sha()},
        "python": platform.python_version(),
        "libraries": {name: _version(name) for name in LIBRARIES},
        "created_utc": created,
        "study": inputs.study,
        "seed": seed,
        "bootstrap": bootstrap,
        "sessions": {"primary": plan.primary, "repeat": plan.repeat, "ai": plan.ai},
        "conventions": CONVENTIONS,
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())},
    }
    report = Report(
        study=inputs.study,
        title=f"Agreement report: {inputs.study_name}",
        tables=tables,
        figures=report_figures(analysis, stats, case_set),
        methods=methods_text(
            plan,
            recall_source=getattr(analysis, "recall_source", "truth"),
            bootstrap=bootstrap,
            seed=seed,
            spec=inputs.spec,
        ),
        codebook=_codebook(),
        # The documents repeat the manifest of the data files; they cannot hold their own hash.
        manifest={**manifest, "files": dict(manifest["files"])},
        display_tables=journal_tables(stats, extra),
    )
    files |= _rendered(report)
    manifest["files"] = {
        path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())
    }
    files["manifest.json"] = _dumps(manifest).encode()
    return Built(report=report, files=files)


def _rendered(report: Report) -> dict[str, bytes]:
    from grading.reports.render_html import render_html
    from grading.reports.render_pdf import render_pdf
    from grading.reports.render_xlsx import render_xlsx

    out = {f"figures/{f.name}.png": f.png for f in report.figures}
    out["report.xlsx"] = render_xlsx(report)
    out["report.html"] = render_html(report).encode()
    out["report.pdf"] = render_pdf(report)
    return out


def _format_files(inputs: ReportInputs, plan) -> dict[str, bytes]:
    threshold = inputs.spec.dichotomy_threshold
    ref_session = int(plan.reference.rpartition("@s")[2])
    arms = {plan.primary: "unaided"} | ({plan.ai: "ai_assisted"} if plan.ai is not None else {})
    options = {
        "reference": (plan.reference_name, ref_session),
        "arms": arms,
        "threshold": threshold,
    }
    out = {
        "formats/imrmc.csv": imrmc_csv(inputs.reads, **options).encode(),
        "formats/mrmcaov.csv": mrmcaov_csv(inputs.reads, **options).encode(),
    }
    for name in sorted({plan.reference_name, *plan.readers}):
        session = ref_session if name == plan.reference_name else plan.primary
        text = rsna2024_csv(inputs.reads, reader=name, session=session, levels=inputs.spec.levels)
        out[f"formats/rsna2024_{_file_safe(name)}_s{session}.csv"] = text.encode()
    return out


def _file_safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def write_files(built: Built, out_dir) -> None:
    """Write every export under ``out_dir`` (created; existing files are replaced)."""
    from pathlib import Path

    root = Path(out_dir)
    for path, data in built.files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

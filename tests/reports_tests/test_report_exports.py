"""The agreement report's exports on a small demo study: every file, reproducible by the named
CLI commands, consistent across CSV, JSON, XLSX and HTML, deterministic, injection-safe."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import shlex
from collections import defaultdict

import openpyxl
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from grading.agreement.cli import main as cli_main
from grading.reports.cells import safe_cell
from grading.reports.stat import STATISTIC_COLUMNS
from grading.reports.tidy import READS_COLUMNS

from .conftest import INJECTED

pytestmark = pytest.mark.django_db

SAFE_INJECTED = "'" + INJECTED


def statistics(exported) -> list[dict]:
    return json.loads((exported.out / "statistics.json").read_text())["statistics"]


def test_the_demo_report_writes_every_export_with_its_fixed_name(exported):
    names = {p.relative_to(exported.out).as_posix() for p in exported.out.rglob("*") if p.is_file()}
    fixed = {
        "reads.csv",
        "marks.csv",
        "statistics.csv",
        "statistics.json",
        "report.xlsx",
        "report.html",
        "report.pdf",
        "manifest.json",
        "formats/imrmc.csv",
        "formats/mrmcaov.csv",
    }
    assert fixed <= names
    assert any(n.startswith("cli/grades_all_canal_4grade") for n in names)
    assert any(n.startswith("formats/rsna2024_reference_s1") for n in names)
    assert (exported.out / "report.pdf").read_bytes().startswith(b"%PDF")


def test_the_manifest_records_the_sha256_of_every_file_and_the_conventions(exported):
    manifest = json.loads((exported.out / "manifest.json").read_text())
    on_disk = {
        p.relative_to(exported.out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in exported.out.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert manifest["files"] == on_disk
    assert manifest["seed"] == 3 and manifest["bootstrap"] == 60
    assert len(manifest["app"]["git_sha"]) == 40 or manifest["app"]["git_sha"] == "unknown"
    assert {"numpy", "statsmodels", "pingouin"} <= set(manifest["libraries"])
    assert manifest["created_utc"].endswith("Z")
    assert "missing" in manifest["conventions"]


def _sample(records: list[dict]) -> list[dict]:
    """Two statistics of every (analysis, statistic, variance), and every Holm family."""
    chosen, seen = [], defaultdict(int)
    for record in records:
        key = (record["analysis"], record["statistic"], record["variance"])
        if seen[key] < 2 and record["command"]:
            seen[key] += 1
            chosen.append(record)
    return chosen


def _run(command: str, capsys) -> dict:
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "grading.agreement"]
    code = cli_main(argv[3:])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def _close(ours, theirs) -> bool:
    if ours is None or theirs is None:
        return ours is None and (theirs is None or not math.isfinite(theirs))
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)


def test_a_sample_of_statistics_json_replays_through_its_named_cli_commands(
    exported, capsys, monkeypatch
):
    monkeypatch.chdir(exported.out)
    records = statistics(exported)
    sample = _sample(records)
    assert {r["analysis"] for r in sample} >= {
        "agreement_reference",
        "recall",
        "interobserver_pairwise",
        "interobserver_multirater",
        "intraobserver",
        "model_vs_radiologist",
        "ai_vs_unaided",
        "reading_time",
    }
    assert {"bootstrap", "cluster"} <= {r["variance"] for r in sample}
    for record in sample:
        output = _run(record["command"], capsys)
        if "select" in record:
            match = record["select"]["match"]
            output = next(
                g
                for g in output[record["select"]["list"]]
                if all(str(g[k]) == str(v) for k, v in match.items())
            )
        for field, key in record["fields"].items():
            assert _close(record[field], output[key]), (record["id"], field, output[key])
    families = {r["holm_command"] for r in records if r["holm_command"]}
    assert families
    for holm_command in families:
        output = _run(holm_command, capsys)
        adjusted = dict(zip(output["ids"], output["p_adjusted"], strict=True))
        for record in (r for r in records if r["holm_command"] == holm_command):
            assert _close(record["p_holm"], adjusted[record["id"]]), record["id"]


def test_cohen_kappa_against_the_reference_is_rederived_from_reads_csv_with_scikit_learn(
    exported,
):
    reads = pd.read_csv(exported.out / "reads.csv", dtype={"side": str}, keep_default_na=False)
    reads["grade"] = pd.to_numeric(reads["grade"], errors="coerce")
    key = ["case", "level", "region", "side"]
    reference = reads[(reads["reader"] == "reference") & (reads["session"] == 1)]
    checked = 0
    for record in statistics(exported):
        if (record["analysis"], record["case_set"], record["scale"]) != (
            "agreement_reference",
            "all",
            "4-grade",
        ) or not record["statistic"].startswith("cohen_kappa"):
            continue
        # reads.csv shows a formula-like name with a leading apostrophe, as any CSV cell.
        chosen = (reads["reader"] == safe_cell(record["reader"])) & (
            reads["session"] == int(record["sessions"])
        )
        reader = reads[chosen]
        pairs = reference.merge(reader, on=key, suffixes=("_ref", "_reader"))
        if record["region"] != "overall":
            pairs = pairs[pairs["region"] == record["region"]]
        pairs = pairs.dropna(subset=["grade_ref", "grade_reader"])
        weights = record["statistic"].removeprefix("cohen_kappa_")
        expected = cohen_kappa_score(
            pairs["grade_ref"].astype(int),
            pairs["grade_reader"].astype(int),
            labels=[0, 1, 2, 3],
            weights=weights,
        )
        assert record["estimate"] == pytest.approx(expected, abs=1e-12), record["id"]
        assert record["n_subjects"] == len(pairs)
        checked += 1
    assert checked >= 2 * 4 * 4  # linear and quadratic × 4 regions × ≥ 4 reader sessions


def test_the_xlsx_opens_and_holds_one_sheet_per_table_plus_the_codebook(exported):
    workbook = openpyxl.load_workbook(exported.out / "report.xlsx")
    assert workbook.sheetnames == [
        "README",
        "codebook",
        "recall",
        "agreement_reference",
        "interobserver",
        "intraobserver",
        "washout",
        "model_vs_radiologists",
        "ai_vs_unaided",
        "confusion",
        "not_assessable",
        "reading_time",
        "reading_time_tests",
        "statistics",
        "tables",
    ]
    readme = [str(c.value) for row in workbook["README"].iter_rows() for c in row if c.value]
    assert any("manifest" in text.lower() for text in readme)
    sheet = workbook["statistics"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert tuple(header) == STATISTIC_COLUMNS
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_statistics_agree_across_csv_json_xlsx_and_html(exported):
    records = statistics(exported)
    with open(exported.out / "statistics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == [r["id"] for r in records]
    sheet = openpyxl.load_workbook(exported.out / "report.xlsx")["statistics"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    html = (exported.out / "report.html").read_text()
    for record, row, cells in zip(records, rows, values, strict=True):
        xlsx = dict(zip(STATISTIC_COLUMNS, cells, strict=True))
        for field in ("estimate", "ci_low", "p_value"):
            if record[field] is None:
                assert row[field] == "" and xlsx[field] is None
            else:
                assert float(row[field]) == pytest.approx(record[field], abs=1e-6)
                assert xlsx[field] == pytest.approx(record[field], abs=1e-12)
    headline = next(
        r
        for r in records
        if r["statistic"] == "gwet_ac2_linear" and r["analysis"] == "agreement_reference"
    )
    low, high = headline["ci_low"], headline["ci_high"]
    assert f"{headline['estimate']:.3f} ({low:.3f}, {high:.3f})" in html


def test_reads_csv_round_trips_with_its_exact_header(exported):
    text = (exported.out / "reads.csv").read_text()
    assert text.splitlines()[0] == ",".join(READS_COLUMNS)
    back = list(csv.DictReader(io.StringIO(text)))
    assert back == [{k: safe_cell(v) for k, v in row.items()} for row in exported.reads]


def test_an_injected_formula_reader_name_is_neutralised_in_every_export(exported):
    reads = (exported.out / "reads.csv").read_text()
    assert f"\n{INJECTED}" not in reads and f",{INJECTED}" not in reads
    assert SAFE_INJECTED.replace('"', '""') in reads or SAFE_INJECTED in reads
    rows = list(csv.DictReader(io.StringIO((exported.out / "statistics.csv").read_text())))
    assert any(r["reader"] == SAFE_INJECTED for r in rows)
    assert not any(r["reader"].startswith("=") for r in rows)
    grades = (exported.out / "cli" / "grades_all_canal_4grade.csv").read_text()
    assert not any(cell.startswith("=") for cell in grades.splitlines()[0].split(","))
    workbook = openpyxl.load_workbook(exported.out / "report.xlsx")
    confusion = list(workbook["confusion"].iter_rows(min_row=2, values_only=True))
    assert any(row[2] == SAFE_INJECTED for row in confusion)  # the reader is still counted
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)


def test_the_same_data_and_seed_give_byte_identical_csvs_and_statistics_json(exported):
    deterministic = [p for p in exported.again if p.endswith(".csv") or p == "statistics.json"]
    assert len(deterministic) > 40
    for path in deterministic:
        assert (exported.out / path).read_bytes() == exported.again[path], path


def test_the_mrmc_layouts_carry_truth_rows_and_one_rating_per_reader_arm_and_unit(exported):
    imrmc = pd.read_csv(exported.out / "formats" / "imrmc.csv")
    assert list(imrmc.columns) == ["readerID", "caseID", "modalityID", "score"]
    truth = imrmc[imrmc["readerID"] == "truth"]
    assert set(truth["modalityID"]) == {"truth"} and set(truth["score"]) <= {0, 1}
    scored = imrmc[imrmc["readerID"] != "truth"]
    assert set(scored["modalityID"]) == {"unaided", "ai_assisted"}
    assert set(scored["caseID"]) <= set(truth["caseID"])
    assert not scored.duplicated(["readerID", "caseID", "modalityID"]).any()
    mrmcaov = pd.read_csv(exported.out / "formats" / "mrmcaov.csv")
    assert list(mrmcaov.columns) == ["reader", "treatment", "case", "truth", "rating"]
    assert len(mrmcaov) == len(scored)

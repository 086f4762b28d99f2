"""The statistician's CLI: one JSON object on stdout, exit code 2 and one line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from statsmodels.stats.inter_rater import cohens_kappa

from fixtures.ratings import path as table_path
from grading.agreement.cli import main

LONG = str(table_path("stenosis_long"))
ESTIMATE_FIELDS = {
    "coefficient",
    "estimate",
    "standard_error",
    "standard_error_null",
    "ci_low",
    "ci_high",
    "p_value",
    "alternative",
    "distribution",
    "df",
    "pa",
    "pe",
    "n_subjects",
    "n_raters",
    "categories",
    "weights",
}


def run(capsys, *argv) -> tuple[int, dict | str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else err)


def test_estimate_prints_the_contract_fields(capsys):
    code, out = run(
        capsys,
        "estimate",
        "--coefficient",
        "gwet",
        "--input",
        LONG,
        "--categories",
        "0,1,2,3",
        "--weights",
        "linear",
    )
    assert code == 0
    assert ESTIMATE_FIELDS <= set(out)
    assert out["categories"] == [0, 1, 2, 3] and out["n_raters"] == 4 and out["n_subjects"] == 100
    assert out["distribution"] == "t" and out["df"] == 99 and out["alternative"] == "two-sided"
    assert out["ci_low"] < out["estimate"] < out["ci_high"]


def test_the_python_module_entry_point_runs(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "grading.agreement",
            "estimate",
            "--coefficient",
            "percent",
            "--input",
            LONG,
            "--categories",
            "0,1,2,3",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert json.loads(completed.stdout)["coefficient"] == "percent"


def test_table_input_uses_the_table_variance_and_matches_statsmodels(capsys, tmp_path):
    table = np.array([[10, 3, 1], [2, 12, 4], [0, 3, 15]])
    csv = tmp_path / "table.csv"
    csv.write_text(
        "rater1\\rater2,a,b,c\n"
        + "\n".join(
            f"{label}," + ",".join(map(str, row)) for label, row in zip("abc", table, strict=True)
        )
    )
    code, out = run(
        capsys,
        "estimate",
        "--coefficient",
        "cohen",
        "--input",
        str(csv),
        "--input-format",
        "table",
        "--categories",
        "a,b,c",
        "--distribution",
        "normal",
    )
    assert code == 0, out
    oracle = cohens_kappa(table)  # statsmodels: FCE non-null and null SE (SAS-verified)
    assert out["estimate"] == pytest.approx(oracle.kappa, abs=1e-12)
    assert out["standard_error"] == pytest.approx(oracle.std_kappa, abs=1e-12)
    assert out["standard_error_null"] == pytest.approx(oracle.std_kappa0, abs=1e-12)
    assert out["df"] is None and out["distribution"] == "normal"


def test_table_categories_are_reordered_to_the_declared_order(capsys, tmp_path):
    csv = tmp_path / "table.csv"
    csv.write_text(",b,a\nb,5,1\na,2,7\n")
    _, reordered = run(
        capsys,
        "estimate",
        "--coefficient",
        "cohen",
        "--input",
        str(csv),
        "--input-format",
        "table",
        "--categories",
        "a,b",
    )
    csv.write_text(",a,b\na,7,2\nb,1,5\n")
    _, plain = run(
        capsys,
        "estimate",
        "--coefficient",
        "cohen",
        "--input",
        str(csv),
        "--input-format",
        "table",
        "--categories",
        "a,b",
    )
    assert reordered["estimate"] == pytest.approx(plain["estimate"], abs=1e-15)


def test_counts_input_reports_the_largest_number_of_ratings(capsys, tmp_path):
    csv = tmp_path / "counts.csv"
    csv.write_text("subject,0,1,2\ns1,3,0,0\ns2,1,2,0\ns3,0,0,2\ns4,0,3,0\n")
    code, out = run(
        capsys,
        "estimate",
        "--coefficient",
        "fleiss",
        "--input",
        str(csv),
        "--input-format",
        "counts",
        "--categories",
        "0,1,2",
    )
    assert code == 0, out
    assert out["n_raters"] == 3 and out["n_subjects"] == 4


def test_observed_categories_are_inferred_and_said_so(capsys):
    code, out = run(
        capsys, "estimate", "--coefficient", "gwet", "--input", LONG, "--categories", "observed"
    )
    assert code == 0 and out["categories_inferred"] is True


def test_a_weight_matrix_csv_is_used_as_agreement_weights(capsys, tmp_path):
    matrix = tmp_path / "w.csv"
    matrix.write_text("1,0.5,0,0\n0.5,1,0.5,0\n0,0.5,1,0.5\n0,0,0.5,1\n")
    code, out = run(
        capsys,
        "estimate",
        "--coefficient",
        "gwet",
        "--input",
        LONG,
        "--categories",
        "0,1,2,3",
        "--weights",
        str(matrix),
    )
    assert code == 0 and out["weights"] == "custom"


def test_compare_prints_the_difference_fields(capsys):
    code, out = run(
        capsys,
        "compare",
        "--coefficient",
        "gwet",
        "--input",
        LONG,
        "--categories",
        "0,1,2,3",
        "--weights",
        "linear",
        "--pair-a",
        "model,reference",
        "--pair-b",
        "reader1,reference",
        "--variance",
        "cluster",
    )
    assert code == 0
    assert {
        "difference",
        "standard_error",
        "ci_low",
        "ci_high",
        "p_value",
        "df",
        "estimate_a",
        "estimate_b",
    } <= set(out)
    assert out["difference"] == pytest.approx(out["estimate_a"] - out["estimate_b"], abs=1e-12)
    assert out["df"] == 19  # 20 patients


@pytest.mark.parametrize("method", ["mcnemar", "mcnemar-corrected", "mcnemar-exact", "obuchowski"])
def test_recall_compare_prints_its_fields(capsys, method):
    code, out = run(
        capsys, "recall-compare", "--input", str(table_path("recall_pairs")), "--method", method
    )
    assert code == 0
    assert {"statistic", "p_value", "recall_a", "recall_b", "n_findings", "n_clusters"} <= set(out)
    assert out["n_clusters"] == 30 and 0 <= out["p_value"] <= 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--categories", "0,1,2"], "not a declared category"),
        (["--categories", "0,1,2,3", "--coefficient", "cohen"], "exactly 2 raters"),
        (["--categories", "0,1,2,3", "--weights", "banana"], "--weights"),
        (
            [
                "--categories",
                "0,1,2,3",
                "--metric",
                "ordinal",
                "--weights",
                "linear",
                "--coefficient",
                "krippendorff",
            ],
            "not both",
        ),
        (["--categories", "0,1,2,3", "--test-se", "null"], "null"),
        (["--categories", "0,1,2,3", "--weights", "ratio"], "category 0"),
    ],
)
def test_bad_estimate_input_exits_2_with_one_line(capsys, argv, message):
    base = ["estimate", "--input", LONG, "--coefficient", "gwet"]
    args = base + argv
    if argv.count("--coefficient"):
        args = ["estimate", "--input", LONG] + argv
    code, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_a_missing_rater_column_a_non_square_table_and_one_subject_exit_2(capsys, tmp_path):
    no_rater = tmp_path / "no_rater.csv"
    no_rater.write_text("subject,rating\n1,0\n2,1\n")
    assert (
        run(
            capsys,
            "estimate",
            "--coefficient",
            "gwet",
            "--input",
            str(no_rater),
            "--categories",
            "0,1",
        )[0]
        == 2
    )
    wide = tmp_path / "wide.csv"
    wide.write_text(",a,b,c\na,1,2,3\nb,1,2,3\n")
    code, err = run(
        capsys,
        "estimate",
        "--coefficient",
        "cohen",
        "--input",
        str(wide),
        "--input-format",
        "table",
        "--categories",
        "a,b,c",
    )
    assert code == 2 and "square" in err
    single = tmp_path / "single.csv"
    single.write_text("subject,rater,rating\n1,a,0\n1,b,1\n")
    code, err = run(
        capsys, "estimate", "--coefficient", "gwet", "--input", str(single), "--categories", "0,1"
    )
    assert code == 2 and "2 subjects" in err
    code, err = run(
        capsys,
        "compare",
        "--coefficient",
        "gwet",
        "--input",
        LONG,
        "--categories",
        "0,1,2,3",
        "--pair-a",
        "model,reference",
        "--pair-b",
        "ghost,reference",
    )
    assert code == 2 and "ghost" in err


def test_wide_input_gives_the_same_result_as_long_input(capsys, tmp_path):
    frame = load_long()
    wide = frame.pivot(index="subject", columns="rater", values="rating").reset_index()
    csv = tmp_path / "wide.csv"
    wide.to_csv(csv, index=False)
    common = ["estimate", "--coefficient", "gwet", "--weights", "linear", "--categories", "0,1,2,3"]
    _, from_long = run(capsys, *common, "--input", LONG)
    code, from_wide = run(capsys, *common, "--input", str(csv), "--input-format", "wide")
    assert code == 0
    assert from_wide["estimate"] == pytest.approx(from_long["estimate"], abs=1e-15)
    assert from_wide["standard_error"] == pytest.approx(from_long["standard_error"], abs=1e-15)


def test_wide_input_with_text_categories_and_clusters_takes_the_pandas_path(capsys, tmp_path):
    csv = tmp_path / "wide.csv"
    csv.write_text(
        "subject,cluster,r1,r2\n1,p1,no,no\n2,p1,yes,no\n3,p2,yes,yes\n4,p2,no,\n5,p3,yes,yes\n"
    )
    code, out = run(
        capsys,
        "estimate",
        "--coefficient",
        "gwet",
        "--input",
        str(csv),
        "--input-format",
        "wide",
        "--categories",
        "no,yes",
        "--variance",
        "cluster",
    )
    assert code == 0, out
    assert out["n_clusters"] == 3 and out["n_subjects"] == 5


def load_long():
    from fixtures.ratings import load

    return load("stenosis_long")


def test_recall_compare_obuchowski_prints_the_difference_with_its_clustered_ci(capsys):
    code, out = run(
        capsys,
        "recall-compare",
        "--input",
        str(table_path("recall_pairs")),
        "--method",
        "obuchowski",
    )
    assert code == 0
    assert out["difference"] == pytest.approx(out["recall_a"] - out["recall_b"], abs=1e-12)
    # Obuchowski: CI = D ± z·SE, z = Φ⁻¹(0.975) (scipy as the oracle for the quantile).
    z = scipy.stats.norm.ppf(0.975)
    assert out["ci_low"] == pytest.approx(out["difference"] - z * out["standard_error"])
    assert out["ci_high"] == pytest.approx(out["difference"] + z * out["standard_error"])
    # The χ² statistic is D²/SE² under the unrestricted variance.
    assert out["statistic"] == pytest.approx(out["difference"] ** 2 / out["standard_error"] ** 2)

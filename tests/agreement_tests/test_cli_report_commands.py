"""The command-line additions a report needs to reproduce each statistic: rater subsets and
complete cases, clustered proportions, renamed recall columns, Holm, and reading times."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.multitest import multipletests

from fixtures.ratings import load
from fixtures.ratings import path as table_path
from grading.agreement.cli import main

LONG = str(table_path("stenosis_long"))
RECALL = str(table_path("recall_pairs"))
GWET = ["--coefficient", "gwet", "--weights", "linear", "--categories", "0,1,2,3"]


def run(capsys, *argv) -> tuple[int, dict | str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else err)


def ok(capsys, *argv) -> dict:
    code, out = run(capsys, *argv)
    assert code == 0, out
    return out


def complete_rows(frame: pd.DataFrame, raters: list[str]) -> pd.DataFrame:
    """The long rows of ``raters`` for the subjects that every one of them rated."""
    kept = frame[frame["rater"].isin(raters)]
    rated = kept.dropna(subset=["rating"]).groupby("subject")["rater"].nunique()
    return kept[kept["subject"].isin(rated.index[rated == len(raters)])]


def to_wide(frame: pd.DataFrame, *, cluster: bool) -> pd.DataFrame:
    wide = frame.pivot(index="subject", columns="rater", values="rating")
    wide = wide.reindex(pd.unique(frame["subject"])).reset_index()
    if cluster:
        clusters = frame.drop_duplicates("subject").set_index("subject")["cluster"]
        wide.insert(1, "cluster", wide["subject"].map(clusters))
    return wide


# ---- estimate and compare: --raters and --complete ------------------------------------------


@pytest.mark.parametrize("variance", ["linearized", "cluster"])
def test_raters_and_complete_equal_a_file_of_those_raters_complete_rows(capsys, tmp_path, variance):
    raters = ["reader2", "model", "reader1"]
    subset = tmp_path / "subset.csv"
    complete_rows(load("stenosis_long"), raters).to_csv(subset, index=False)
    common = ["estimate", *GWET, "--variance", variance]
    filtered = ok(capsys, *common, "--input", LONG, "--raters", ",".join(raters), "--complete")
    oracle = ok(capsys, *common, "--input", str(subset))
    assert filtered["n_raters"] == 3 and filtered["n_subjects"] == 98
    for field in ("estimate", "standard_error", "ci_low", "ci_high", "df", "n_clusters"):
        assert filtered[field] == pytest.approx(oracle[field], abs=1e-15), field


@pytest.mark.parametrize("cluster", [False, True], ids=["numeric-path", "pandas-path"])
def test_wide_input_is_filtered_like_long_input(capsys, tmp_path, cluster):
    frame = load("stenosis_long")
    wide = tmp_path / "wide.csv"
    to_wide(frame, cluster=cluster).to_csv(wide, index=False)
    subset = tmp_path / "subset.csv"
    complete_rows(frame, ["reader1", "reader2"]).to_csv(subset, index=False)
    variance = ["--variance", "cluster"] if cluster else []
    common = ["estimate", *GWET, *variance]
    from_wide = ok(
        capsys,
        *common,
        "--input",
        str(wide),
        "--input-format",
        "wide",
        "--raters",
        "reader1,reader2",
        "--complete",
    )
    oracle = ok(capsys, *common, "--input", str(subset))
    assert from_wide["n_subjects"] == oracle["n_subjects"] == 98
    assert from_wide["estimate"] == pytest.approx(oracle["estimate"], abs=1e-15)
    assert from_wide["standard_error"] == pytest.approx(oracle["standard_error"], abs=1e-15)
    assert from_wide["n_clusters"] == oracle["n_clusters"]


def test_raters_without_complete_keep_subjects_rated_by_any_kept_rater(capsys, tmp_path):
    frame = load("stenosis_long")
    subset = tmp_path / "subset.csv"
    frame[frame["rater"].isin(["reader2", "model"])].to_csv(subset, index=False)
    common = ["estimate", "--coefficient", "fleiss", "--categories", "0,1,2,3"]
    filtered = ok(capsys, *common, "--input", LONG, "--raters", "reader2,model")
    oracle = ok(capsys, *common, "--input", str(subset))
    assert filtered["n_subjects"] == 100 and filtered["n_raters"] == 2
    assert filtered["estimate"] == pytest.approx(oracle["estimate"], abs=1e-15)
    assert filtered["standard_error"] == pytest.approx(oracle["standard_error"], abs=1e-15)


def test_complete_cohen_kappa_equals_sklearn_on_the_complete_pairs(capsys):
    out = ok(
        capsys,
        "estimate",
        "--coefficient",
        "cohen",
        "--weights",
        "linear",
        "--categories",
        "0,1,2,3",
        "--input",
        LONG,
        "--raters",
        "reader1,reader2",
        "--complete",
    )
    wide = load("stenosis_long").pivot(index="subject", columns="rater", values="rating")
    pairs = wide[["reader1", "reader2"]].dropna().astype(int)
    oracle = cohen_kappa_score(
        pairs["reader1"], pairs["reader2"], labels=[0, 1, 2, 3], weights="linear"
    )
    assert out["n_subjects"] == len(pairs) == 98
    assert out["estimate"] == pytest.approx(oracle, abs=1e-12)


def test_an_unknown_rater_exits_2_naming_it_and_the_known_raters(capsys):
    code, err = run(
        capsys, "estimate", *GWET, "--input", LONG, "--raters", "reader1,ghost", "--complete"
    )
    assert code == 2 and err.count("\n") == 1
    assert "'ghost'" in err and "reader1, reader2, reference" in err


def test_raters_on_table_input_exits_2(capsys, tmp_path):
    table = tmp_path / "table.csv"
    table.write_text(",a,b\na,5,1\nb,2,7\n")
    code, err = run(
        capsys,
        "estimate",
        "--coefficient",
        "cohen",
        "--categories",
        "a,b",
        "--input",
        str(table),
        "--input-format",
        "table",
        "--complete",
    )
    assert code == 2 and "long or wide" in err


def test_compare_complete_equals_compare_on_the_subjects_rated_by_all_pair_raters(capsys, tmp_path):
    frame = load("stenosis_long")
    subset = tmp_path / "subset.csv"
    complete_rows(frame, ["reader2", "reference", "model"]).to_csv(subset, index=False)
    pairs = ["--pair-a", "reader2,reference", "--pair-b", "model,reference"]
    common = ["compare", *GWET, *pairs, "--variance", "cluster"]
    filtered = ok(capsys, *common, "--input", LONG, "--complete")
    oracle = ok(capsys, *common, "--input", str(subset))
    plain = ok(capsys, *common, "--input", LONG)
    assert filtered["n_subjects"] == 98 and plain["n_subjects"] == 100
    for field in ("difference", "standard_error", "p_value", "df", "n_clusters"):
        assert filtered[field] == pytest.approx(oracle[field], abs=1e-15), field


# ---- proportion ------------------------------------------------------------------------------


def obuchowski_proportion(x: np.ndarray, clusters: np.ndarray) -> tuple[float, float]:
    """p̂ = Σx/M and SE = √(K/((K − 1)M²) Σ_i (x_i − m_i p̂)²), by hand."""
    labels = sorted(set(clusters))
    k, total = len(labels), x.size
    estimate = x.sum() / total
    sums = np.array([x[clusters == c].sum() for c in labels])
    sizes = np.array([(clusters == c).sum() for c in labels])
    return estimate, math.sqrt(k / ((k - 1) * total**2) * np.sum((sums - sizes * estimate) ** 2))


def test_proportion_prints_the_clustered_recall_with_its_ci_and_drops_blanks(capsys, tmp_path):
    frame = pd.read_csv(RECALL, dtype=str)
    frame.loc[[2, 7, 8], "a"] = ""  # not applicable: dropped
    csv = tmp_path / "recall.csv"
    frame.to_csv(csv, index=False)
    out = ok(capsys, "proportion", "--input", str(csv), "--column", "a", "--distribution", "t")
    kept = frame[frame["a"] != ""]
    x = kept["a"].astype(float).to_numpy()
    estimate, se = obuchowski_proportion(x, kept["cluster"].to_numpy())
    k = kept["cluster"].nunique()
    half = stats.t.ppf(0.975, k - 1) * se
    assert out["n"] == len(frame) - 3 and out["n_clusters"] == k and out["df"] == k - 1
    assert out["estimate"] == pytest.approx(estimate, abs=1e-15)
    assert out["standard_error"] == pytest.approx(se, abs=1e-15)
    assert out["ci_low"] == pytest.approx(estimate - half, abs=1e-12)
    assert out["ci_high"] == pytest.approx(min(estimate + half, 1.0), abs=1e-12)
    assert out["distribution"] == "t" and out["confidence"] == 0.95
    assert any("3 row(s)" in note for note in out["notes"])


def test_proportion_without_a_cluster_column_treats_each_row_as_a_cluster(capsys, tmp_path):
    csv = tmp_path / "spec.csv"
    x = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 1])
    csv.write_text("negative\n" + "\n".join(map(str, x)) + "\n")
    out = ok(capsys, "proportion", "--input", str(csv), "--column", "negative")
    p = x.mean()
    assert out["n_clusters"] == out["n"] == 10 and out["df"] is None
    assert out["standard_error"] == pytest.approx(math.sqrt(p * (1 - p) / 9), abs=1e-15)
    assert out["ci_low"] == pytest.approx(p - stats.norm.ppf(0.975) * out["standard_error"])
    assert any("own cluster" in note for note in out["notes"])


def test_proportion_rejects_a_value_other_than_0_1_or_blank(capsys, tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("cluster,hit\np1,1\np1,2\np2,0\n")
    code, err = run(capsys, "proportion", "--input", str(csv), "--column", "hit")
    assert code == 2 and err.count("\n") == 1 and "'hit'" in err and "'2'" in err


def test_proportion_with_only_blank_rows_exits_2(capsys, tmp_path):
    csv = tmp_path / "blank.csv"
    csv.write_text("cluster,hit\np1,\np2,\n")
    code, err = run(capsys, "proportion", "--input", str(csv), "--column", "hit")
    assert code == 2 and "no row" in err


# ---- recall-compare with named columns ------------------------------------------------------


@pytest.mark.parametrize("method", ["mcnemar", "obuchowski"])
def test_recall_compare_named_columns_equal_the_default_columns_of_a_renamed_file(
    capsys, tmp_path, method
):
    frame = pd.read_csv(RECALL, dtype=str)
    renamed = frame.rename(columns={"cluster": "patient", "a": "model", "b": "reader1"})
    csv = tmp_path / "renamed.csv"
    renamed.to_csv(csv, index=False)
    default = ok(capsys, "recall-compare", "--input", RECALL, "--method", method)
    named = ok(
        capsys,
        "recall-compare",
        "--input",
        str(csv),
        "--method",
        method,
        "--a-column",
        "model",
        "--b-column",
        "reader1",
        "--cluster-column",
        "patient",
    )
    assert (default["a_column"], default["b_column"]) == ("a", "b")
    assert (named["a_column"], named["b_column"]) == ("model", "reader1")
    for field in ("statistic", "p_value", "recall_a", "recall_b", "n_findings", "n_clusters"):
        assert named[field] == default[field], field


def test_recall_compare_drops_rows_where_either_reader_is_blank(capsys, tmp_path):
    frame = pd.read_csv(RECALL, dtype=str)
    with_blanks = frame.copy()
    with_blanks.loc[[0, 5], "a"] = ""
    with_blanks.loc[[9], "b"] = ""
    blanks, without = tmp_path / "blanks.csv", tmp_path / "without.csv"
    with_blanks.to_csv(blanks, index=False)
    frame.drop(index=[0, 5, 9]).to_csv(without, index=False)
    common = ["recall-compare", "--method", "obuchowski"]
    dropped = ok(capsys, *common, "--input", str(blanks))
    oracle = ok(capsys, *common, "--input", str(without))
    assert dropped["n_findings"] == len(frame) - 3
    assert dropped == oracle


# ---- holm ------------------------------------------------------------------------------------


def test_holm_matches_statsmodels_and_keeps_a_missing_p_as_null(capsys, tmp_path):
    ids = ["kappa_l1", "kappa_l2", "recall", "time", "kappa_l3", "spec"]
    p = [0.012, 0.04, None, 0.001, 0.03, 0.2]
    csv = tmp_path / "p.csv"
    csv.write_text(
        "id,p_value\n"
        + "".join(f"{i},{'' if v is None else v}\n" for i, v in zip(ids, p, strict=True))
    )
    out = ok(capsys, "holm", "--input", str(csv), "--alpha", "0.05")
    present = [v for v in p if v is not None]
    reject, adjusted, _, _ = multipletests(present, alpha=0.05, method="holm")
    expected = iter(adjusted)
    expected_reject = iter(reject)
    assert out["ids"] == ids and out["n_tests"] == 5 and out["alpha"] == 0.05
    assert out["p_values"] == [None if v is None else pytest.approx(v) for v in p]
    for value, got, rejected in zip(p, out["p_adjusted"], out["reject"], strict=True):
        if value is None:
            assert got is None and rejected is False
        else:
            assert got == pytest.approx(next(expected), abs=1e-15)
            assert rejected is bool(next(expected_reject))


def test_holm_with_a_duplicate_id_exits_2(capsys, tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text("test,p\na,0.01\nb,0.02\na,0.03\n")
    code, err = run(capsys, "holm", "--input", str(csv), "--id-column", "test", "--p-column", "p")
    assert code == 2 and "a" in err and "more than once" in err


# ---- reading times ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def times(tmp_path_factory) -> tuple[str, pd.DataFrame]:
    """6 readers × 8 cases × 2 arms of log-normal times, AI about 20 % faster, two blanks."""
    rng = np.random.default_rng(20240501)
    rows = []
    for r in range(6):
        for c in range(8):
            for arm, shift in (("unaided", 0.0), ("ai_assisted", -0.22)):
                log_t = 4.0 + 0.15 * r + 0.1 * c + shift + 0.25 * rng.standard_normal()
                rows.append(
                    {
                        "reader": f"R{r}",
                        "session": "S1" if c < 4 else "S2",
                        "case": f"C{c}",
                        "arm": arm,
                        "seconds": round(float(np.exp(log_t)), 3),
                    }
                )
    frame = pd.DataFrame(rows)
    frame.loc[[3, 40], "seconds"] = np.nan  # two times not recorded
    csv = tmp_path_factory.mktemp("times") / "times.csv"
    frame.to_csv(csv, index=False)
    return str(csv), frame


def test_time_compare_wilcoxon_p_equals_scipy_on_the_paired_differences(capsys, times):
    csv, frame = times
    out = ok(capsys, "time-compare", "--input", csv, "--method", "wilcoxon")
    wide = frame.pivot(index=["reader", "case"], columns="arm", values="seconds").dropna()
    differences = (wide["ai_assisted"] - wide["unaided"]).to_numpy()
    oracle = stats.wilcoxon(differences)
    assert out["n_pairs"] == len(differences) == 46 and out["n_incomplete"] == 2
    assert out["p_value"] == pytest.approx(oracle.pvalue, rel=1e-12)
    assert out["median_difference"] == pytest.approx(np.median(differences), abs=1e-12)
    assert out["arms"] == ["unaided", "ai_assisted"] and out["alternative"] == "two-sided"


def test_time_compare_one_sided_wilcoxon_follows_scipy(capsys, times):
    csv, frame = times
    out = ok(
        capsys, "time-compare", "--input", csv, "--method", "wilcoxon", "--alternative", "less"
    )
    wide = frame.pivot(index=["reader", "case"], columns="arm", values="seconds").dropna()
    oracle = stats.wilcoxon((wide["ai_assisted"] - wide["unaided"]).to_numpy(), alternative="less")
    assert out["p_value"] == pytest.approx(oracle.pvalue, rel=1e-12)


def test_time_compare_mixed_model_prints_a_finite_effect_and_its_ratio(capsys, times):
    csv, _ = times
    out = ok(capsys, "time-compare", "--input", csv, "--method", "mixed-model")
    assert math.isfinite(out["effect"]) and out["standard_error"] > 0
    assert out["ratio"] == pytest.approx(math.exp(out["effect"]), rel=1e-12)
    assert out["ratio_ci_low"] == pytest.approx(math.exp(out["ci_low"]), rel=1e-12)
    assert out["ratio_ci_high"] == pytest.approx(math.exp(out["ci_high"]), rel=1e-12)
    assert out["ci_low"] < out["effect"] < out["ci_high"] < 0  # AI faster: a ratio below 1
    assert out["n_observations"] == 94 and out["n_readers"] == 6 and out["n_cases"] == 8
    assert out["structure"] in ("reader/case", "pair")


def test_time_compare_mixed_model_rejects_a_one_sided_alternative(capsys, times):
    csv, _ = times
    code, err = run(
        capsys, "time-compare", "--input", csv, "--method", "mixed-model", "--alternative", "less"
    )
    assert code == 2 and "wilcoxon" in err


def test_time_summary_quartiles_equal_numpy_percentile_per_sorted_group(capsys, times):
    csv, frame = times
    out = ok(capsys, "time-summary", "--input", csv, "--by", "reader,session,arm")
    keys = [(g["reader"], g["session"], g["arm"]) for g in out["groups"]]
    assert keys == sorted(keys) and len(keys) == 6 * 2 * 2
    assert out["quantile_method"].startswith("linear")
    for group in out["groups"]:
        mask = (
            (frame["reader"] == group["reader"])
            & (frame["session"] == group["session"])
            & (frame["arm"] == group["arm"])
        )
        values = frame.loc[mask, "seconds"].dropna().to_numpy()
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        assert group["n"] == values.size
        assert group["median"] == pytest.approx(median, abs=1e-12)
        assert group["q1"] == pytest.approx(q1, abs=1e-12)
        assert group["q3"] == pytest.approx(q3, abs=1e-12)
        assert group["mean"] == pytest.approx(values.mean(), abs=1e-12)
        assert (group["min"], group["max"]) == (values.min(), values.max())
    assert sum(g["n"] for g in out["groups"]) == 94


def test_time_compare_with_an_arm_not_in_the_input_exits_2_naming_it(capsys, times):
    csv, _ = times
    code, err = run(
        capsys, "time-compare", "--input", csv, "--method", "wilcoxon", "--arms", "unaided,ai"
    )
    assert code == 2 and "'ai'" in err and "ai_assisted, unaided" in err

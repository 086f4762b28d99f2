"""The tidy ratings table and reads.csv: exact header, one row per reader × session × case ×
site, "not assessable" as a missing grade, safe against CSV injection, round-tripping."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

import grading.agreement as ga
from grading.reports.tidy import READS_COLUMNS, reads_csv, safe_cell, tidy_reads
from readerstudy.audit.services import Actor
from readerstudy.studies import services
from tests.reads import submit_all

pytestmark = pytest.mark.django_db

OVERRIDES = {"L4-L5/canal": 2, "L5-S1/foramen/left": None, "L1-L2/recess/right": 3}


def test_reads_csv_has_the_exact_header_the_statisticians_expect(cast):
    header = reads_csv([]).splitlines()[0]
    assert header == (
        "study,case_set,case,cluster,reader,reader_kind,session,arm,level,region,side,grade,"
        "grade_label,opened_at_utc,submitted_at_utc,active_s,simulated"
    )


def test_one_row_per_reader_session_case_and_site_with_not_assessable_as_a_gap(cast):
    submit_all(cast, "reader_a1", grade=1, overrides=OVERRIDES)
    submit_all(cast, "ref_alpha", grade=0)
    rows = tidy_reads(cast.alpha.study)
    assert len(rows) == 2 * 2 * 25  # two readers × two cases × 25 sites
    keys = {
        (r["reader"], r["session"], r["case"], r["level"], r["region"], r["side"]) for r in rows
    }
    assert len(keys) == len(rows)
    gap = next(
        r
        for r in rows
        if r["reader"] == "reader_a1"
        and r["level"] == "L5-S1"
        and r["region"] == "foramen"
        and r["side"] == "left"
    )
    assert gap["grade"] is None and gap["grade_label"] == "not assessable"
    canal = next(
        r
        for r in rows
        if r["reader"] == "reader_a1" and r["level"] == "L4-L5" and r["region"] == "canal"
    )
    assert (canal["grade"], canal["grade_label"], canal["side"]) == (2, "moderate", "")
    assert {r["cluster"] for r in rows} == {c.patient_pseudonym for c in cast.alpha.cases}
    assert all(r["active_s"] == 42.5 and r["simulated"] is False for r in rows)
    assert all(r["submitted_at_utc"].endswith("Z") for r in rows)


def test_reads_csv_round_trips_to_the_same_table(cast):
    submit_all(cast, "reader_a1", grade=1, overrides=OVERRIDES)
    rows = tidy_reads(cast.alpha.study)
    back = list(csv.DictReader(io.StringIO(reads_csv(rows))))
    assert [tuple(r) for r in back] == [READS_COLUMNS] * len(rows)
    assert [{k: safe_cell(v) for k, v in row.items()} for row in rows] == back
    frame = pd.read_csv(io.StringIO(reads_csv(rows)))
    assert frame["grade"].isna().sum() == 2  # one gap per case
    assert set(frame["grade"].dropna().astype(int)) == {1, 2, 3}


def test_a_formula_in_a_label_is_neutralised(cast):
    coordinator = Actor(user=cast.alpha.coordinator)
    services.reader_add_human(
        actor=coordinator, study=cast.alpha.study, username="outsider", name="=cmd|'/C calc'!A0"
    )
    assert safe_cell("=cmd|'/C calc'!A0") == "'=cmd|'/C calc'!A0"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell(-1) == "-1"  # numbers stay numbers
    row = {column: "x" for column in READS_COLUMNS} | {"reader": "=cmd|'/C calc'!A0"}
    line = reads_csv([row]).splitlines()[1]
    assert ",'=cmd|'/C calc'!A0," in line


def test_cohen_kappa_from_reads_csv_matches_scikit_learn(cast):
    # Oracle: scikit-learn's cohen_kappa_score on the same pairs, read back from reads.csv.
    submit_all(cast, "reader_a1", grade=1, overrides=OVERRIDES)
    submit_all(cast, "ref_alpha", grade=1, overrides={"L4-L5/canal": 3, "L2-L3/canal": 0})
    frame = pd.read_csv(io.StringIO(reads_csv(tidy_reads(cast.alpha.study))))
    frame["subject"] = (
        frame["case"]
        + "/"
        + frame["level"]
        + "/"
        + frame["region"]
        + "/"
        + frame["side"].fillna("")
    )
    wide = frame.pivot(index="subject", columns="reader", values="grade").dropna()
    expected = cohen_kappa_score(
        wide["reader_a1"].astype(int),
        wide["ref_alpha"].astype(int),
        labels=[0, 1, 2, 3],
        weights="linear",
    )
    # Complete pairs on both sides: with a gap, grading.agreement takes each rater's marginals
    # from every subject that rater graded (as irrCAC does), scikit-learn has no gaps at all.
    long = frame[frame["subject"].isin(wide.index)].rename(
        columns={"reader": "rater", "grade": "rating"}
    )
    ratings = ga.Ratings.from_long(
        long[["subject", "rater", "rating", "cluster"]], categories=[0, 1, 2, 3], cluster="cluster"
    )
    ours = ga.cohen_kappa(ratings.pair("reader_a1", "ref_alpha"), weights="linear")
    assert ours.estimate == pytest.approx(expected, abs=1e-12)


def test_marks_csv_lists_each_mark_with_image_and_patient_coordinates(cast):
    from grading.models import Mark
    from grading.reports.tidy import MARKS_COLUMNS, marks_csv, tidy_marks

    submit_all(cast, "reader_a1", grade=1, overrides=OVERRIDES)  # two grade ≥ 2 sites per case
    rows = tidy_marks(cast.alpha.study)
    stored = Mark.objects.filter(read__assignment__session__study=cast.alpha.study)
    assert len(rows) == stored.count() == 4
    mark = stored.get(read__assignment__case=cast.alpha.cases[0], site="L4-L5/canal")
    row = next(r for r in rows if r["case"] == cast.alpha.cases[0].code and r["region"] == "canal")
    assert (row["image_col"], row["image_row"]) == tuple(mark.image_xy) == (4, 5)
    assert [row["patient_x_mm"], row["patient_y_mm"], row["patient_z_mm"]] == mark.patient_lps
    assert row["kind"] == "point" and row["box_col0"] is None and row["level"] == "L4-L5"
    back = list(csv.DictReader(io.StringIO(marks_csv(rows))))
    assert tuple(back[0]) == MARKS_COLUMNS and len(back) == 4
    assert back[0]["box_col0"] == "" and float(back[0]["patient_x_mm"]) == rows[0]["patient_x_mm"]


def test_the_rsna_2024_layout_has_a_row_per_study_and_a_column_per_condition_and_level(cast):
    from grading.reports.formats import rsna2024_csv

    submit_all(cast, "reader_a1", grade=1, overrides=OVERRIDES)
    levels = cast.alpha.study.protocol.spec.levels
    text = rsna2024_csv(tidy_reads(cast.alpha.study), reader="reader_a1", session=1, levels=levels)
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert list(frame.columns[:3]) == [
        "study_id",
        "spinal_canal_stenosis_l1_l2",
        "spinal_canal_stenosis_l2_l3",
    ]
    assert frame.shape == (2, 1 + 25)  # the RSNA 2024 train.csv shape: 25 condition-levels
    assert set(frame["study_id"]) == {c.code for c in cast.alpha.cases}
    first = frame.iloc[0]
    assert first["spinal_canal_stenosis_l4_l5"] == "Moderate"
    assert first["right_subarticular_stenosis_l1_l2"] == "Severe"
    assert first["left_neural_foraminal_narrowing_l5_s1"] == ""  # not assessable
    assert first["left_neural_foraminal_narrowing_l4_l5"] == "Normal/Mild"

"""The report renderers (XLSX, HTML, PDF) and figure makers: they lay out what the Report
holds, keep text as text, load nothing from the network, and give the same bytes twice."""

from __future__ import annotations

import dataclasses
import io
import re

import openpyxl
import pytest

from grading.reports.figures import confusion_heatmaps, forest_panels, forest_plot
from grading.reports.model import Report, Table
from grading.reports.render_html import render_html, render_html_body
from grading.reports.render_pdf import render_pdf
from grading.reports.render_xlsx import render_xlsx

INJECTED = "=cmd|' /C calc'!A0"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CATEGORIES = ["Normal", "Mild", "Moderate", "Severe"]
FOREST_ROWS = [
    {"label": "reader2", "group": "Central canal", "estimate": 0.12, "ci_low": -0.05,
     "ci_high": 0.29},
    {"label": "reader3", "group": "Central canal", "estimate": -0.08, "ci_low": -0.2,
     "ci_high": 0.04},
    {"label": "reader2", "group": "Foramen", "estimate": 0.31, "ci_low": None, "ci_high": None},
    {"label": "reader3", "group": "Foramen", "estimate": None, "ci_low": None, "ci_high": None},
]  # fmt: skip
PANELS = [
    {"label": "reader2 vs reference · canal", "counts": [[9, 1, 0, 0], [2, 7, 1, 0],
                                                          [0, 1, 6, 2], [0, 0, 1, 4]]},
    {"label": "reader3 vs reference · canal", "counts": [[8, 2, 0, 0], [1, 8, 1, 0],
                                                          [0, 2, 5, 2], [0, 0, 0, 5]]},
]  # fmt: skip


@pytest.fixture(scope="module")
def figures():
    forest = forest_plot(FOREST_ROWS, name="forest_reference", title="Figure 1. κ vs reference")
    heatmaps = confusion_heatmaps(
        PANELS, name="confusion_reference", title="Figure 2. Confusion", categories=CATEGORIES
    )
    return forest, heatmaps


@pytest.fixture(scope="module")
def report(figures):
    agreement = Table(
        name="agreement_reference",
        title="Table 2. Agreement with the reference standard (weighted κ ≥ 0.6 is good)",
        columns=("reader", "region", "kappa", "n", "p_value", "simulated"),
        rows=(
            {
                "reader": "reader2",
                "region": "canal",
                "kappa": 0.71234,
                "n": 40,
                "p_value": 1e-5,
                "simulated": False,
            },
            {
                "reader": INJECTED,
                "region": "canal",
                "kappa": None,
                "n": 38,
                "p_value": 0.04321,
                "simulated": True,
            },
        ),  # fmt: skip
        note="Quadratic-weighted κ; 95% CI by cluster bootstrap over patients.",
    )
    times = Table(
        name="reading_time",
        title="Table 3. Reading time per case",
        columns=("reader", "median_s", "reads"),
        rows=({"reader": "reader2", "median_s": 41.5, "reads": 40},),
    )
    codebook = Table(
        name="codebook",
        title="Codebook",
        columns=("column", "type", "description"),
        rows=(
            {"column": "kappa", "type": "float", "description": "Weighted Cohen's κ"},
            {"column": "n", "type": "int", "description": "Sites graded by both"},
            {"column": "p_value", "type": "float", "description": "Two-sided, H0: κ = 0"},
        ),
    )
    return Report(
        study="spine-2026",
        title="Agreement report: lumbar stenosis grading",
        tables=(agreement, times),
        figures=figures,
        methods=("Readers graded 40 cases.", "Agreement is weighted κ with a 95% CI."),
        codebook=codebook,
        manifest={
            "study": "spine-2026",
            "created_utc": "2026-03-01T12:00:00Z",
            "software": {"readerstudy": "0.1.0", "statsmodels": "0.15.0"},
            "files": {"reads.csv": "a" * 64, "marks.csv": "b" * 64},
        },
    )


@pytest.fixture(scope="module")
def workbook(report):
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))


@pytest.fixture(scope="module")
def html(report):
    return render_html(report)


def all_cells(workbook):
    return [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row]


def test_the_workbook_holds_readme_codebook_one_sheet_per_table_then_the_table_index(workbook):
    assert workbook.sheetnames == [
        "README", "codebook", "agreement_reference", "reading_time", "tables"
    ]  # fmt: skip


def test_a_table_sheet_is_a_header_row_then_its_rows_with_the_header_frozen(workbook):
    ws = workbook["agreement_reference"]
    assert [c.value for c in ws[1]] == ["reader", "region", "kappa", "n", "p_value", "simulated"]
    assert ws.max_row == 3
    assert ws.freeze_panes == "A2"


def test_the_table_index_sheet_holds_each_title_and_note(workbook):
    rows = list(workbook["tables"].iter_rows(values_only=True))
    assert rows[0] == ("name", "title", "note")
    assert rows[1][0] == "agreement_reference"
    assert "κ ≥ 0.6" in rows[1][1]
    assert rows[1][2].startswith("Quadratic-weighted κ")


def test_a_formula_like_label_is_a_text_cell_with_an_apostrophe(workbook):
    cell = workbook["agreement_reference"]["A3"]
    assert cell.value == "'" + INJECTED
    assert cell.data_type == "s"


def test_the_workbook_has_no_formula_cells(workbook):
    assert [c.coordinate for c in all_cells(workbook) if c.data_type == "f"] == []


def test_numbers_stay_numeric_none_stays_empty_and_bools_stay_booleans(workbook):
    ws = workbook["agreement_reference"]
    assert ws["C2"].value == pytest.approx(0.71234) and ws["C2"].data_type == "n"
    assert ws["D2"].value == 40 and ws["E2"].value == pytest.approx(1e-5)
    assert ws["C3"].value is None
    assert ws["F2"].value is False and ws["F3"].value is True


def test_the_readme_sheet_holds_the_title_methods_and_manifest_as_compact_json(workbook):
    values = [row for row in workbook["README"].iter_rows(values_only=True) if any(row)]
    assert values[0][0] == "Agreement report: lumbar stenosis grading"
    assert ("Readers graded 40 cases.", None) in values
    assert ("software", '{"readerstudy":"0.1.0","statsmodels":"0.15.0"}') in values


def test_the_workbook_dates_come_from_the_manifest(workbook):
    assert workbook.properties.created.isoformat() == "2026-03-01T12:00:00"
    assert workbook.properties.modified.isoformat() == "2026-03-01T12:00:00"


def test_the_same_report_renders_a_byte_identical_workbook(report):
    assert render_xlsx(report) == render_xlsx(report)


def test_a_table_name_that_is_no_valid_sheet_title_is_refused(report):
    bad = dataclasses.replace(report.tables[0], name="agreement/reference")
    with pytest.raises(ValueError, match="sheet title"):
        render_xlsx(dataclasses.replace(report, tables=(bad,)))


def test_the_page_loads_nothing_from_the_network(html):
    assert re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE) is None
    assert "<script" not in html.lower()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")


def test_the_page_escapes_markup_in_a_title(report):
    page = render_html(dataclasses.replace(report, title="<script>alert(1)</script> κ"))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; κ" in page


def test_the_page_shows_p_below_0_001_as_such_and_other_floats_to_3_decimals(html):
    assert '<td class="num">&lt;0.001</td>' in html
    assert ">0.043<" in html and ">0.712<" in html
    assert ">–<" in html  # the missing κ


def test_the_page_embeds_figures_as_data_uris_with_their_alt_text(html, figures):
    assert html.count('src="data:image/png;base64,') == 2
    assert 'alt="Forest plot of 4 estimates' in html


def test_figure_src_decides_where_the_images_come_from(report):
    body = render_html_body(report, figure_src=lambda figure: f"/media/{figure.name}.png")
    assert 'src="/media/forest_reference.png"' in body
    assert "data:image/png" not in body
    assert "<html" not in body and "<head" not in body


def test_the_page_shows_file_hashes_as_a_two_column_table(html):
    assert '<th scope="col">File</th><th scope="col">SHA-256</th>' in html
    assert f'<th scope="row">reads.csv</th><td class="hash">{"a" * 64}</td>' in html


def test_the_pdf_is_a_pdf_with_as_many_page_objects_as_its_page_count(report):
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    count = int(re.search(rb"/Count (\d+)\s*/Kids", pdf).group(1))  # the page tree
    assert pages == count >= 4  # title, tables, figures, appendix
    assert b"DejaVu" in pdf


def test_the_same_report_renders_a_byte_identical_pdf(report):
    assert render_pdf(report) == render_pdf(report)


def test_the_pdf_survives_text_its_font_lacks(report):
    pdf = render_pdf(dataclasses.replace(report, methods=("κ ≥ 0.6 – 漢字 \x01",)))
    assert pdf.startswith(b"%PDF")


def test_the_same_rows_give_byte_identical_pngs(figures):
    forest, heatmaps = figures
    assert forest_plot(FOREST_ROWS, name=forest.name, title=forest.title).png == forest.png
    again = confusion_heatmaps(
        PANELS, name=heatmaps.name, title=heatmaps.title, categories=CATEGORIES
    )
    assert again.png == heatmaps.png


def test_a_forest_plot_row_without_estimate_or_ci_is_drawn_as_not_available():
    figure = forest_plot(
        [{"label": "reader9", "group": "Canal", "estimate": None, "ci_low": None,
          "ci_high": None}],
        name="forest", title="Figure",
    )  # fmt: skip
    assert figure.png.startswith(PNG_SIGNATURE)
    assert figure.alt.endswith("1 of them not available.")


def test_heatmaps_refuse_counts_that_do_not_match_the_categories():
    with pytest.raises(ValueError, match="4×4"):
        confusion_heatmaps(
            [{"label": "x", "counts": [[1, 2], [3, 4]]}],
            name="h", title="t", categories=CATEGORIES,
        )  # fmt: skip


def test_forest_panels_share_the_rows_of_the_first_panel_and_render_identically_twice():
    from PIL import Image

    rows = [
        {
            "label": "reader2",
            "group": "Central canal",
            "estimate": 0.8,
            "ci_low": 0.7,
            "ci_high": 0.9,
        },
        {
            "label": "model",
            "group": "Central canal",
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
        },
    ]
    panels = [("AC2 linear", rows), ("κ linear", rows[:1]), ("Sensitivity", [])]
    first = forest_panels(panels, name="grid", title="Agreement ≥ moderate")
    again = forest_panels(panels, name="grid", title="Agreement ≥ moderate")
    assert first.png == again.png
    width, height = Image.open(io.BytesIO(first.png)).size
    assert width > 600 and height > 200
    assert "AC2 linear, κ linear, Sensitivity" in first.alt and "1 groups" in first.alt
    with pytest.raises(ValueError, match="at least one panel"):
        forest_panels([("AC2", [])], name="x", title="x")

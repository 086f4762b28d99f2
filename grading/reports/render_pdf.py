"""The report as a landscape A4 PDF, with fpdf2 (pure Python, nothing fetched from the network).

Text is set in the DejaVu Sans that matplotlib bundles, so κ, ≥, – and · print; a character
the font lacks prints as nothing (fpdf2 warns), never an error. Cells are formatted exactly as
on the HTML page. With ``created_utc`` in the manifest the same report gives the same bytes.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from grading.reports.model import Figure, Report, Table
from grading.reports.render_html import format_cell, is_number, is_p_column, manifest_text

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
HEADINGS = FontFace(family=FONT, emphasis="BOLD")
PAD_MM = 1.2  # left and right padding of a table cell
MAX_COLUMN_MM = 80  # a longer text wraps
FONT_SIZES = (9, 8, 7, 6)


def _new_pdf(report: Report) -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title(report.title)
    pdf.set_subject(report.study)
    created = report.manifest.get("created_utc")
    if created:
        moment = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        pdf.set_creation_date(moment)
    return pdf


def _heading(pdf: FPDF, text: str, *, size: float = 13, level: int = 0) -> None:
    if pdf.will_page_break(30):  # a heading is never left alone at the foot of a page
        pdf.add_page()
    pdf.start_section(text, level=level, strict=False)
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _paragraph(pdf: FPDF, text: str, *, size: float = 10) -> None:
    pdf.set_font(FONT, "", size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _column_width(pdf: FPDF, heading: str, cells: list[str], size: float) -> float:
    """The width (mm) of a column's widest cell, a long text column capped to wrap."""
    pdf.set_font(FONT, "B", size)
    widest = pdf.get_string_width(heading)
    pdf.set_font(FONT, "", size)
    widest = max([widest, *(pdf.get_string_width(cell) for cell in cells)])
    return min(MAX_COLUMN_MM, widest) + 2 * PAD_MM + 1


def _grid(pdf: FPDF, headings: tuple[str, ...], rows: list[list[str]], aligns: list[str]) -> None:
    for size in FONT_SIZES:  # wide tables get smaller type, so they still fit the page width
        widths = [_column_width(pdf, h, [r[i] for r in rows], size) for i, h in enumerate(headings)]
        if sum(widths) <= pdf.epw:
            break
    pdf.set_font(FONT, "", size)
    with pdf.table(
        headings_style=HEADINGS,
        borders_layout="SINGLE_TOP_LINE",
        col_widths=widths,
        text_align=aligns,
        line_height=size * 0.5,
        padding=(0.6, PAD_MM),
        repeat_headings=1,  # long tables: the heading row again on every page
        width=min(pdf.epw, sum(widths)),
        align="LEFT",
    ) as grid:
        grid.row(list(headings))
        for row in rows:
            grid.row(row)
    pdf.ln(1.5)


def _table(pdf: FPDF, table: Table, *, title: str | None = None) -> None:
    _heading(pdf, title or table.title, size=11, level=1)
    if not table.columns:
        return
    rows = [
        [format_cell(row.get(c), p_value=is_p_column(c)) for c in table.columns]
        for row in table.rows
    ]
    aligns = [
        "RIGHT" if any(is_number(r.get(c)) for r in table.rows) else "LEFT" for c in table.columns
    ]
    _grid(pdf, table.columns, rows, aligns)
    if table.note:
        _paragraph(pdf, table.note, size=8)
    pdf.ln(3)


def _figure(pdf: FPDF, figure: Figure) -> None:
    _heading(pdf, figure.title, size=11, level=1)
    # The PNG's pixel size sits in its IHDR chunk, right after the 8-byte signature.
    width_px = int.from_bytes(figure.png[16:20], "big")
    height_px = int.from_bytes(figure.png[20:24], "big")
    room = pdf.eph - 20  # one page, less the heading
    width = min(pdf.epw, room * width_px / height_px)
    if pdf.will_page_break(width * height_px / width_px):
        pdf.add_page()
    pdf.image(io.BytesIO(figure.png), w=width, alt_text=figure.alt or figure.title)
    pdf.ln(4)


def _manifest(pdf: FPDF, manifest: dict) -> None:
    files = manifest.get("files")
    rest = [[str(k), manifest_text(v)] for k, v in manifest.items() if k != "files" or not files]
    _grid(pdf, ("Key", "Value"), rest, ["LEFT", "LEFT"])
    if isinstance(files, dict) and files:
        hashes = [
            [str(name), v.get("sha256", manifest_text(v)) if isinstance(v, dict) else str(v)]
            for name, v in files.items()
        ]
        _heading(pdf, "File hashes", size=11, level=1)
        _grid(pdf, ("File", "SHA-256"), hashes, ["LEFT", "LEFT"])
    elif files:
        _grid(pdf, ("Key", "Value"), [["files", manifest_text(files)]], ["LEFT", "LEFT"])


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes: title page with methods, tables, figures, codebook, manifest."""
    pdf = _new_pdf(report)
    pdf.add_page()
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, f"Study: {report.study}", new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, report.title, size=16)
    _heading(pdf, "Methods", size=12, level=1)
    for paragraph in report.methods:
        _paragraph(pdf, paragraph)
    # Tables, figures and the appendix (codebook, manifest) each start on a fresh page.
    if report.shown_tables:
        pdf.add_page()
    for table in report.shown_tables:
        _table(pdf, table)
    if report.figures:
        pdf.add_page()
    for figure in report.figures:
        _figure(pdf, figure)
    pdf.add_page()
    _table(pdf, report.codebook, title="Codebook")
    _heading(pdf, "Manifest", size=11, level=1)
    _manifest(pdf, report.manifest)
    return bytes(pdf.output())

"""The report as one standalone HTML page: journal-style tables, figures inline, no network.

``render_html_body`` gives the inner content for a Django template (with :data:`REPORT_CSS`);
``render_html`` wraps it into a complete document. Every text is escaped; nothing is loaded
from elsewhere unless the caller's ``figure_src`` says so.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable
from html import escape

from grading.reports.model import Figure, Report, Table

MISSING = "–"  # en dash
REPORT_CSS = """
.report { font: 10pt/1.4 "DejaVu Sans", Helvetica, Arial, sans-serif; color: #111;
  max-width: 60rem; margin: 0 auto; padding: 1rem; }
.report h1 { font-size: 1.5em; margin: 0 0 .25em; }
.report h2 { font-size: 1.2em; margin: 1.6em 0 .4em; border-bottom: 1px solid #999; }
.report .study { color: #444; margin: 0 0 1em; }
.report table { border-collapse: collapse; margin: .6em 0 .2em; font-size: 9pt;
  border-top: 1.5px solid #000; border-bottom: 1.5px solid #000; }
.report caption { caption-side: top; text-align: left; font-weight: bold; padding: .3em 0; }
.report th, .report td { padding: .15em .6em; vertical-align: top; text-align: left; }
.report thead th { border-bottom: 1px solid #000; font-weight: bold; }
.report .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.report .note { font-size: 8.5pt; color: #333; margin: 0 0 1.2em; max-width: 50rem; }
.report .wrap { overflow-x: auto; }
.report figure { margin: 1em 0; }
.report figure img { max-width: 100%; height: auto; }
.report figcaption { font-weight: bold; font-size: 9pt; }
.report .hash { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
@media print {
  @page { size: A4; margin: 15mm; }
  .report { max-width: none; padding: 0; }
  .report .wrap { overflow: visible; }
  .report table, .report figure { page-break-inside: avoid; }
  .report thead { display: table-header-group; }
  .report nav { page-break-after: always; }
}
"""


def _anchor(prefix: str, name: str) -> str:
    return prefix + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def is_p_column(column: str) -> bool:
    """``p_value``, ``p_holm`` and every other ``p_*`` column hold p-values."""
    return column.startswith("p_")


def format_cell(value, *, p_value: bool = False) -> str:
    """A cell as shown: floats to 3 decimals, p < 0.001 as "<0.001", missing as "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if p_value and value < 0.001:
            return "<0.001"
        return f"{value:.3f}"
    return str(value)


def is_number(value) -> bool:
    """Numbers are right-aligned; a bool is not a number here."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _table(table: Table, *, element_id: str | None = None) -> str:
    columns = table.columns
    numeric = {
        c: all(is_number(r.get(c)) for r in table.rows if r.get(c) is not None)
        and any(r.get(c) is not None for r in table.rows)
        for c in columns
    }
    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if numeric[c] else ""}>{escape(c)}</th>' for c in columns)
    body = []
    for row in table.rows:
        cells = []
        for c in columns:
            value = row.get(c)
            text = escape(format_cell(value, p_value=is_p_column(c)))
            cells.append(f"<td{num if is_number(value) else ''}>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    id_attr = f' id="{escape(element_id)}"' if element_id else ""
    html = (  # the wrapper scrolls a table wider than the page, not the whole page
        f'<div class="wrap"><table{id_attr}><caption>{escape(table.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
    if table.note:
        html += f'<p class="note">{escape(table.note)}</p>'
    return html


def _data_uri(figure: Figure) -> str:
    return "data:image/png;base64," + base64.b64encode(figure.png).decode("ascii")


def _figure(figure: Figure, src: str) -> str:
    return (
        f'<figure id="{escape(_anchor("figure-", figure.name))}">'
        f'<img src="{escape(src)}" alt="{escape(figure.alt or figure.title)}">'
        f"<figcaption>{escape(figure.title)}</figcaption></figure>"
    )


def _key_value(rows: list[tuple[str, str]], headings: tuple[str, str], cls: str = "") -> str:
    cls_attr = f' class="{cls}"' if cls else ""
    body = "".join(
        f'<tr><th scope="row">{escape(k)}</th><td{cls_attr}>{escape(v)}</td></tr>' for k, v in rows
    )
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def manifest_text(value) -> str:
    """A manifest value as text: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _manifest(manifest: dict) -> str:
    files = manifest.get("files")
    rest = [(k, manifest_text(v)) for k, v in manifest.items() if k != "files" or not files]
    html = _key_value(rest, ("Key", "Value"))
    if isinstance(files, dict) and files:
        hashes = [
            (name, v.get("sha256", manifest_text(v)) if isinstance(v, dict) else manifest_text(v))
            for name, v in files.items()
        ]
        html += "<h3>File hashes</h3>" + _key_value(hashes, ("File", "SHA-256"), "hash")
    elif files:
        html += _key_value([("files", manifest_text(files))], ("Key", "Value"))
    return html


def render_html_body(report: Report, *, figure_src: Callable[[Figure], str] | None = None) -> str:
    """The report's content, ``<article class="report">``, for embedding in a page.

    Parameters
    ----------
    figure_src : maps a figure to its ``img`` URL; by default the PNG is embedded as a data URI.
    """
    src = figure_src or _data_uri
    contents = [("methods", "Methods")]
    contents += [(_anchor("table-", t.name), t.title) for t in report.shown_tables]
    contents += [(_anchor("figure-", f.name), f.title) for f in report.figures]
    contents += [("codebook", "Codebook"), ("manifest", "Manifest")]
    nav = "".join(f'<li><a href="#{escape(a)}">{escape(t)}</a></li>' for a, t in contents)
    parts = [
        '<article class="report">',
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="study">Study: {escape(report.study)}</p>',
        f"<nav><h2>Contents</h2><ol>{nav}</ol></nav>",
        '<section id="methods"><h2>Methods</h2>',
        *(f"<p>{escape(p)}</p>" for p in report.methods),
        "</section>",
    ]
    if report.shown_tables:
        parts.append("<section><h2>Tables</h2>")
        parts += [_table(t, element_id=_anchor("table-", t.name)) for t in report.shown_tables]
        parts.append("</section>")
    if report.figures:
        parts.append("<section><h2>Figures</h2>")
        parts += [_figure(f, src(f)) for f in report.figures]
        parts.append("</section>")
    parts += [
        '<section id="codebook"><h2>Codebook</h2>',
        _table(report.codebook),
        "</section>",
        f'<section id="manifest"><h2>Manifest</h2>{_manifest(report.manifest)}</section>',
        "</article>",
    ]
    return "\n".join(parts)


def render_html(report: Report, *, figure_src: Callable[[Figure], str] | None = None) -> str:
    """The report as a complete HTML5 document: inline CSS, no scripts, no external URLs."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(report.title)}</title>\n"
        f"<style>{REPORT_CSS}</style>\n</head>\n<body>\n"
        f"{render_html_body(report, figure_src=figure_src)}\n</body>\n</html>\n"
    )

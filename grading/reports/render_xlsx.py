"""The report as an XLSX workbook: README, codebook, one rectangular sheet per table, tables.

Every sheet a statistician reads into R or pandas is rectangular: a header row, then one row
per record, nothing merged, nothing meant by colour. Text is always text: a string that looks
like a formula gets ``safe_text``'s apostrophe and is stored as a string cell.
"""

from __future__ import annotations

import io
import json
import math
import re
from datetime import datetime
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from grading.reports.cells import safe_text
from grading.reports.model import Report, Table

RESERVED_SHEETS = ("README", "codebook", "tables")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
MAX_WIDTH = 60


def _text(value: str) -> str:
    # Control characters other than tab, LF and CR make the file unreadable to Excel.
    return safe_text(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))


def _put(ws, row: int, column: int, value) -> None:
    """Write one cell: numbers numeric, None empty, bool TRUE/FALSE, anything else text."""
    if isinstance(value, float) and not math.isfinite(value):
        # NaN has no spreadsheet value (it would corrupt the file); infinities are spelled out.
        value = None if math.isnan(value) else str(value)
    if value is None:
        return
    if isinstance(value, bool | int | float):
        ws.cell(row=row, column=column, value=value)
        return
    cell = ws.cell(row=row, column=column, value=_text(str(value)))
    cell.data_type = "s"  # openpyxl would store "=..." as a formula and "#N/A" as an error


def _compact(value):
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return value


def _fit_columns(ws, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, width + 2)


def _rectangle(ws, columns, rows) -> None:
    """A header row, then the rows, the header frozen."""
    widths = {}
    for c, name in enumerate(columns, start=1):
        _put(ws, 1, c, name)
        widths[c] = len(str(name))
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(columns, start=1):
            value = row.get(name)
            _put(ws, r, c, value)
            widths[c] = max(widths[c], len(str(value)) if value is not None else 0)
    ws.freeze_panes = "A2"
    _fit_columns(ws, widths)


def _check_sheet_titles(tables: tuple[Table, ...]) -> None:
    seen = {name.lower() for name in RESERVED_SHEETS}
    for table in tables:
        name = table.name
        if not name or len(name) > 31 or SHEET_TITLE_FORBIDDEN.search(name):
            raise ValueError(f"table name {name!r} is not a valid sheet title")
        if name.lower() in seen:  # Excel compares sheet titles case-insensitively
            raise ValueError(f"table name {name!r} clashes with another sheet")
        seen.add(name.lower())


def _readme(ws, report: Report) -> None:
    _put(ws, 1, 1, report.title)
    _put(ws, 3, 1, "Methods")
    row = 4
    for paragraph in report.methods:
        _put(ws, row, 1, paragraph)
        row += 1
    row += 1
    _put(ws, row, 1, "Manifest (manifest.json beside this file also lists this file's SHA-256)")
    row += 1
    _put(ws, row, 1, "key")
    _put(ws, row, 2, "value")
    for offset, (key, value) in enumerate(report.manifest.items(), start=1):
        _put(ws, row + offset, 1, key)
        _put(ws, row + offset, 2, _compact(value))
    _fit_columns(ws, {1: 24, 2: MAX_WIDTH})


class _StableZip(ZipFile):
    """A zip whose entries carry one fixed time, not the time of writing."""

    def __init__(self, file, date_time):
        super().__init__(file, "w", ZIP_DEFLATED)
        self._date_time = date_time

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as handle:
            self.writestr(arcname or filename, handle.read())

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, date_time=self._date_time)
            zinfo_or_arcname.compress_type = ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


def render_xlsx(report: Report) -> bytes:
    """The report as XLSX bytes; the same report with ``created_utc`` gives the same bytes."""
    _check_sheet_titles(report.tables)
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    _readme(readme, report)
    codebook = report.codebook
    _rectangle(wb.create_sheet("codebook"), codebook.columns, codebook.rows)
    for table in report.tables:
        _rectangle(wb.create_sheet(table.name), table.columns, table.rows)
    index = [{"name": t.name, "title": t.title, "note": t.note} for t in report.tables]
    _rectangle(wb.create_sheet("tables"), ("name", "title", "note"), index)

    wb.properties.title = report.title
    date_time = ZIP_EPOCH
    created = report.manifest.get("created_utc")
    if created:
        moment = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")  # naive UTC, as openpyxl wants
        wb.properties.created = wb.properties.modified = moment
        date_time = moment.timetuple()[:6]
    out = io.BytesIO()
    # ExcelWriter rather than wb.save(), which stamps "modified" with the time of saving.
    with _StableZip(out, date_time) as archive:
        ExcelWriter(wb, archive).write_data()
    return out.getvalue()

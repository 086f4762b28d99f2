"""The report as data: tables, figures, methods text and manifest, before any file format.

The builder (``build.py``) fills a :class:`Report`; the renderers turn the same object into
XLSX, HTML and PDF, so every format shows the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A cell: what JSON, CSV and a spreadsheet all hold without interpretation.
Cell = str | int | float | bool | None


@dataclass(frozen=True)
class Table:
    """One rectangular table: a sheet in the XLSX, a table in the HTML and PDF."""

    name: str  # file and sheet stem, e.g. "agreement_reference" (≤ 31 characters)
    title: str  # e.g. "Table 2. Agreement with the reference standard"
    columns: tuple[str, ...]
    rows: tuple[dict[str, Cell], ...]
    note: str = ""  # footnote: how the numbers were computed


@dataclass(frozen=True)
class Figure:
    """A rendered figure (PNG bytes from matplotlib's Agg backend)."""

    name: str  # file stem, e.g. "forest_agreement_reference"
    title: str
    png: bytes
    alt: str = ""  # text alternative for the HTML page


@dataclass(frozen=True)
class Report:
    """Everything one report shows; renderers never compute, they only lay out."""

    study: str  # slug
    title: str
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]
    methods: tuple[str, ...]  # paragraphs, ready to paste into a manuscript
    codebook: Table
    manifest: dict = field(default_factory=dict)  # manifest.json without the rendered files
    # Compact journal-layout tables for HTML and PDF ("0.937 (0.882, 0.992)" cells); the XLSX
    # keeps the rectangular long tables above. Empty: HTML and PDF show ``tables``.
    display_tables: tuple[Table, ...] = ()

    @property
    def shown_tables(self) -> tuple[Table, ...]:
        return self.display_tables or self.tables

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

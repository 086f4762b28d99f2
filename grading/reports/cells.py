"""Cells safe to open in a spreadsheet (no Django: the exporters and unit tables share it)."""

from __future__ import annotations

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Formula-like text gets a leading apostrophe, so a spreadsheet shows it as text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: formula-like text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, str):
        return safe_text(value)
    return str(value)

"""Report figures: a forest plot and confusion-matrix heatmaps, as PNG bytes.

Figures are drawn on a bare :class:`matplotlib.figure.Figure` with the Agg canvas, never through
pyplot: pyplot keeps global state (the current figure, the backend), which is neither thread-safe
nor welcome in a Django process. The same input gives byte-identical PNGs: fixed dpi, no
``Software`` metadata, and matplotlib's bundled DejaVu Sans named on every text.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.transforms import blended_transform_factory

from grading.reports.model import Figure

DPI = 110
WIDTH_IN = 7.0  # A4 text width
FONT = "DejaVu Sans"  # bundled with matplotlib, so every machine draws the same glyphs
MAX_PANELS_PER_ROW = 4
# Text drawn verbatim: a label such as "reader $1" must not become mathtext.
TEXT = {"fontfamily": FONT, "parse_math": False}


def _png(fig: MplFigure) -> bytes:
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    # zlib level 1: a fifth faster to write than the default 6, for 15 % more bytes.
    fig.savefig(
        out, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 1}
    )
    return out.getvalue()


def _number(value) -> float | None:
    """A finite float, or None for a missing or non-finite value."""
    if value is None or isinstance(value, bool):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _number_row(row: dict) -> dict[str, float | None]:
    return {key: _number(row.get(key)) for key in ("estimate", "ci_low", "ci_high")}


def _ci_text(estimate, low, high) -> str:
    if estimate is None:
        return "n/a"
    ci = "n/a" if low is None or high is None else f"{low:.2f}, {high:.2f}"
    return f"{estimate:.2f} ({ci})"


def _auto_xlim(values: Iterable[float | None]) -> tuple[float, float]:
    finite = [v for v in values if v is not None]
    if not finite:
        return (-1.0, 1.0)
    low, high = min(finite), max(finite)
    pad = 0.05 * (high - low) if high > low else 0.5
    return (low - pad, high + pad)


def forest_plot(
    rows: Sequence[dict],
    *,
    name: str,
    title: str,
    xlabel: str = "Coefficient (95% CI)",
    xlim: tuple[float, float] | None = None,
) -> Figure:
    """One estimate with its 95% CI per row, grouped under group headings.

    Parameters
    ----------
    rows : dicts with ``label``, ``group``, ``estimate``, ``ci_low``, ``ci_high``; a missing
        (None or non-finite) estimate is shown as "n/a" with no marker.
    xlim : the x range; by default the range of all finite values, padded.
    """
    if not rows:
        raise ValueError("forest_plot needs at least one row")
    lines: list[tuple[str, dict | None]] = []  # (text, row); row None marks a group heading
    groups: list[str] = []
    for group in dict.fromkeys(str(row["group"]) for row in rows):
        groups.append(group)
        lines.append((group, None))
        lines += [(str(r["label"]), r) for r in rows if str(r["group"]) == group]
    xlim = xlim or _auto_xlim(v for row in rows for v in _number_row(row).values())

    n = len(lines)
    fig = MplFigure(figsize=(WIDTH_IN, max(2.0, 0.9 + 0.22 * n)), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    label_side = blended_transform_factory(ax.transAxes, ax.transData)
    missing = 0
    for index, (_, row) in enumerate(lines):
        y = n - 1 - index  # first line at the top
        if row is None:
            continue
        vals = _number_row(row)
        if vals["ci_low"] is not None and vals["ci_high"] is not None:
            ax.hlines(y, vals["ci_low"], vals["ci_high"], color="black", linewidth=1.2)
        if vals["estimate"] is not None:
            ax.plot([vals["estimate"]], [y], marker="s", markersize=5, color="black")
        else:
            missing += 1
        estimate_text = _ci_text(vals["estimate"], vals["ci_low"], vals["ci_high"])
        ax.text(1.02, y, estimate_text, transform=label_side, va="center", fontsize=8, **TEXT)
    if xlim[0] <= 0 <= xlim[1]:
        ax.axvline(0, color="0.45", linewidth=0.8, linestyle="--", zorder=0)

    ax.set_xlim(*xlim)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_yticks(range(n - 1, -1, -1), [text for text, _ in lines], fontsize=8, **TEXT)
    for tick, (_, row) in zip(ax.get_yticklabels(), lines, strict=True):
        tick.set_fontweight("bold" if row is None else "normal")
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", labelsize=8, labelfontfamily=FONT)
    ax.set_xlabel(xlabel, fontsize=9, **TEXT)
    ax.set_title(title, fontsize=10, loc="left", **TEXT)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)

    alt = (
        f"Forest plot of {len(rows)} estimates with 95% confidence intervals in "
        f"{len(groups)} group(s) ({', '.join(groups)})"
        + (f", {missing} of them not available." if missing else ".")
    )
    return Figure(name=name, title=title, png=_png(fig), alt=alt)


def _check_counts(panel: dict, q: int) -> list[list[int]]:
    counts = [[int(c) for c in row] for row in panel["counts"]]
    if len(counts) != q or any(len(row) != q for row in counts):
        raise ValueError(f"panel {panel['label']!r}: counts must be {q}×{q}")
    return counts


def confusion_heatmaps(
    panels: Sequence[dict], *, name: str, title: str, categories: Sequence[str]
) -> Figure:
    """Small multiples of q×q confusion matrices, counts written in every cell.

    Parameters
    ----------
    panels : dicts ``{"label": str, "counts": q×q ints}``, rows = reference, columns = reader.
    categories : the q grade names, in scale order.

    Shading is the row proportion (the share of each reference grade the reader gave each
    grade), so panels with different totals compare; the numbers are counts.
    """
    if not panels:
        raise ValueError("confusion_heatmaps needs at least one panel")
    q = len(categories)
    labels = [str(c) for c in categories]
    ncols = min(MAX_PANELS_PER_ROW, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    panel_in = min(WIDTH_IN / ncols, 2.8)  # one or two panels need not fill a page
    fig = MplFigure(
        figsize=(WIDTH_IN, 0.7 + nrows * (panel_in + 0.5)), dpi=DPI, layout="constrained"
    )
    axes = fig.subplots(nrows, ncols, squeeze=False)
    fontsize = 8 if ncols <= 2 else 6.5
    for index, ax in enumerate(axes.flat):
        if index >= len(panels):
            ax.set_axis_off()
            continue
        panel = panels[index]
        counts = _check_counts(panel, q)
        shares = [[c / sum(row) if sum(row) else 0.0 for c in row] for row in counts]
        ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0, aspect="equal")
        for i, row in enumerate(counts):
            for j, count in enumerate(row):
                colour = "white" if shares[i][j] > 0.6 else "black"
                ax.text(j, i, str(count), ha="center", va="center", color=colour,
                        fontsize=fontsize, **TEXT)  # fmt: skip
        ax.set_xticks(range(q), labels, rotation=45, ha="right", fontsize=fontsize, **TEXT)
        first_column = index % ncols == 0
        ax.set_yticks(range(q), labels if first_column else [], fontsize=fontsize, **TEXT)
        ax.set_xlabel("Reader", fontsize=fontsize + 0.5, **TEXT)
        if first_column:
            ax.set_ylabel("Reference", fontsize=fontsize + 0.5, **TEXT)
        ax.set_title(str(panel["label"]), fontsize=fontsize + 0.5, **TEXT)
    fig.suptitle(
        f"{title}\nNumbers are counts; shading is the share of each reference grade (row).",
        fontsize=9.5,
        **TEXT,
    )
    alt = (
        f"{len(panels)} confusion matrices of reader against reference grades "
        f"({', '.join(labels)}), each cell showing a count: "
        + "; ".join(str(p["label"]) for p in panels)
        + "."
    )
    return Figure(name=name, title=title, png=_png(fig), alt=alt)


def forest_panels(panels: Sequence[tuple[str, Sequence[dict]]], *, name: str, title: str) -> Figure:
    """Small-multiple forest plots: one panel per coefficient, rows shared across panels.

    Parameters
    ----------
    panels : ``(coefficient title, rows)`` pairs; rows as in :func:`forest_plot`. The rows of
        the first panel fix the line order (grouped by ``group``); a label missing from another
        panel is left empty there.
    """
    if not panels or not panels[0][1]:
        raise ValueError("forest_panels needs at least one panel with rows")
    first = panels[0][1]
    lines: list[tuple[str, tuple | None]] = []
    for group in dict.fromkeys(str(row["group"]) for row in first):
        lines.append((group, None))
        lines += [
            (str(r["label"]), (group, str(r["label"]))) for r in first if str(r["group"]) == group
        ]
    n = len(lines)
    fig = MplFigure(figsize=(WIDTH_IN, max(2.2, 1.1 + 0.2 * n)), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    for ax, (panel_title, rows) in zip(axes, panels, strict=True):
        by_key = {(str(r["group"]), str(r["label"])): _number_row(r) for r in rows}
        ys, estimates, lows, highs = [], [], [], []
        for index, (_, key) in enumerate(lines):
            vals = by_key.get(key) if key else None
            if vals is None or vals["estimate"] is None:
                continue
            ys.append(n - 1 - index)
            estimates.append(vals["estimate"])
            lows.append(vals["ci_low"] if vals["ci_low"] is not None else vals["estimate"])
            highs.append(vals["ci_high"] if vals["ci_high"] is not None else vals["estimate"])
        if ys:  # one collection per panel: far cheaper to draw than a line per row
            ax.hlines(ys, lows, highs, color="black", linewidth=1.1)
            ax.plot(estimates, ys, linestyle="none", marker="s", markersize=4, color="black")
        xlim = _auto_xlim([*lows, *highs])
        ax.set_xlim(*xlim)
        if xlim[0] <= 0 <= xlim[1]:
            ax.axvline(0, color="0.45", linewidth=0.8, linestyle="--", zorder=0)
        ax.set_title(panel_title, fontsize=9, **TEXT)
        ax.tick_params(axis="x", labelsize=7, labelfontfamily=FONT)
        ax.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    axes[0].set_ylim(-0.7, n - 0.3)
    axes[0].set_yticks(range(n - 1, -1, -1), [text for text, _ in lines], fontsize=8, **TEXT)
    for tick, (_, key) in zip(axes[0].get_yticklabels(), lines, strict=True):
        tick.set_fontweight("bold" if key is None else "normal")
    fig.suptitle(title, fontsize=10, x=0.01, ha="left", **TEXT)
    alt = (
        f"Forest plots of {', '.join(t for t, _ in panels)}: one panel per coefficient, "
        f"{sum(1 for _, key in lines if key is None)} groups, estimates with 95% CIs."
    )
    return Figure(name=name, title=title, png=_png(fig), alt=alt)

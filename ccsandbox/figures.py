"""The figures of ``compare --figure`` and ``evaluate``'s report, drawn with matplotlib (pure:
data in, SVG text out; no pyplot state, so it is safe in any thread and needs no display).

Our rows are blue, the study's quoted rows grey and hatched, so a figure never passes a quoted
number off as ours.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

__all__ = ["Bar", "grouped_bars", "horizontal_bars"]

OURS, QUOTED = "#3b7dd8", "#9a9a9a"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: not available (drawn as a note, not as zero)
    quoted: bool = False


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "cc-sandbox", "svg.fonttype": "none"}):
        figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :]  # without the XML prolog and DOCTYPE, so it embeds in HTML


def horizontal_bars(title: str, bars: Sequence[Bar], xlabel: str, *, log: bool = False, unit: str = "") -> str:
    """One bar per row, labelled with its value (e.g. blocked syscalls per tool, or seconds)."""
    figure = Figure(figsize=(7.5, 0.45 * len(bars) + 1.2))
    axes = figure.subplots()
    positions = list(range(len(bars)))[::-1]
    values = [b.value if b.value is not None else 0 for b in bars]
    drawn = axes.barh(
        positions,
        values,
        color=[QUOTED if b.quoted else OURS for b in bars],
        hatch=None,
    )
    for patch, bar in zip(drawn.patches, bars, strict=True):
        if bar.quoted:
            patch.set_hatch("//")
            patch.set_edgecolor("white")
    axes.set_yticks(positions, [b.label + (" (quoted)" if b.quoted else "") for b in bars], fontsize=8)
    if log:
        axes.set_xscale("log")
    positive = [v for v in values if v > 0]
    for position, bar in zip(positions, bars, strict=True):
        text = "n/a" if bar.value is None else f"{bar.value:g}{unit}"
        at = bar.value if bar.value else (min(positive) if log and positive else 0)
        axes.text(at, position, " " + text, va="center", fontsize=8)
    if positive:
        right = max(positive)
        axes.set_xlim(right=right * (3 if log else 1.15))
    axes.set_xlabel(xlabel)
    axes.set_title(title, fontsize=10)
    return _svg(figure)


def grouped_bars(
    title: str,
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], bool]],
    ylabel: str,
    *,
    log: bool = False,
) -> str:
    """Bars per group (e.g. phase 0, phase 1) for several series (label, values, quoted)."""
    figure = Figure(figsize=(7.5, 3.6))
    axes = figure.subplots()
    width = 0.8 / max(1, len(series))
    palette = [OURS, "#1f4e9c", "#7fb2f0", "#2a9d8f"]
    ours = 0
    for i, (label, values, quoted) in enumerate(series):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        color = QUOTED if quoted else palette[ours % len(palette)]
        ours += 0 if quoted else 1
        bars = axes.bar(
            xs,
            [v or (1e-3 if log else 0) for v in values],
            width,
            label=label + (" (quoted)" if quoted else ""),
            color=color,
            hatch="//" if quoted else None,
            edgecolor="white",
        )
        for x, value, _ in zip(xs, values, bars.patches, strict=True):
            at = value or (1e-3 if log else 0)
            axes.text(x, at, "n/a" if value is None else f"{value:g}", ha="center", va="bottom", fontsize=7)
    if log:
        axes.set_yscale("log")
    axes.set_xticks(range(len(groups)), list(groups))
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=7, loc="lower right")
    return _svg(figure)

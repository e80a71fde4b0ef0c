"""The report's figures (pure; drawn by :mod:`ccsandbox.figures`, matplotlib): per program the
blocked syscalls and the analysis time per tool, the blocked counts per phase, and across the
programs the time of the two-phase step (the study's figure 4).

The study's bars are drawn as quoted (grey, hatched) beside ours; blocked counts are out of each tool's
table, which the titles say.
"""

from __future__ import annotations

from typing import Any

from ..figures import Bar, grouped_bars, horizontal_bars
from . import study
from .document import Figure
from .tables import step_seconds

__all__ = ["program_figures", "time_figure"]


def program_figures(program: dict[str, Any], size: int) -> list[Figure]:
    key = program.get("study")
    name = program["name"]
    figures = []
    bars = []
    if "static" in program:
        bars.append(Bar("cc-sandbox static", program["static"]["blocked_count"]))
    if "traced" in program:
        bars.append(Bar("cc-sandbox tracer", program["traced"]["blocked_count"]))
    if key:
        bars += [Bar(r.tool, r.blocked.get(key), quoted=True) for r in study.ROWS if r.phases is None]
    if bars:
        title = f"{name}: blocked syscalls per tool (ours of {size}; quoted of {study.TABLE_SIZE})"
        figures.append(Figure(f"blocked-{name}.svg", title, horizontal_bars(title, bars, "blocked syscalls")))
    times = []
    for label, step in (
        ("cc-sandbox analysis", "analysis"),
        ("cc-sandbox phasecut", "phasecut"),
        ("cc-sandbox tracer", "trace"),
    ):
        seconds = step_seconds(program, step)
        if seconds is not None:
            times.append(Bar(label, round(max(seconds, 0.001), 3)))
    if key:
        times += [Bar(r.tool, r.seconds.get(key), quoted=True) for r in study.ROWS if r.seconds.get(key)]
    if times:
        title = f"{name}: analysis time per tool (log scale)"
        figures.append(Figure(f"time-{name}.svg", title, horizontal_bars(title, times, "seconds", log=True, unit=" s")))
    phases = program.get("phases", {})
    if phases.get("static") or phases.get("traced"):
        series: list[tuple[str, list[float | None], bool]] = []
        if phases.get("static"):
            series.append(("cc-sandbox phasecut", [p["blocked_count"] for p in phases["static"]], False))
        if phases.get("traced"):
            series.append(("cc-sandbox tracer", [p["blocked_count"] for p in phases["traced"]], False))
        for row in study.ROWS:
            if key and row.phases is not None and row.phases.get(key):
                pair = row.phases[key]
                assert pair is not None
                series.append((row.tool, list(pair), True))
        title = f"{name}: blocked per phase (ours of {size}; quoted of {study.TABLE_SIZE})"
        figures.append(
            Figure(f"phases-{name}.svg", title, grouped_bars(title, ["phase 0", "phase 1"], series, "blocked"))
        )
    return figures


def time_figure(programs: list[dict[str, Any]]) -> Figure | None:
    """Time per phase-aware step, ours and the study's (its figure 4: tracer vs temporal spec.)."""
    names = [p["name"] for p in programs if p.get("study")]
    if not names:
        return None
    by_name = {p["name"]: p for p in programs}
    series: list[tuple[str, list[float | None], bool]] = [
        ("cc-sandbox tracer, phases", [step_seconds(by_name[n], "trace_phases") for n in names], False),
        ("cc-sandbox phasecut", [step_seconds(by_name[n], "phasecut") for n in names], False),
    ]
    for row in study.ROWS:
        if row.phases is not None:
            series.append((row.tool, [row.seconds.get(by_name[n]["study"]) for n in names], True))
    title = "time of the two-phase step per tool (seconds, log scale)"
    return Figure("time-phases.svg", title, grouped_bars(title, names, series, "seconds", log=True))

"""The report's tables (pure): rows of allowed and blocked counts per tool, ours and the study's
(quoted, out of its table of 373), and the times per step beside the study's.

Every cell is text already: a count, "a / b" for two phases, or a time (:func:`fmt_seconds`);
"—" where there is no number, "not run" where the study did not run a tool.
"""

from __future__ import annotations

from typing import Any

from . import study

__all__ = ["fmt_seconds", "ours_rows", "quoted_rows", "step_seconds", "timing_rows"]


def fmt_seconds(value: float | None) -> str:
    """A time as the tables show it: milliseconds below a second, "—" when there is none."""
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def step_seconds(program: dict[str, Any], step: str) -> float | None:
    """The time of ``step``, or None when it did not run or failed (a failed step's time would mislead)."""
    value = program.get("steps", {}).get(step, {}).get("seconds")
    return None if value is None or "error" in program["steps"][step] else float(value)


def ours_rows(program: dict[str, Any], size: int) -> list[tuple[list[str], str]]:
    """(cells, row class) of our tools that produced a result for ``program``, out of ``size``."""
    rows: list[tuple[list[str], str]] = []
    version = program["version"]
    if "static" in program:
        s = program["static"]
        rows.append(
            (
                [
                    "cc-sandbox static (whole program)",
                    "ours",
                    version,
                    str(size),
                    str(s["allowed_count"]),
                    str(s["blocked_count"]),
                    fmt_seconds(step_seconds(program, "analysis")),
                ],
                "",
            )
        )
    if "traced" in program:
        t = program["traced"]
        rows.append(
            (
                [
                    "cc-sandbox tracer, one phase",
                    "ours",
                    version,
                    str(size),
                    str(t["allowed_count"]),
                    str(t["blocked_count"]),
                    fmt_seconds(step_seconds(program, "trace")),
                ],
                "",
            )
        )
    phases = program.get("phases", {})
    if "static" in phases:
        counts = " / ".join(str(p["allowed_count"]) for p in phases["static"])
        blocked = " / ".join(str(p["blocked_count"]) for p in phases["static"])
        rows.append(
            (
                [
                    "cc-sandbox phasecut (ph0 / ph1)",
                    "ours",
                    version,
                    str(size),
                    counts,
                    blocked,
                    fmt_seconds(step_seconds(program, "phasecut")),
                ],
                "",
            )
        )
    if "traced" in phases:
        counts = " / ".join(str(p["allowed_count"]) for p in phases["traced"])
        blocked = " / ".join(str(p["blocked_count"]) for p in phases["traced"])
        rows.append(
            (
                [
                    "cc-sandbox tracer, phases (ph0 / ph1)",
                    "ours",
                    version,
                    str(size),
                    counts,
                    blocked,
                    fmt_seconds(step_seconds(program, "trace_phases")),
                ],
                "",
            )
        )
    return rows


def quoted_rows(key: str) -> list[tuple[list[str], str]]:
    """(cells, "quoted") of every tool of the study for its program ``key``, out of its table."""
    rows = []
    for row in study.ROWS:
        version = study.PROGRAMS[key]
        if row.phases is not None:
            pair = row.phases.get(key)
            if pair is None:
                rows.append(
                    (
                        [
                            row.tool + " (ph0 / ph1)",
                            f"quoted, table {row.table}",
                            version,
                            str(study.TABLE_SIZE),
                            "—",
                            "not run",
                            fmt_seconds(row.seconds.get(key)),
                        ],
                        "quoted",
                    )
                )
                continue
            allowed = " / ".join(str(study.TABLE_SIZE - b) for b in pair)
            blocked = " / ".join(str(b) for b in pair)
            rows.append(
                (
                    [
                        row.tool + " (ph0 / ph1)",
                        f"quoted, table {row.table}",
                        version,
                        str(study.TABLE_SIZE),
                        allowed,
                        blocked,
                        fmt_seconds(row.seconds.get(key)),
                    ],
                    "quoted",
                )
            )
            continue
        allowed_count = row.allowed(key)
        rows.append(
            (
                [
                    row.tool,
                    f"quoted, table {row.table}",
                    version,
                    str(study.TABLE_SIZE),
                    "—" if allowed_count is None else str(allowed_count),
                    "—" if row.blocked.get(key) is None else str(row.blocked[key]),
                    fmt_seconds(row.seconds.get(key)),
                ],
                "quoted",
            )
        )
    return rows


def timing_rows(program: dict[str, Any]) -> list[list[str]]:
    """The program's time per step, each beside the study's time for the same step."""
    key = program.get("study")
    build = program.get("steps", {}).get("build", {})
    cached = " (cached)" if build.get("cached") else ""

    def quoted(tool: str, key: str | None = key) -> str:
        row = next((r for r in study.ROWS if r.tool == tool), None)
        return fmt_seconds(row.seconds.get(key)) if row and key else "—"

    return [
        [
            program["name"],
            "build through cc-sandbox" + cached,
            fmt_seconds(step_seconds(program, "build")),
            f"Chestnut Sourcealyzer build -j16: {quoted('Chestnut Sourcealyzer (static build)')}",
        ],
        [
            program["name"],
            "static analysis",
            fmt_seconds(step_seconds(program, "analysis")),
            f"sysfilter {quoted('sysfilter')}, Confine {quoted('Confine')}",
        ],
        [
            program["name"],
            "phasecut (two phases)",
            fmt_seconds(step_seconds(program, "phasecut")),
            f"temporal specialization {quoted('temporal specialization')}",
        ],
        [
            program["name"],
            "trace the workload, one phase",
            fmt_seconds(step_seconds(program, "trace")),
            f"study's tracer {quoted(study.TRACER_ONE_PHASE)}",
        ],
        [
            program["name"],
            "trace the workload, two phases",
            fmt_seconds(step_seconds(program, "trace_phases")),
            f"study's tracer {quoted(study.TRACER_TWO_PHASES)}",
        ],
    ]

"""The evaluation report (pure): results in, a document of blocks out, rendered as Markdown and as
one self-contained HTML file (figures inline as SVG).

The study's numbers are always marked as quoted, with their program versions and table size
(373); ours are out of 383. Allowed counts compare across the tables; blocked counts do not.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from ..figures import Bar, grouped_bars, horizontal_bars
from . import study

__all__ = ["Document", "build_document", "render_html", "render_markdown"]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    classes: list[str] = field(default_factory=list)  # per row: "", "quoted", "bad"


@dataclass
class Figure:
    name: str  # file name under figures/
    title: str
    svg: str


Block = tuple[str, Any]  # ("h1"|"h2"|"h3"|"p"|"bad"|"table"|"figure", payload)
Document = list[Block]


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _step_seconds(program: dict[str, Any], step: str) -> float | None:
    value = program.get("steps", {}).get(step, {}).get("seconds")
    return None if value is None or "error" in program["steps"][step] else float(value)


def _ours_rows(program: dict[str, Any], size: int) -> list[tuple[list[str], str]]:
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
                    _fmt_seconds(_step_seconds(program, "analysis")),
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
                    _fmt_seconds(_step_seconds(program, "trace")),
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
                    _fmt_seconds(_step_seconds(program, "phasecut")),
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
                    _fmt_seconds(_step_seconds(program, "trace_phases")),
                ],
                "",
            )
        )
    return rows


def _quoted_rows(key: str) -> list[tuple[list[str], str]]:
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
                            "373",
                            "—",
                            "not run",
                            _fmt_seconds(row.seconds.get(key)),
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
                        "373",
                        allowed,
                        blocked,
                        _fmt_seconds(row.seconds.get(key)),
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
                    "373",
                    "—" if allowed_count is None else str(allowed_count),
                    "—" if row.blocked.get(key) is None else str(row.blocked[key]),
                    _fmt_seconds(row.seconds.get(key)),
                ],
                "quoted",
            )
        )
    return rows


def _figures(program: dict[str, Any], size: int) -> list[Figure]:
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
        title = f"{name}: blocked syscalls per tool (ours of {size}; quoted of 373)"
        figures.append(Figure(f"blocked-{name}.svg", title, horizontal_bars(title, bars, "blocked syscalls")))
    times = []
    for label, step in (
        ("cc-sandbox analysis", "analysis"),
        ("cc-sandbox phasecut", "phasecut"),
        ("cc-sandbox tracer", "trace"),
    ):
        seconds = _step_seconds(program, step)
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
        title = f"{name}: blocked per phase (ours of {size}; quoted of 373)"
        figures.append(
            Figure(f"phases-{name}.svg", title, grouped_bars(title, ["phase 0", "phase 1"], series, "blocked"))
        )
    return figures


def _time_figure(programs: list[dict[str, Any]]) -> Figure | None:
    """Time per phase-aware step, ours and the study's (its figure 4: tracer vs temporal spec.)."""
    names = [p["name"] for p in programs if p.get("study")]
    if not names:
        return None
    by_name = {p["name"]: p for p in programs}
    series: list[tuple[str, list[float | None], bool]] = [
        ("cc-sandbox tracer, phases", [_step_seconds(by_name[n], "trace_phases") for n in names], False),
        ("cc-sandbox phasecut", [_step_seconds(by_name[n], "phasecut") for n in names], False),
    ]
    for row in study.ROWS:
        if row.phases is not None:
            series.append((row.tool, [row.seconds.get(by_name[n]["study"]) for n in names], True))
    title = "time of the two-phase step per tool (seconds, log scale)"
    return Figure("time-phases.svg", title, grouped_bars(title, names, series, "seconds", log=True))


def build_document(results: dict[str, Any]) -> tuple[Document, list[Figure]]:
    size = results["table"]["size"]
    doc: Document = [("h1", "cc-sandbox evaluation: the 2024 study's evaluation, reproduced")]
    figures: list[Figure] = []
    if results["missing"]:
        doc.append(("bad", "PARTIAL REPORT. Missing: " + "; ".join(results["missing"])))
    unsound = [
        p["name"] for p in results["programs"] if p.get("unsound") or any(p.get("phases", {}).get("unsound", []))
    ]
    if unsound:
        doc.append(("bad", "UNSOUND: traced syscalls outside the static policy in " + ", ".join(unsound)))
    kills = sum(p.get("steps", {}).get("filters", {}).get("kills", 0) for p in results["programs"])
    doc.append(
        (
            "p",
            f"Programs: {', '.join(p['name'] for p in results['programs'])}. "
            f"Wall time {results['wall_seconds']:.1f} s. "
            f"Kills under the embedded filters: {kills}. UNSOUND programs: {len(unsound)}.",
        )
    )
    m = results["machine"]
    doc.append(
        (
            "p",
            f"Ours: {m['cpu']} ({m['cores']} cores), Linux {m['kernel']}, {results['producer']}; "
            f"syscall table of {size} entries (x86_64, Linux {results['table']['kernel']}).",
        )
    )
    doc.append(
        (
            "p",
            f"The study's numbers are quoted, never measured here. Its setup: {study.SETUP}. Its programs: "
            + ", ".join(study.PROGRAMS.values())
            + ". Blocked counts are out of each table (373 vs 383); "
            "allowed counts compare across tables.",
        )
    )
    doc.append(("h2", "Allowed and blocked per tool"))
    for program in results["programs"]:
        doc.append(("h3", f"{program['name']} ({program['version']})"))
        rows = _ours_rows(program, size)
        if program.get("study"):
            rows += _quoted_rows(program["study"])
            doc.append(
                (
                    "p",
                    f"Transition point: {program['transition']['note']}. The study's: "
                    f"{study.TRANSITIONS[program['study']]}.",
                )
            )
        if rows:
            doc.append(
                (
                    "table",
                    Table(
                        ["tool", "source", "program", "table size", "allowed", "blocked", "time"],
                        [r for r, _ in rows],
                        [c for _, c in rows],
                    ),
                )
            )
        for missing in program["missing"]:
            doc.append(("bad", f"missing: {missing}"))
    doc.append(("h2", "Static against traced"))
    for program in results["programs"]:
        if "traced" not in program:
            continue
        doc.append(("h3", program["name"]))
        if program.get("unsound"):
            doc.append(("bad", f"UNSOUND (traced, not allowed): {' '.join(program['unsound'])}"))
        else:
            doc.append(("p", "UNSOUND (traced, not allowed): none"))
        over = program.get("over_approximation", [])
        doc.append(("p", f"Allowed but not traced ({len(over)}; what the over-approximation allows): {' '.join(over)}"))
        blocked_by_mode = program.get("static", {}).get("not_in_embedded_filter")
        if blocked_by_mode:
            doc.append(
                (
                    "p",
                    f"Allowed by the analysis but failed by the embedded filter's exec handling: "
                    f"{' '.join(blocked_by_mode)}",
                )
            )
        if program.get("before_filter"):
            doc.append(
                ("p", f"Made before the filter was installed (not counted): {' '.join(program['before_filter'])}")
            )
        phases = program.get("phases", {})
        for k, bad in enumerate(phases.get("unsound", [])):
            if bad:
                doc.append(("bad", f"phase {k} UNSOUND: {' '.join(bad)}"))
            else:
                over_k = phases["over_approximation"][k]
                doc.append(
                    ("p", f"phase {k}: UNSOUND none; allowed but not traced ({len(over_k)}): {' '.join(over_k)}")
                )
    doc.append(("h2", "The workloads under the embedded kill-mode filters"))
    plain: list[list[str]] = []
    classes: list[str] = []
    for program in results["programs"]:
        f = program.get("steps", {}).get("filters", {})
        if "runs" in f:
            plain.append([program["name"], str(f["runs"]), str(f["kills"]), " ".join(f["killed"]) or "—"])
            classes.append("bad" if f["kills"] else "")
    doc.append(("table", Table(["program", "runs", "kills (must be 0)", "killed runs"], plain, classes)))
    doc.append(("h2", "Times per step, beside the study's for the same step"))
    timing_rows: list[list[str]] = []
    for program in results["programs"]:
        key = program.get("study")
        build = program.get("steps", {}).get("build", {})
        cached = " (cached)" if build.get("cached") else ""

        def quoted(tool: str, key: str | None = key) -> str:
            row = next((r for r in study.ROWS if r.tool == tool), None)
            return _fmt_seconds(row.seconds.get(key)) if row and key else "—"

        timing_rows += [
            [
                program["name"],
                "build through cc-sandbox" + cached,
                _fmt_seconds(_step_seconds(program, "build")),
                f"Chestnut Sourcealyzer build -j16: {quoted('Chestnut Sourcealyzer (static build)')}",
            ],
            [
                program["name"],
                "static analysis",
                _fmt_seconds(_step_seconds(program, "analysis")),
                f"sysfilter {quoted('sysfilter')}, Confine {quoted('Confine')}",
            ],
            [
                program["name"],
                "phasecut (two phases)",
                _fmt_seconds(_step_seconds(program, "phasecut")),
                f"temporal specialization {quoted('temporal specialization')}",
            ],
            [
                program["name"],
                "trace the workload, one phase",
                _fmt_seconds(_step_seconds(program, "trace")),
                f"study's tracer {quoted(study.TRACER_ONE_PHASE)}",
            ],
            [
                program["name"],
                "trace the workload, two phases",
                _fmt_seconds(_step_seconds(program, "trace_phases")),
                f"study's tracer {quoted(study.TRACER_TWO_PHASES)}",
            ],
        ]
    doc.append(("table", Table(["program", "step", "ours", "the study's (quoted)"], timing_rows)))
    doc.append(("h2", "Figures"))
    for program in results["programs"]:
        figures += _figures(program, size)
    timing = _time_figure(results["programs"])
    if timing is not None:
        figures.append(timing)
    doc += [("figure", f) for f in figures]
    doc.append(("h2", "What differs from the study, and why"))
    for text in DIFFERENCES:
        doc.append(("p", text))
    return doc, figures


DIFFERENCES = [
    "Program versions: ours are Debian 12's (coreutils 9.1, sqlite 3.40.1, redis 7.0.15) built against musl 1.2.3 "
    "as static LTO binaries; the study's were Ubuntu 18.04's (ls 8.28, sqlite 3.22, redis 4.0.9), dynamically linked "
    "against glibc for most tools. Newer versions and another libc make different syscalls (musl's stdio uses "
    "writev and readv; glibc's startup is different).",
    "Table size: ours counts 383 x86_64 numbers (Linux 6.18), the study 373; blocked counts differ by construction, "
    "allowed counts compare.",
    "Our static analysis sees the whole program and libc as one LLVM module, so it needs no binary disassembly; it "
    "counts only syscalls reachable from the entry points and always allows restart_syscall, exit, exit_group and "
    "rt_sigreturn when handlers exist.",
    "Our traced sets leave out what runs before the embedded filter is installed (its installer's prctl and "
    "seccomp, and the start-up of musl), which no policy has to allow.",
    "Transition points: LTO inlines clear_files (ls) and aeMain (redis) into main, so for redis both sides use the "
    "first entry of aeProcessEvents, and ls is not split at all (no function or call site is left to cut at).",
]


def render_markdown(doc: Document) -> str:
    out: list[str] = []
    for kind, payload in doc:
        if kind in ("h1", "h2", "h3"):
            out += ["#" * int(kind[1]) + " " + payload, ""]
        elif kind == "p":
            out += [payload, ""]
        elif kind == "bad":
            out += [f"**{payload}**", ""]
        elif kind == "table":
            table: Table = payload
            out.append("| " + " | ".join(table.header) + " |")
            out.append("|" + "---|" * len(table.header))
            for row, cls in zip(table.rows, table.classes or [""] * len(table.rows), strict=True):
                cells = [f"*{c}*" if cls == "quoted" and c not in ("", "—") else c for c in row]
                cells = [f"**{c}**" if cls == "bad" else c for c in cells]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        elif kind == "figure":
            figure: Figure = payload
            out += [f"![{figure.title}](figures/{figure.name})", ""]
    return "\n".join(out)


_STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}
table{border-collapse:collapse;margin:0.5em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
tr.quoted td{color:#666;font-style:italic;background:#f6f6f6}tr.bad td,p.bad{color:#c00;font-weight:bold}
figure{margin:1em 0}svg{max-width:100%;height:auto}"""


def render_html(doc: Document) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>cc-sandbox evaluation</title>",
        f"<style>{_STYLE}</style></head><body>",
    ]
    for kind, payload in doc:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{html.escape(payload)}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{html.escape(payload)}</p>")
        elif kind == "bad":
            out.append(f'<p class="bad">{html.escape(payload)}</p>')
        elif kind == "table":
            table: Table = payload
            out.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in table.header) + "</tr>")
            for row, cls in zip(table.rows, table.classes or [""] * len(table.rows), strict=True):
                attr = f' class="{cls}"' if cls else ""
                out.append(f"<tr{attr}>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
            out.append("</table>")
        elif kind == "figure":
            figure: Figure = payload
            out.append(f"<figure>{figure.svg}<figcaption>{html.escape(figure.title)}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"

"""``cc-sandbox evaluate``: build, analyse, cut, trace and run the study's programs, and write the
report (report.md, report.html, results.json, figures/)."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..evaluate import study
from ..evaluate.build import toolchain_key
from ..evaluate.subjects import DEFAULT, QUICK, SUBJECTS, select
from ..syscalls import KERNEL_VERSION, SYSCALL_NAMES

FORMAT, VERSION = "cc-sandbox-evaluation", 1


def _machine() -> dict[str, Any]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release()}


def _default_work() -> Path:
    chosen = os.environ.get("CC_SANDBOX_REAL_WORK")
    if chosen:
        return Path(chosen)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "cc-sandbox" / "evaluate"


def _publish(path: Path, text: str) -> None:
    staged = path.with_name(f".{path.name}.tmp")
    staged.write_text(text)
    os.replace(staged, path)


@click.command("evaluate")
@click.option(
    "--programs",
    metavar="NAME,...",
    help=f"Which programs (known: {', '.join(SUBJECTS)}). Default: {','.join(DEFAULT)}.",
)
@click.option("--quick", is_flag=True, help=f"The small examples plus sqlite3 ({','.join(QUICK)}), for the test suite.")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("evaluation"),
    show_default=True,
    help="Directory for report.md, report.html, results.json, figures/ and the policies and traces.",
)
@click.option(
    "--work",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where programs are built and cached (default: $CC_SANDBOX_REAL_WORK, else "
    "~/.cache/cc-sandbox/evaluate). A build is reused while its recipe and the toolchain are unchanged.",
)
def evaluate(programs: str | None, quick: bool, out: Path, work: Path | None) -> int:
    """Reproduce the 2024 study's evaluation with cc-sandbox and write a report beside the study's
    quoted numbers: for each program, build it from its Debian source (cached), run the static
    analysis (whole program, and per phase with the study's transition point when the phasecut
    command is present), trace the bundled workloads (one phase and two), run them under the
    embedded kill-mode filters, and time each step.

    Exits 0 when every step ran and nothing is unsound, 1 when a traced syscall is outside a static
    set (UNSOUND) or a workload run was killed by its filter, 3 when a step failed. The report lists
    what is missing: failed steps, and parts that cannot be made here (per-phase static rows
    without the phasecut command; phases of a program with no point left to cut at).
    """
    subjects = select(programs, quick)
    started = time.monotonic()
    work = work or _default_work()
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)

    def progress(program: str, step: str) -> None:
        click.echo(f"cc-sandbox: [{time.monotonic() - started:7.1f} s] {program}: {step}", err=True)

    progress("toolchain", "computing the build cache key")
    toolchain = toolchain_key()
    from ..evaluate.run import evaluate_program  # the analysis and the tracer: only when it runs

    results_programs = [evaluate_program(s, out, work, toolchain, progress) for s in subjects]
    missing = [f"{p['name']}: {m}" for p in results_programs for m in p["missing"]]
    results: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "producer": f"cc-sandbox {__version__}",
        "complete": not missing,
        "missing": missing,
        "table": {"kernel": KERNEL_VERSION, "size": len(SYSCALL_NAMES)},
        "machine": _machine(),
        "wall_seconds": round(time.monotonic() - started, 1),
        "programs": results_programs,
        "study": {
            "quoted": True,
            "setup": study.SETUP,
            "table_size": study.TABLE_SIZE,
            "programs": study.PROGRAMS,
            "transitions": study.TRANSITIONS,
            "rows": [
                {
                    "table": r.table,
                    "tool": r.tool,
                    "kind": r.kind,
                    "blocked": r.blocked,
                    "allowed": {k: r.allowed(k) for k in r.blocked},
                    "seconds": r.seconds,
                    "phases": r.phases,
                    "note": r.note,
                }
                for r in study.ROWS
            ],
        },
    }
    from ..evaluate.document import render_html, render_markdown
    from ..evaluate.report import build_document  # matplotlib: slow to import

    document, figures = build_document(results)
    (out / "figures").mkdir(exist_ok=True)
    for figure in figures:
        _publish(out / "figures" / figure.name, figure.svg)
    _publish(out / "results.json", json.dumps(results, indent=1) + "\n")
    _publish(out / "report.md", render_markdown(document))
    _publish(out / "report.html", render_html(document))
    return _summary(results, out)


def _summary(results: dict[str, Any], out: Path) -> int:
    size = results["table"]["size"]
    click.echo(f"{'program':14}{'static':>8}{'traced':>8}{'unsound':>9}{'kills':>7}   (allowed, of {size})")
    bad = False
    for p in results["programs"]:
        static = p.get("static", {}).get("allowed_count", "-")
        traced = p.get("traced", {}).get("allowed_count", "-")
        unsound = len(p.get("unsound", [])) + sum(len(u) for u in p.get("phases", {}).get("unsound", []))
        kills = p.get("steps", {}).get("filters", {}).get("kills", "-")
        bad |= bool(unsound) or bool(kills and kills != "-")
        click.echo(f"{p['name']:14}{static!s:>8}{traced!s:>8}{unsound!s:>9}{kills!s:>7}")
    click.echo(f"report: {out / 'report.html'} (also report.md, results.json); {results['wall_seconds']:.1f} s")
    for p in results["programs"]:
        for step, outcome in p["steps"].items():
            if "error" in outcome:
                click.echo(f"cc-sandbox: error: {p['name']}: {step}: {outcome['error']}", err=True)
    failed = any("error" in o for p in results["programs"] for o in p["steps"].values())
    if results["missing"]:
        click.echo(f"cc-sandbox: the report is partial: {len(results['missing'])} part(s) missing", err=True)
    if failed:
        return 3
    return 1 if bad else 0

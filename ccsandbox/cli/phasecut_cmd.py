"""``cc-sandbox phasecut`` (also the ``phasecut`` console script): syscalls allowed per phase.

The analysis is :mod:`ccsandbox.analysis.phases`; this module only loads the target, renders the
result and maps bad input to one error line (through :func:`ccsandbox.cli.entry`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import __version__
from ..analysis.transitions import Transition
from ..facts.extract import load_facts
from ..syscalls import KERNEL_VERSION, SYSCALL_NAMES, name_of
from ..sysroot import libc_names
from .analyze_cmds import min_kernel_option, mode_option, settings, target_argument, transitions_option

if TYPE_CHECKING:
    from ..analysis.phases import PhaseAnalysis
    from ..analysis.suggest import Suggestion

FORMAT = "cc-sandbox-phasecut"

__all__ = ["phasecut", "phasecut_json"]


def phasecut_json(program: str, result: PhaseAnalysis, analysis: float, total: float) -> dict[str, Any]:
    """The ``cc-sandbox-phasecut`` document (PHASE-CONTRACT.md)."""
    size = len(SYSCALL_NAMES)
    phases = []
    previous: frozenset[int] | None = None
    for phase in result.phases:
        removed = sorted(previous - phase.allowed) if previous is not None else []
        phases.append(
            {
                "index": phase.index,
                "transition": None if phase.index == 0 else str(result.transitions[phase.index - 1]),
                "allowed_count": len(phase.allowed),
                "blocked_count": size - sum(1 for nr in phase.allowed if nr in SYSCALL_NAMES),
                "allowed": [
                    {"nr": nr, "name": name_of(nr), "why": phase.why.get(nr, "")} for nr in sorted(phase.allowed)
                ],
                "own": sorted(phase.own),
                "removed": [{"nr": nr, "name": name_of(nr)} for nr in removed],
            }
        )
        previous = phase.allowed
    return {
        "format": FORMAT,
        "version": 1,
        "producer": f"cc-sandbox {__version__}",
        "program": program,
        "table": {"kernel": KERNEL_VERSION, "size": size},
        "transitions": [str(t) for t in result.transitions],
        "phases": phases,
        "analysis_seconds": round(analysis, 3),
        "total_seconds": round(total, 3),
    }


def _render(doc: dict[str, Any]) -> str:
    size = doc["table"]["size"]
    lines = [f"program     {doc['program']}", f"table       x86_64, Linux {doc['table']['kernel']}, {size} syscalls"]
    for phase in doc["phases"]:
        start = "start-up (whole program)" if phase["transition"] is None else f"after {phase['transition']}"
        lines.append(
            f"phase {phase['index']}     {start}: {phase['allowed_count']} allowed, "
            f"{phase['blocked_count']} of {size} blocked"
        )
        if phase["removed"]:
            lines.append(
                f"  removes   {len(phase['removed'])}: " + " ".join(f"{r['name']}({r['nr']})" for r in phase["removed"])
            )
        lines.append("  allowed   " + " ".join(f"{a['name']}({a['nr']})" for a in phase["allowed"]))
    lines.append(f"analysis    {doc['analysis_seconds']:.2f} s, {doc['total_seconds']:.2f} s with loading the facts")
    return "\n".join(lines)


def _render_suggestions(program: str, found: list[Suggestion], whole: int, seconds: float) -> str:
    lines = [f"program     {program}", f"whole       {whole} allowed", "rank  allowed  removed  loops  transition"]
    for rank, s in enumerate(found, start=1):
        lines.append(f"{rank:>4}  {len(s.allowed):>7}  {whole - len(s.allowed):>7}  {s.work:>5}  {s.flag}")
        lines.append("      " + " ".join(f"{name_of(nr)}" for nr in sorted(s.allowed)))
    lines.append(f"analysis    {seconds:.2f} s")
    return "\n".join(lines)


@click.command("phasecut")
@target_argument
@transitions_option(
    "A transition, in program order (repeatable): --entry FUNC (its first entry) or "
    "--at CALLER:CALLEE (just before that call)."
)
@click.option("--suggest", is_flag=True, help="Rank candidate transitions by how much they block afterwards.")
@click.option("-n", "count", type=int, default=5, show_default=True, help="How many suggestions to show.")
@mode_option
@min_kernel_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (format cc-sandbox-phasecut).")
def phasecut(
    target: Path, transitions: tuple[str, ...], suggest: bool, count: int, mode: str, min_kernel: str, as_json: bool
) -> int:
    """Syscalls allowed per phase of TARGET (a binary built by cc-sandbox, its .bc, or .facts).

    Phase 0 runs from start-up; phase k begins when transition k first runs, in any thread. A
    phase allows everything any thread can still do from then on (the rest of every caller,
    exit paths, handlers, threads started earlier) and, as seccomp filters only tighten, all
    later phases too. As in the build's filter for kernels --min-kernel and newer, musl's ENOSYS
    fallbacks that such kernels never run are left out.
    """
    started = time.monotonic()
    if suggest == bool(transitions):
        raise click.UsageError("give --entry/--at transitions, or --suggest (not both)")
    from ..analysis.suggest import suggest_transitions  # the analysis: only when it runs
    from ..pipeline import compute_policy

    parsed = [Transition.parse(spec) for spec in transitions]
    loaded_facts = load_facts(target)
    loaded = time.monotonic()
    computed = compute_policy(loaded_facts, str(target), settings(mode, min_kernel), loaded)
    facts, whole, natives = computed.facts, computed.analysis, computed.natives
    if suggest:
        found = suggest_transitions(facts, natives, whole, count, libc_names())
        if as_json:
            click.echo(json.dumps([s.to_json() for s in found], indent=2))
        else:
            reach = computed.phases([]).phases[0]
            click.echo(_render_suggestions(str(target), found, len(reach.allowed), time.monotonic() - started))
        return 0
    result = computed.phases(parsed)
    done = time.monotonic()
    doc = phasecut_json(str(target), result, done - loaded, done - started)
    click.echo(json.dumps(doc, indent=2) if as_json else _render(doc))
    return 0


COMMANDS = (phasecut,)

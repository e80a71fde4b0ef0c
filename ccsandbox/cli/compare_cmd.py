"""``cc-sandbox compare``: a static policy against one or more traces."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click

from ..embed.source import read_policy_source
from ..errors import CcSandboxError
from ..trace.compare import Comparison, compare_phases, compare_sets, render_svg


def _trace(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise CcSandboxError(f"{path}: cannot read a trace ({err})") from None
    if not isinstance(data, dict) or data.get("format") != "cc-sandbox-trace":
        raise CcSandboxError(f"{path} is not a cc-sandbox trace (make one with `cc-sandbox trace -o FILE -- CMD`)")
    return data


def _render(c: Comparison) -> str:
    width = max(34, *(len(source) + 2 for source, _, _ in c.rows()))
    lines = [f"{'':{width}}{'allowed':>8}{'blocked':>9}   (of {c.to_json()['table_size']} x86_64 syscalls)"]
    lines += [f"{source:{width}}{allowed:>8}{blocked:>9}" for source, allowed, blocked in c.rows()]
    lines.append(f"UNSOUND ({len(c.unsound)}): {' '.join(c.unsound) or 'none'}")
    for phase in c.static_phases[1:]:
        traced = "not traced (trace with --phase-at at the same points)" if phase.dynamic is None else None
        unsound = f"UNSOUND ({len(phase.unsound)}): {' '.join(phase.unsound) or 'none'}"
        lines.append(f"phase {phase.index} ({phase.transition}): {traced or unsound}")
    lines.append(f"over-approximation ({len(c.over_approximation)}): {' '.join(c.over_approximation)}")
    if c.before_filter:
        lines.append(f"before the filter was installed (not counted): {' '.join(sorted(c.before_filter))}")
    lines.append("times: " + ", ".join(f"{k} {v:.2f} s" for k, v in c.times.items()))
    return "\n".join(lines)


@click.command("compare")
@click.argument("policy", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("traces", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--figure", type=click.Path(dir_okay=False, path_type=Path), help="Write an SVG bar chart here.")
def compare(policy: Path, traces: tuple[Path, ...], as_json: bool, figure: Path | None) -> int:
    """Compare the static POLICY (PROG.policy.json or a sandboxed binary) with TRACES from
    `cc-sandbox trace`. Syscalls seen at run time but not allowed are UNSOUND: listed first, and
    the exit status is 1. Calls made before the embedded filter was installed are shown apart.
    A binary built with phases is also compared phase by phase (trace it with --phase-at at the
    same points), and a phase's UNSOUND syscalls make the exit status 1 as well.
    """
    source = read_policy_source(policy)
    program, allowed, analysis_seconds = source.program, set(source.allowed), source.analysis_seconds
    documents = [_trace(t) for t in traces]
    times = {"analysis": analysis_seconds, "tracing": sum(float(d.get("seconds", 0)) for d in documents)}
    result = compare_sets(program, allowed, documents, times)
    if source.phases:
        result = dataclasses.replace(
            result, static_phases=tuple(compare_phases(source.phases, documents, result.program))
        )
    checked = sorted(source.args)
    if as_json:
        older = {"older_kernels": {"below": source.older_below, "also_allowed": list(source.older_kernels)}}
        click.echo(json.dumps({**result.to_json(), "argument_checked": checked, **older}, indent=2))
    else:
        click.echo(_render(result))
        if checked:  # traces record syscall numbers, not argument values
            click.echo(f"argument checks ({len(checked)}, not compared with the traces): {' '.join(checked)}")
        if source.older_kernels:
            click.echo(
                f"kernels older than {source.older_below} also get ({len(source.older_kernels)}, musl's ENOSYS "
                f"fallbacks): {' '.join(source.older_kernels)}"
            )
    if figure is not None:
        figure.write_text(render_svg(result))
    return 1 if result.unsound or result.phase_unsound else 0

"""``cc-sandbox analyze`` and ``cc-sandbox explain``: the syscall set of a program and why."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..analysis.constraints import ConstraintSet, explain_constraint, render_constraints
from ..analysis.exec_facts import EXECVE, EXECVEAT, ExecFacts
from ..analysis.policy import Policy
from ..analysis.settings import DEFAULT_MIN_KERNEL, IndirectMode, Settings, kernel_text
from ..artifacts import find_module
from ..errors import CcSandboxError
from ..syscalls import SYSCALL_NAMES, SYSCALL_NUMBERS, name_of
from .output import is_stdout, write_document

if TYPE_CHECKING:
    from ..pipeline import PolicyResult

# The analysis (and llvmlite) is imported inside the commands that run it, so that help
# and option errors cost nothing.

target_argument = click.argument("target", type=click.Path(path_type=Path))
mode_option = click.option(
    "--indirect",
    "mode",
    type=click.Choice([m.value for m in IndirectMode]),
    default=IndirectMode.SIGNATURE.value,
    show_default=True,
    help="How indirect calls are resolved: by function type only, or also by struct field.",
)


def transitions_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--entry FUNC`` / ``--at CALLER:CALLEE``, repeatable, kept in the order given (explain, phasecut)."""
    return click.option("--entry", "--at", "transitions", multiple=True, metavar="FUNC|CALLER:CALLEE", help=help_text)


def _exec_facts(target: Path, result: PolicyResult) -> ExecFacts:
    """What TARGET can exec; its module (absent for a bare .facts file) is read only when the
    facts predate ``exec_calls``."""
    try:
        module: Path | None = find_module(target) if target.suffix != ".facts" else None
    except CcSandboxError:
        module = None
    return result.exec_facts(module)


def _exec_lines(execs: ExecFacts) -> list[str]:
    if not execs.reachable:
        return ["exec        not reachable"]
    lines = [
        f"exec        via {', '.join(execs.functions) or '?'}" + ("; execs only itself" if execs.self_only else "")
    ]
    lines += [f"  runs      {source.describe()}" for source in execs.sources]
    lines += [f"  note      {note}" for note in execs.notes]
    return lines


min_kernel_option = click.option(
    "--min-kernel",
    default=DEFAULT_MIN_KERNEL,
    show_default=True,
    metavar="X.Y|none",
    help="Leave out musl's ENOSYS fallbacks that kernels X.Y and newer never run, as the build's "
    "filter for those kernels does (none: keep them).",
)


def settings(mode: str, min_kernel: str, unresolved: str = "allow-all") -> Settings:
    """The pipeline's settings from --indirect, --min-kernel and --unresolved."""
    return Settings(IndirectMode(mode), min_kernel, unresolved)


def _fallback_lines(report: dict[str, Any] | None) -> list[str]:
    if not report or not report["removed_syscalls"]:
        return []
    names = " ".join(report["removed_syscalls"])
    return [
        f"fallbacks   kernels older than {report['min_kernel']} also get: {names} "
        f"({report['older_kernel_allowed_count']} allowed; musl's ENOSYS fallbacks, "
        f"{report['removed_sites']} sites)"
    ]


def _render(policy: Policy, constraints: ConstraintSet) -> str:
    s = policy.stats
    names = " ".join(f"{name_of(nr)}({nr})" for nr in policy.allowed)
    lines = [
        f"program     {policy.program}",
        f"allowed     {len(policy.allowed)} syscalls; {policy.blocked_count} of {policy.table_size} blocked "
        f"(x86_64, Linux 6.18 table)" + ("  ** ALLOW-ALL: unresolved sites **" if policy.allow_all else ""),
        f"reachable   {s['reachable_functions']} of {s['functions']} functions from {len(s['roots'])} roots",
        f"indirect    {s['indirect_sites']} call sites -> {s['indirect_targets']} targets ({s['indirect_mode']} mode)",
        f"syscalls    {names}",
    ]
    if not policy.allow_all:
        lines += render_constraints(constraints)
    for u in policy.unresolved:
        lines.append(f"unresolved  {u.function}: {u.reason}")
    return "\n".join(lines)


@click.command("analyze")
@target_argument
@mode_option
@click.option(
    "--unresolved",
    type=click.Choice(["allow-all", "refuse"]),
    default="allow-all",
    show_default=True,
    help="What a syscall site with an unknown number does: widen the policy to everything, or fail.",
)
@min_kernel_option
@click.option("--json", "as_json", is_flag=True, help="Print the policy as JSON (format cc-sandbox-policy).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the policy JSON here (`-': to stdout, instead of the summary).",
)
def analyze(target: Path, mode: str, unresolved: str, min_kernel: str, as_json: bool, output: Path | None) -> int:
    """Compute the system calls TARGET can make (a binary built by cc-sandbox, its .bc, or .facts).

    Prints the allowed set with its size against the x86_64 table. Unknown syscall numbers are
    never dropped: they widen the policy to allow-all (the default) or fail with --unresolved refuse.
    The set is the one for kernels --min-kernel and newer; what older kernels also get (musl's
    ENOSYS fallbacks) is listed apart.
    """
    from ..pipeline import policy_for_target

    result = policy_for_target(target, settings(mode, min_kernel, unresolved))
    policy, constraints, report = result.policy, result.constraints, result.fallbacks
    execs = _exec_facts(target, result)
    document = json.dumps(result.document(execs), indent=2) + "\n"
    if output is not None:
        write_document(output, document.encode())
    if not (output is not None and is_stdout(output)):
        summary = [_render(policy, constraints), *_fallback_lines(report), *_exec_lines(execs)]
        click.echo(document.rstrip("\n") if as_json else "\n".join(summary))
    return 0


def _syscall_number(text: str) -> int:
    if text.isdigit():
        if int(text) not in SYSCALL_NAMES:
            raise CcSandboxError(f"unknown syscall number {text}: not in the x86_64 table (Linux 6.18)")
        return int(text)
    if text in SYSCALL_NUMBERS:
        return SYSCALL_NUMBERS[text]
    close = [n for n in SYSCALL_NUMBERS if text in n or n in text][:5]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise CcSandboxError(f"unknown syscall {text!r}{hint}")


@click.command("explain")
@target_argument
@click.argument("syscall")
@mode_option
@click.option("--phase", "phase", type=int, default=None, help="Explain it in this phase (0 = start-up).")
@transitions_option("The phase transitions, in order, as for `phasecut` (with --phase).")
@min_kernel_option
def explain(
    target: Path, syscall: str, mode: str, phase: int | None, transitions: tuple[str, ...], min_kernel: str
) -> int:
    """Show why SYSCALL (name or number) is allowed for TARGET: the shortest call chain from an
    entry point to a site that makes it, or the rule that always allows it. With --phase K and
    the transitions, the chain starts from what can still run in phase K (why is it allowed
    after the transition).
    """
    from ..analysis.fallbacks import fallback_report
    from ..analysis.phase_explain import explain_phase
    from ..analysis.report import explain_chain, explain_fields
    from ..analysis.transitions import Transition
    from ..pipeline import policy_for_target

    nr = _syscall_number(syscall)
    result = policy_for_target(target, settings(mode, min_kernel))
    facts, analysis, everywhere, pruning = result.facts, result.analysis, result.everywhere, result.pruning
    if phase is None:
        if transitions:
            raise click.UsageError("--entry/--at need --phase K")
        if pruning is None or nr in analysis.syscalls.sites or nr not in everywhere.syscalls.sites:
            lines = explain_chain(analysis, nr)
        else:
            lines = [
                f"{name_of(nr)} is allowed only on kernels older than {kernel_text(pruning.min_kernel)}: every way "
                "to it runs after a newer syscall answered -ENOSYS (musl's fallback), which newer kernels never do"
            ]
            lines += explain_chain(everywhere, nr)
            removed = fallback_report(set(everywhere.syscalls.sites), set(analysis.syscalls.sites), pruning)
            sites: list[dict[str, Any]] = removed["removed_syscalls"].get(name_of(nr), [])
            for site in sites:
                after = ", ".join(site["runs_only_after_enosys_from"])
                what = f"{site['kind']} {' '.join(site['what'])}"
                lines.append(f"  fallback  in {site['function']}: {what}, after -ENOSYS from {after}")
        lines += explain_fields(facts, analysis, nr)
        lines += explain_constraint(result.constraints, nr)
        if nr in (EXECVE, EXECVEAT):
            lines += _exec_lines(_exec_facts(target, result))
        click.echo("\n".join(lines))
        return 0
    parsed = [Transition.parse(t) for t in transitions]
    click.echo("\n".join(explain_phase(facts, result.natives, result.phases(parsed), phase, nr)))
    return 0


COMMANDS = (analyze, explain)

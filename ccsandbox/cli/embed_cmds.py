"""``cc-sandbox inspect`` and ``cc-sandbox export``: the policy a binary carries, and the same
policy for other enforcers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import click

from ..bpf.disasm import disassemble
from ..bpf.insn import RET_ALLOW, Insn, pack
from ..bpf.vm import reads_arguments, run
from ..embed.exports import FORMATS, LAUNCHERS, ExportSubject, export_policy, plan_export
from ..embed.source import read_policy_source
from ..section import STATE_INSTALL, EmbeddedPolicy, read_embedded
from ..syscalls import SYSCALL_NAMES, name_of
from .output import write_document


def _allowed_numbers(program: list[Insn], checked: set[str]) -> set[int]:
    """What ``program`` lets through: allowed outright, or by argument for a constrained syscall."""
    # numbers beyond the table too: a program may make a syscall newer than the table (470)
    return {
        nr
        for nr in set(SYSCALL_NAMES) | set(range(1024))
        if run(program, nr) == RET_ALLOW or (name_of(nr) in checked and reads_arguments(program, nr))
    }


def _check_filter(
    program: list[Insn], described: dict[str, Any], action: Any, label: str, checked: set[str]
) -> list[str]:
    """Problems between one filter and its description in the metadata. A syscall with an
    argument constraint (``checked``) counts as allowed when its verdict reads arguments; no other
    syscall's verdict may."""
    problems = []
    if hashlib.sha256(pack(program)).hexdigest() != described.get("filter_sha256"):
        problems.append(f"the {label} does not match the metadata's filter_sha256")
    if action != "allow-all":
        allowed = sorted(name_of(nr) for nr in _allowed_numbers(program, checked))
        if allowed != sorted(described.get("allowed", [])):
            problems.append(f"the {label} allows a different set than the metadata lists")
        unexpected = {name_of(nr) for nr in SYSCALL_NAMES if reads_arguments(program, nr)} - checked
        if unexpected:
            problems.append(
                f"the {label} checks arguments of {', '.join(sorted(unexpected))}, which no constraint lists"
            )
    return problems


def _kernel(version: tuple[int, int] | None) -> str:
    return "?" if version is None else f"{version[0]}.{version[1]}"


def _check_older_set(embedded: EmbeddedPolicy, checked: set[str]) -> list[str]:
    """Problems of the older kernels' filters (a second set, ``--min-kernel``). Set 0 drops
    only fallback code, so each of its filters must allow no more than the same phase's filter
    of set 1. Where the metadata describes the older kernels' filters (``older_kernels``), they
    must match it; with one set, every kernel gets set 0."""
    meta, problems = embedded.metadata, []
    older = embedded.older_kernel_programs
    described = meta.get("older_kernels")
    older_checked = checked
    if isinstance(described, dict) and isinstance(described.get("constraints"), dict):
        older_checked = {c["name"] for c in described["constraints"].get("constraints", [])}  # its own
    if older is not None:
        said = meta.get("min_kernel")
        if isinstance(said, list | tuple) and len(said) == 2:
            said = f"{said[0]}.{said[1]}"
        if isinstance(said, str) and said != _kernel(embedded.min_kernel):
            problems.append(f"the section picks by kernel {_kernel(embedded.min_kernel)}, the metadata says {said}")
        for k, (newer, program) in enumerate(zip(embedded.programs, older, strict=True)):
            if not _allowed_numbers(newer, checked) <= _allowed_numbers(program, older_checked):
                problems.append(f"the older-kernel phase {k} filter allows less than the newer kernels' one")
    if isinstance(described, dict):
        phases = described.get("phases") or [described]
        for k, (program, phase) in enumerate(zip(older or embedded.programs, phases, strict=False)):
            problems += _check_filter(
                program, phase, meta.get("action"), f"older-kernel phase {k} filter", older_checked
            )
    return problems


def _check(embedded: EmbeddedPolicy) -> list[str]:
    """Problems between the embedded filters and their metadata (empty when they agree)."""
    meta, problems = embedded.metadata, []
    if embedded.state != STATE_INSTALL:
        problems.append("the filter section was never written: the binary refuses to run")
    checked = {c["name"] for c in (meta.get("constraints") or {}).get("constraints", [])}
    problems += _check_filter(embedded.program, meta, meta.get("action"), "filter", checked)
    phases = meta.get("phases") or [meta]
    if len(phases) != len(embedded.programs):
        problems.append(f"the section holds {len(embedded.programs)} filter(s), the metadata describes {len(phases)}")
    for k, (program, described) in enumerate(zip(embedded.programs[1:], phases[1:], strict=False), start=1):
        problems += _check_filter(program, described, meta.get("action"), f"phase {k} filter", checked)
    return problems + _check_older_set(embedded, checked)


def _older_kernels_line(embedded: EmbeddedPolicy) -> str | None:
    """Which filters a kernel older than ``--min-kernel`` gets, when the binary carries two sets."""
    if embedded.older_kernel_programs is None:
        return None
    sizes = [len(p) for p in embedded.older_kernel_programs]
    per_phase = f" (phases 0..{len(sizes) - 1})" if len(sizes) > 1 else ""
    return (
        f"kernels      older than {_kernel(embedded.min_kernel)} (or of unknown version) get the unpruned "
        f"filters: {' + '.join(map(str, sizes))} instructions{per_phase}"
    )


def _fallback_line(meta: dict[str, Any]) -> str | None:
    """What the ENOSYS fallback rule left out of the newer kernels' filter, and why."""
    fallbacks = meta.get("fallbacks")
    if not isinstance(fallbacks, dict) or not fallbacks.get("removed_syscalls"):
        return None
    parts = []
    for name, sites in fallbacks["removed_syscalls"].items():
        newer = sorted({n for site in sites for n in site.get("runs_only_after_enosys_from", [])})
        parts.append(f"{name} (after -ENOSYS from {', '.join(newer)})" if newer else name)
    return f"fallbacks    left out on kernels {fallbacks.get('min_kernel')} and newer: {'; '.join(parts)}"


def _constraint_lines(meta: dict[str, Any]) -> list[str]:
    doc = meta.get("constraints") or {}
    lines = [f"  {c['name']:<14} {'; '.join(c['summary'])}" for c in doc.get("constraints", [])]
    if not lines:
        return ["args         none checked"]
    return [f"args         {len(lines)} syscalls checked by argument:", *lines]


def _show_phases(meta: dict[str, Any]) -> None:
    """One line per phase: where it begins, its size, and what it stops allowing."""
    phases = meta.get("phases") or []
    for k, phase in enumerate(phases):
        at = "start-up" if phase.get("transition") is None else phase["transition"]
        removed = sorted(set(phases[k - 1]["allowed"]) - set(phase["allowed"])) if k else []
        line = f"phase {k:<6} {len(phase['allowed'])} syscalls from {at}; {phase['instructions']} instructions"
        click.echo(line + (f"; drops {' '.join(removed)}" if removed else ""))


@click.command("inspect")
@click.argument("binary", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the embedded metadata as JSON.")
@click.option("--bpf", "show_bpf", is_flag=True, help="Also print the filter's disassembly.")
def inspect(binary: Path, as_json: bool, show_bpf: bool) -> int:
    """Show the seccomp policy embedded in BINARY and check that the filter matches it.

    Exits 1 if the filter and its metadata disagree, 3 if BINARY carries no policy.
    """
    embedded = read_embedded(binary)
    problems = _check(embedded)
    meta = embedded.metadata
    if as_json:
        sets: dict[str, Any] = {"older_kernel_instructions": None}
        if embedded.older_kernel_programs is not None:
            sets = {
                "min_kernel": _kernel(embedded.min_kernel),
                "older_kernel_instructions": [len(p) for p in embedded.older_kernel_programs],
            }
        click.echo(json.dumps({**meta, **sets, "problems": problems}, indent=2))
    else:
        click.echo(f"program      {meta.get('program', binary.name)}  (built by {meta.get('producer', '?')})")
        if meta.get("action") == "allow-all":
            unresolved = meta.get("unresolved", [])
            click.echo(
                "allowed      ALL SYSCALLS: ALLOW-ALL, built with --unresolved allow-all "
                f"({len(unresolved)} syscall site(s) with unknown numbers)"
            )
            for site in unresolved:
                click.echo(f"unresolved   {site}")
        else:
            click.echo(
                f"allowed      {len(meta.get('allowed', []))} syscalls; otherwise {meta.get('action')}"
                + (f" (errno {meta['errno']})" if meta.get("errno") else "")
            )
        rule = meta.get("exec_rule")
        why = f" ({rule.get('why')})" if isinstance(rule, dict) and rule.get("why") else ""
        click.echo(f"exec         {meta.get('exec') or 'not reachable'}{why}")
        if meta.get("denied"):
            click.echo(f"denied       {', '.join(meta['denied'])}  (removed with --deny)")
        newer = "" if embedded.min_kernel is None else f" (kernels {_kernel(embedded.min_kernel)} and newer)"
        click.echo(
            f"filter       {len(embedded.program)} BPF instructions{newer}, "
            f"sha256 {meta.get('filter_sha256', '?')[:16]}..."
        )
        for line in (_older_kernels_line(embedded), _fallback_line(meta)):
            if line is not None:
                click.echo(line)
        click.echo(f"module       sha256 {meta.get('module_sha256', '?')[:16]}...")
        click.echo("\n".join(_constraint_lines(meta)))
        click.echo(f"syscalls     {' '.join(meta.get('allowed', []))}")
        _show_phases(meta)
        click.echo("check        " + ("filter matches its metadata" if not problems else "; ".join(problems)))
    if show_bpf:
        click.echo("\n".join(disassemble(embedded.program)))
        if embedded.older_kernel_programs is not None:
            click.echo(f"\nolder than {_kernel(embedded.min_kernel)}:")
            click.echo("\n".join(disassemble(embedded.older_kernel_programs[0])))
    return 1 if problems else 0


@click.command("export")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="oci/docker: seccomp profile JSON; systemd: a [Service] drop-in; bpf: raw filter for bwrap --seccomp.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here (`-' or none: stdout)."
)
@click.option(
    "--allow",
    "extra",
    multiple=True,
    metavar="SYSCALL",
    help="Also allow SYSCALL (a name or an x86_64 number). Repeatable.",
)
@click.option(
    "--phase",
    "phase",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="K",
    help="Export phase K's set (of a binary built with --phase-entry/--phase-at); 0 is the start-up filter.",
)
def export(source: Path, fmt: str, output: Path | None, extra: tuple[str, ...], phase: int) -> int:
    """Export the policy of SOURCE (a sandboxed binary or a policy JSON) for another enforcer.

    Besides the policy, the export allows what its launcher does after loading it (bwrap:
    execve; runc: its init's last steps and execve) and, for a sandboxed binary, the binary's own
    filter install (uname, prctl, seccomp). The exec rule stays EPERM. Stacked filters combine to the
    strictest verdict, so a sandboxed binary still runs under exactly its own set.

    \b
    Examples:  cc-sandbox export ./prog --format docker -o prog.json
               docker run --security-opt seccomp=prog.json ...
               cc-sandbox export ./prog --format bpf -o prog.bpf
               bwrap --seccomp 3 ... 3<prog.bpf
               cc-sandbox export ./prog --format systemd -o /etc/systemd/system/prog.service.d/seccomp.conf
    """
    policy = read_policy_source(source)
    subject = ExportSubject(
        allowed=tuple(policy.enforced if policy.enforced is not None and phase == 0 else policy.phase(phase)),
        action=policy.action,
        errno=policy.errno,
        exec_mode=policy.exec_mode,
        sandboxed=policy.sandboxed,
        args=policy.args,
        older_kernels=policy.older_kernels,
        older_below=policy.older_below,
    )
    data = export_policy(subject, fmt, extra)
    plan = plan_export(subject, fmt, extra)
    for reason, names in plan.added.items():
        if names and reason != "--allow":
            click.echo(f"cc-sandbox: note: also allowed for {reason}: {' '.join(names)}", err=True)
    if plan.unchecked:
        why = (
            "systemd's SystemCallFilter= cannot check arguments"
            if fmt == "systemd"
            else f"{LAUNCHERS[fmt].name} or the binary's start-up needs them with its own values"
        )
        click.echo(
            f"cc-sandbox: note: {why}: {' '.join(plan.unchecked)} exported by name only "
            "(the binary's own filter still checks their arguments)",
            err=True,
        )
    write_document(output, data, binary=fmt == "bpf")
    return 0


COMMANDS = (inspect, export)

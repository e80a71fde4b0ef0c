"""Analyse a freshly linked (staged) binary and embed its filter, before it is published.

With sandboxing on, every failure here fails the link: a binary must never be published without
the filter it promises. With --no-sandbox the policy is still computed and written, best effort.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..analysis.exec_facts import ExecFacts
from ..analysis.policy import Policy
from ..analysis.settings import Settings, kernel_text
from ..bpf.insn import X32_SYSCALL_BIT
from ..errors import CcSandboxError, LinkError
from ..facts.extract import facts_of_module
from ..facts.schema import read_facts
from ..pipeline import PhaseSets, PolicyResult, compute_policy
from ..section import write_filters, write_metadata
from ..syscalls import SYSCALL_NAMES, SYSCALL_NUMBERS
from .enforce import Enforcement, enforce
from .exec_modes import ExecRule, build_rules
from .instructions import check_syscall_instructions
from .options import ENV, PolicyOptions
from .phases import check_not_in_handlers, marker_transitions

__all__ = ["analyse_and_embed", "unresolved_refusal"]

#: io_uring_setup: a ring's operations are performed by the kernel without a seccomp check.
IO_URING_SETUP = SYSCALL_NUMBERS["io_uring_setup"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unresolved_refusal(
    policy: Policy, program: str, in_libc: Callable[[str], bool] = lambda name: False, level: str = ""
) -> str:
    """The one line that fails a link whose policy would allow everything (fail closed).

    A site of the user's own code gets advice on how to write it; when every unknown number is
    in libc, the refusal is cc-sandbox's limitation and says so, naming the function."""
    # in libc, but unknown because the program calls it through a pointer (or it is an entry):
    # the program's doing, not a site cc-sandbox failed to read
    ours = [
        u
        for u in policy.unresolved
        if not in_libc(u.function) or "through a pointer" in u.reason or "entry point" in u.reason
    ]
    first = (ours or list(policy.unresolved))[0]
    more = (
        f" (and {len(policy.unresolved) - 1} more; see `cc-sandbox analyze {program}.bc`)"
        if len(policy.unresolved) > 1
        else ""
    )
    if not ours:
        return (
            f"{program}: a syscall number cc-sandbox cannot know, in musl's {first.function}"
            f"{f' (link at {level})' if level else ''}: {first.reason}{more}; "
            "this is a limitation of cc-sandbox, not of your code: please report it with the function and the "
            "optimisation level; meanwhile --unresolved allow-all (make/build, or "
            f"{ENV}='--unresolved allow-all') accepts a filter that allows every syscall"
        )
    return (
        f"{program}: a syscall number the analysis cannot know, in {first.function}: {first.reason}{more}; "
        "make the number a constant (e.g. syscall(SYS_x) or a switch over SYS_ constants), or accept a "
        "filter that allows every syscall with --unresolved allow-all (make/build, or "
        f"{ENV}='--unresolved allow-all')"
    )


def check_fini_array(entries: Sequence[tuple[int, frozenset[str]]], destructors: set[str], program: str) -> None:
    """Raise LinkError unless every .fini_array entry (address, function symbols there: read by
    ``driver.startup.check_startup``) is a destructor the module declares.

    The analysis models musl's libc_exit_fini as calling exactly the module's destructors (and
    parameterless functions, ``callgraph.fini_walk``); a pointer placed in .fini_array by other
    means (a section attribute on a variable) would run at exit unseen, so such a link is refused.
    """
    for address, names in entries:
        if not names & destructors:
            what = " or ".join(sorted(names)) or hex(address)
            raise LinkError(
                f"{program}: its .fini_array holds {what}, which is not a destructor of the module "
                "(a pointer placed in the section by hand); cc-sandbox cannot follow it and refuses it"
            )


def _enforce(
    result: PolicyResult,
    options: PolicyOptions,
    execs: ExecFacts,
    rules: list[ExecRule],
    phases: PhaseSets,
    older: bool = False,
) -> Enforcement:
    """The filters of the newer kernels' policy, or (``older``) of the one with every fallback."""
    policy = result.older if older and result.older is not None else result.policy
    return enforce(
        policy,
        options,
        result.program,
        phases,
        self_only=execs.self_only,
        exec_summary=execs.summary(),
        rules=rules,
        constraints=result.older_constraints if older else result.constraints,
    )


def _newer_kernels_options(options: PolicyOptions, policy: Policy, older: Policy | None) -> PolicyOptions:
    """The options of the newer kernels' filter: a --deny of a syscall only older kernels' filter
    allows (a fallback) applies to that filter alone."""
    if older is None:
        return options
    only_older = {SYSCALL_NAMES[nr] for nr in set(older.allowed) - set(policy.allowed) if nr in SYSCALL_NAMES}
    return replace(options, deny=tuple(name for name in options.deny if name not in only_older))


def analyse_and_embed(
    staged: Path,
    facts: Path | None,
    module: Path,
    program: str,
    options: PolicyOptions,
    phases: tuple[str, ...] = (),
    fini_array: Sequence[tuple[int, frozenset[str]]] = (),
    functions: Sequence[tuple[str, int, int]] = (),
    in_libc: Callable[[str], bool] = lambda name: False,
    level: str = "",
    labels: Sequence[tuple[str, int, int]] = (),
) -> tuple[dict[str, Any] | None, list[str]]:
    """The policy document for ``staged``, and notes for the user.

    Facts come from the pass that ran inside the link; without it (plugin not built, or
    CC_SANDBOX_NO_PLUGIN=1) from the module, as ``analyze`` gets them: opt-19 with the plugin,
    else the llvmlite extractor. ``phases`` are the transitions the marker pass placed
    (``--phase-entry``/``--phase-at``): one more filter each, and a "phases" entry in the policy.
    ``fini_array``, ``functions`` and ``labels`` are what the start-up check read from the linked ELF
    (``driver.startup.check_startup``). ``in_libc`` and ``level`` (the link's -O) shape the
    refusals: a site cc-sandbox cannot read in musl is reported as cc-sandbox's limitation, not
    as advice to rewrite libc.
    """
    started = time.monotonic()
    phase_sets: PhaseSets = []
    older_phases: PhaseSets = []
    try:
        parsed = read_facts(facts) if facts is not None else facts_of_module(module)
        # the filter for kernels >= --min-kernel, and with every fallback: what an older one may need
        result = compute_policy(parsed, program, Settings(min_kernel=options.min_kernel), started)
        policy, pruning = result.policy, result.pruning
        if phases:
            check_not_in_handlers(result.facts, result.analysis.roots, phases)
            markers = marker_transitions(len(phases))
            phase_sets = result.phase_sets(phases, markers)
            if result.older is not None:
                check_not_in_handlers(parsed, result.everywhere.roots, phases)
                older_phases = result.phase_sets(phases, markers, older=True)
        execs = result.exec_facts(module)
    except LinkError:
        raise  # a refused transition: already one complete message
    except CcSandboxError as err:
        if options.sandbox:
            raise LinkError(f"analysing {program} failed: {err}") from None
        return None, [f"analysing {program} failed: {err}"]
    if options.sandbox:
        check_syscall_instructions(staged, functions, parsed, result.natives, program, in_libc, level, labels)
        check_fini_array(fini_array, set(parsed.dtors), program)
    document = result.document(execs, phase_sets if phases else None)
    notes = []
    if options.sandbox and IO_URING_SETUP in policy.allowed:
        if not options.allow_io_uring:
            raise LinkError(
                f"{program}: it can reach io_uring_setup ({policy.allowed[IO_URING_SETUP]}), and operations "
                "submitted through an io_uring (open, read, write, connect, ...) never pass the seccomp filter; "
                "cc-sandbox refuses it (--allow-io-uring accepts it, and gives that bound away)"
            )
        notes.append(
            f"{program}: IO_URING ALLOWED (--allow-io-uring): what it does through a ring is not bounded by its filter"
        )
    x32 = sorted(nr for nr in policy.allowed if nr & X32_SYSCALL_BIT)  # negative numbers have the bit too
    if options.sandbox and x32:
        nr = x32[-1] if x32[-1] > 0 else x32[0]
        what = "an x32 number, and the filter kills every x32 call" if nr > 0 else "negative, which no filter allows"
        raise LinkError(
            f"{program}: syscall number {nr:#x} ({policy.allowed[nr]}) is {what}; make the call with an x86_64 number"
        )
    if policy.allow_all:
        if options.sandbox and options.unresolved != "allow-all":
            raise LinkError(unresolved_refusal(policy, program, in_libc, level))
        notes.append(
            f"{program}: ALLOW-ALL: {len(policy.unresolved)} syscall site(s) with unknown numbers "
            f"(first: {policy.unresolved[0].function}: {policy.unresolved[0].reason}); "
            + ("ITS FILTER ALLOWS EVERY SYSCALL" if options.sandbox else "its policy allows every syscall")
        )
    if options.sandbox:
        rules = build_rules(options.exec_rules, Path.cwd()) if execs.reachable else []
        newer_options = _newer_kernels_options(options, policy, result.older)
        enforcement = _enforce(result, newer_options, execs, rules, phase_sets)
        older_programs = None
        if pruning is not None:
            older_enforcement = _enforce(result, options, execs, rules, older_phases, older=True)
            older_programs = older_enforcement.programs
            if older_programs != enforcement.programs:
                described = ("allowed", "instructions", "filter_sha256", "phases", "constraints")
                enforcement.info["min_kernel"] = kernel_text(pruning.min_kernel)
                enforcement.info["fallbacks"] = document["fallbacks"]
                enforcement.info["older_kernels"] = {
                    "below": kernel_text(pruning.min_kernel),
                    **{key: older_enforcement.info[key] for key in described if key in older_enforcement.info},
                }
        write_filters(staged, enforcement.programs, older_programs, pruning.min_kernel if pruning else None)
        write_metadata(
            staged,
            {
                "format": "cc-sandbox-embedded",
                "version": 1,
                "producer": f"cc-sandbox {__version__}",
                "program": program,
                "module_sha256": _sha256(module),
                **enforcement.info,
                **(
                    {"unresolved": [f"{u.function}: {u.reason}" for u in policy.unresolved]} if policy.allow_all else {}
                ),
            },
        )
        document["enforcement"] = enforcement.info
        notes += enforcement.notes
    return document, notes

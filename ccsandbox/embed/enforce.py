"""From the analysed policy and the user's options to the filter that is embedded (pure).

* ``--deny NAME`` removes analysed syscalls (negative controls: the binary must then die there).
* exec: a filter is inherited across execve, so an exec'd program would be killed for any
  syscall outside this program's set. When execve/execveat are reachable the program's exec mode
  (embed/exec_modes.py) decides: ``block`` makes them fail with EPERM, so nothing is ever killed
  for exec'ing; ``allow`` keeps them, extended with the policies of the programs it may run;
  ``floor`` extends the set to the containers' default profile (embed/floor.py); ``none``
  allows everything.
* an allow-all policy (unresolved syscall numbers) still gets the architecture checks.
* phases (``--phase-entry``/``--phase-at``): one filter per phase, each built by the same rules
  from that phase's analysed (cumulative) set. Blocked exec fails with EPERM in every phase, so
  a phase never kills for exec'ing either.
* argument constraints (:mod:`..analysis.constraints`) become argument checks of the allowed
  syscalls they restrict, in every phase (a phase's calls are some of the whole program's),
  except where another program's needs are added by name: syscalls from ``--exec-allow``
  policies and the child's filter install keep no argument check, since an exec'd program
  passes values this analysis never saw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..analysis.constraints import Constraint, ConstraintSet
from ..analysis.policy import Policy
from ..bpf import insn as bpf
from ..bpf.args import ArgCmp
from ..bpf.compile import Action, build_filter
from ..bpf.insn import Insn, pack
from ..errors import CcSandboxError
from ..syscalls import SYSCALL_NUMBERS, name_of
from .exec_modes import ExecRule, Resolved, read_allowed_numbers, resolve
from .floor import load_floor
from .options import PolicyOptions

EXEC_SYSCALLS = (59, 322)  # execve, execveat
EPERM = 1
#: What a program built by cc-sandbox does before its own filter is active: when a sandboxed
#: program execs another one, the inherited filter must let the child install its own. uname:
#: a binary with two filter sets (``--min-kernel``, section v3) reads the kernel's release to
#: choose one (toolchain/runtime/cc_sandbox_rt.c); it reveals nothing the vDSO and /proc do not.
CHILD_INSTALLER = (63, 157, 317)  # uname, prctl(PR_SET_NO_NEW_PRIVS), seccomp

__all__ = ["EXEC_SYSCALLS", "Enforcement", "enforce"]


class Enforcement:
    """The filters to embed (``programs[K]`` for phase K) and what they mean."""

    def __init__(self, programs: list[list[Insn]], info: dict[str, Any], notes: list[str]) -> None:
        self.programs, self.info, self.notes = programs, info, notes

    @property
    def program(self) -> list[Insn]:
        """The filter installed at start-up."""
        return self.programs[0]


def _denied(options: PolicyOptions, allowed: set[int]) -> set[int]:
    unknown = [n for n in options.deny if n not in SYSCALL_NUMBERS]
    if unknown:
        raise CcSandboxError(f"--deny: unknown syscall name(s): {', '.join(unknown)}")
    absent = [n for n in options.deny if SYSCALL_NUMBERS[n] not in allowed]
    if absent:
        raise CcSandboxError(f"--deny: {', '.join(absent)} is not in the analysed policy, so denying it proves nothing")
    return {SYSCALL_NUMBERS[n] for n in options.deny}


#: Argument values the runtime itself passes, outside the analysed module: its installer's
#: prctl(PR_SET_NO_NEW_PRIVS) runs before the first filter, but a filter installed later (a
#: phase, an exec'd sandboxed child's constructor) makes the same call under an earlier filter.
RUNTIME_ARGS = {157: ArgCmp.eq(0, 38, 32)}  # prctl(PR_SET_NO_NEW_PRIVS, ...)


def _with_runtime_values(c: Constraint) -> Constraint:
    extra = RUNTIME_ARGS.get(c.nr)
    if extra is None or (extra,) in c.rule:
        return c
    return Constraint(c.nr, (*c.rule, (extra,)), (*c.summary, "(and the runtime's PR_SET_NO_NEW_PRIVS)"), c.reasons)


def _exec_note(program_name: str, mode: str, execs: list[int], exec_summary: str) -> str:
    what = f"{program_name} can exec ({exec_summary})"
    if mode == "block":
        names = ", ".join(map(name_of, execs))
        return (
            f"{what}; exec mode block: {names} fail with EPERM. If it must run programs: "
            f"--exec-mode {program_name}=allow:POLICY (their policies), or =floor for arbitrary commands"
        )
    if mode == "allow":
        return f"{what}; exec mode allow: what it runs inherits its filter and is killed outside it"
    if mode == "floor":
        return f"{what}; exec mode floor: it and what it runs share the containers' default profile"
    return f"{what}; exec mode none: it and everything it runs are UNSANDBOXED"


def _exec_rules(
    analysed: set[int], resolved: Resolved | None, execs: list[int]
) -> tuple[set[int], dict[int, int], set[int]]:
    """The allowed set, the special verdicts and what was added for exec'd programs (which gets
    no argument check) of one filter under the exec mode (``execs``: the exec syscalls the whole
    program can make)."""
    allowed = set(analysed)
    if resolved is None or resolved.mode == "none":
        return allowed, {}, set()
    if resolved.mode == "block":
        return allowed - set(execs), {nr: bpf.RET_ERRNO | EPERM for nr in execs}, set()
    if not set(EXEC_SYSCALLS) & allowed:
        return allowed, {}, set()  # a later phase that can no longer exec
    added: set[int] = set(CHILD_INSTALLER)
    if resolved.mode == "allow":
        for path in resolved.policies:
            added |= read_allowed_numbers(Path(path))
    else:  # floor
        added |= load_floor().allowed
    return allowed | added, {}, added


def enforce(
    policy: Policy,
    options: PolicyOptions,
    program_name: str,
    phases: list[tuple[str, frozenset[int]]] | None = None,
    *,
    self_only: bool = False,
    exec_summary: str = "",
    rules: Sequence[ExecRule] = (),
    constraints: ConstraintSet | None = None,
) -> Enforcement:
    """The filters for ``policy`` under ``options`` and the per-program exec ``rules``;
    ``self_only`` and ``exec_summary`` come from the program's exec facts (analysis/exec_facts.py);
    ``phases`` are (transition, analysed cumulative set) for phases 1, 2, ... (none without
    --phase-entry/--phase-at); ``constraints``: the argument checks of the whole program."""
    analysed = set(policy.allowed)
    notes: list[str] = []
    denied = _denied(options, analysed)
    analysed -= denied
    execs = sorted(set(EXEC_SYSCALLS) & analysed)
    resolved: Resolved | None = None
    exec_info: dict[str, Any] | None = None
    action = Action("allow") if policy.allow_all else Action(options.action, options.errno)
    if execs:
        resolved = resolve(program_name, rules, options.exec_mode, options.exec_allow, self_only)
        exec_info = {"why": resolved.why, "policies": list(resolved.policies)}
        if resolved.mode == "floor":
            floor = load_floor()
            exec_info["floor"] = {"profile": floor.source, "sha256": floor.sha256, "allowed": len(floor.allowed)}
        elif resolved.mode == "none":
            action = Action("allow")
        notes.append(_exec_note(program_name, resolved.mode, execs, exec_summary or "exec reachable"))
    exec_mode = resolved.mode if resolved else None
    found = constraints or ConstraintSet()
    sets = [(None, analysed)] + [(at, (set(nrs) & set(policy.allowed)) - denied) for at, nrs in phases or ()]
    programs, described = [], []
    enforced = ConstraintSet()
    for k, (at, phase_set) in enumerate(sets):
        allowed, special, unchecked = _exec_rules(phase_set, resolved, execs)
        kept = {
            nr: _with_runtime_values(c)
            for nr, c in found.constraints.items()
            if nr in allowed and nr not in unchecked and not policy.allow_all
        }
        if k == 0:
            enforced = ConstraintSet(kept, found.unconstrained)
        program = build_filter(allowed, action, special, {nr: c.rule for nr, c in kept.items()})
        programs.append(program)
        described.append(
            {
                "index": k,
                "transition": at,
                "allowed": sorted(name_of(n) for n in allowed),
                "instructions": len(program),
                "filter_sha256": hashlib.sha256(pack(program)).hexdigest(),
            }
        )
    info: dict[str, Any] = {
        "action": "allow-all" if policy.allow_all or action.name == "allow" else options.action,
        "errno": options.errno if options.action == "errno" else None,
        "exec": exec_mode,
        "exec_rule": exec_info,
        "denied": sorted(name_of(n) for n in denied),
        "allowed": described[0]["allowed"],
        "instructions": described[0]["instructions"],
        "filter_sha256": described[0]["filter_sha256"],
        **({"phases": described} if phases else {}),
    }
    if enforced.constraints:
        info["constraints"] = enforced.to_json()
    return Enforcement(programs, info, notes)

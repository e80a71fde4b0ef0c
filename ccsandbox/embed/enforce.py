"""From the analysed policy and the user's options to the filter that is embedded (pure).

* ``--deny NAME`` removes analysed syscalls (negative controls: the binary must then die there).
* exec: a filter is inherited across execve, so an exec'd program would be killed for any
  syscall outside this program's set. When execve/execveat are reachable the program's exec mode
  (embed/exec_modes.py) decides: ``block`` makes them fail with EPERM, so nothing is ever killed
  for exec'ing; ``allow`` keeps them, extended with the policies of the programs it may run;
  ``floor`` extends the set to the containers' default profile (embed/floor.py); ``none``
  allows everything.
* an allow-all policy (unresolved syscall numbers) still gets the architecture checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..analysis.policy import Policy
from ..bpf import insn as bpf
from ..bpf.compile import Action, build_filter
from ..bpf.insn import Insn, pack
from ..errors import CcSandboxError
from ..syscalls import SYSCALL_NUMBERS, name_of
from .exec_modes import ExecRule, resolve
from .floor import load_floor
from .options import PolicyOptions

EXEC_SYSCALLS = (59, 322)  # execve, execveat
EPERM = 1
#: What a program built by cc-sandbox does before its own filter is active: when a sandboxed
#: program execs another one, the inherited filter must let the child install its own.
CHILD_INSTALLER = (157, 317)  # prctl(PR_SET_NO_NEW_PRIVS), seccomp

__all__ = ["EXEC_SYSCALLS", "Enforcement", "enforce", "read_allowed_numbers"]


def read_allowed_numbers(path: Path) -> set[int]:
    """Syscall numbers a policy (cc-sandbox-policy JSON) or a trace (a "syscalls" list) allows."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise CcSandboxError(f"--exec-allow {path}: cannot read a policy from it ({err})") from None
    if isinstance(data, dict) and isinstance(data.get("allowed"), list):
        return {int(entry["nr"]) for entry in data["allowed"]}
    names: list[object] = []
    if isinstance(data, dict) and isinstance(data.get("syscalls"), list):
        names = list(data["syscalls"])
    elif isinstance(data, dict) and isinstance(data.get("programs"), list):
        # a cc-sandbox-trace: every traced image, including what ran before its own filter
        # (an exec'd sandboxed program installs its filter under the inherited one)
        for program in data["programs"]:
            if isinstance(program, dict):
                names += program.get("syscalls", []) + program.get("before_filter", [])
    else:
        raise CcSandboxError(
            f"--exec-allow {path}: not a cc-sandbox policy or trace (no 'allowed', 'programs' or 'syscalls' list)"
        )
    numbers = set()
    for name in names:
        if isinstance(name, str) and name.startswith("i386:"):
            continue  # i386 calls are killed by every filter's architecture check; nothing to allow
        if isinstance(name, int) or (isinstance(name, str) and name.isdigit()):
            numbers.add(int(name))
        elif isinstance(name, str) and name in SYSCALL_NUMBERS:
            numbers.add(SYSCALL_NUMBERS[name])
        else:
            raise CcSandboxError(f"--exec-allow {path}: {name!r} is not an x86_64 syscall")
    return numbers


class Enforcement:
    """The filter to embed and what it means."""

    def __init__(self, program: list[Insn], info: dict[str, Any], notes: list[str]) -> None:
        self.program, self.info, self.notes = program, info, notes


def _denied(options: PolicyOptions, allowed: set[int]) -> set[int]:
    unknown = [n for n in options.deny if n not in SYSCALL_NUMBERS]
    if unknown:
        raise CcSandboxError(f"--deny: unknown syscall name(s): {', '.join(unknown)}")
    absent = [n for n in options.deny if SYSCALL_NUMBERS[n] not in allowed]
    if absent:
        raise CcSandboxError(f"--deny: {', '.join(absent)} is not in the analysed policy, so denying it proves nothing")
    return {SYSCALL_NUMBERS[n] for n in options.deny}


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


def enforce(
    policy: Policy,
    options: PolicyOptions,
    program_name: str,
    self_only: bool = False,
    exec_summary: str = "",
    rules: Sequence[ExecRule] = (),
) -> Enforcement:
    """The filter for ``policy`` under ``options`` and the per-program exec ``rules``;
    ``self_only`` and ``exec_summary`` come from the program's exec facts (analysis/exec_facts.py)."""
    allowed = set(policy.allowed)
    notes: list[str] = []
    special: dict[int, int] = {}
    denied = _denied(options, allowed)
    allowed -= denied
    execs = sorted(set(EXEC_SYSCALLS) & allowed)
    exec_mode: str | None = None
    exec_info: dict[str, Any] | None = None
    action = Action("allow") if policy.allow_all else Action(options.action, options.errno)
    if execs:
        resolved = resolve(program_name, rules, options.exec_mode, options.exec_allow, self_only)
        exec_mode = resolved.mode
        exec_info = {"why": resolved.why, "policies": list(resolved.policies)}
        if resolved.mode == "block":
            allowed -= set(execs)
            special = {nr: bpf.RET_ERRNO | EPERM for nr in execs}
        elif resolved.mode == "allow":
            for path in resolved.policies:
                allowed |= read_allowed_numbers(Path(path))
            allowed |= set(CHILD_INSTALLER)
        elif resolved.mode == "floor":
            floor = load_floor()
            allowed |= floor.allowed | set(CHILD_INSTALLER)
            exec_info["floor"] = {"profile": floor.source, "sha256": floor.sha256, "allowed": len(floor.allowed)}
        else:  # none
            action = Action("allow")
        notes.append(_exec_note(program_name, resolved.mode, execs, exec_summary or "exec reachable"))
    program = build_filter(allowed, action, special)
    info = {
        "action": "allow-all" if policy.allow_all or action.name == "allow" else options.action,
        "errno": options.errno if options.action == "errno" else None,
        "exec": exec_mode,
        "exec_rule": exec_info,
        "denied": sorted(name_of(n) for n in denied),
        "allowed": sorted(name_of(n) for n in allowed),
        "instructions": len(program),
        "filter_sha256": hashlib.sha256(pack(program)).hexdigest(),
    }
    return Enforcement(program, info, notes)

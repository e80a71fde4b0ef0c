"""Exporting a policy for other enforcers (pure): OCI/Docker seccomp JSON, a systemd drop-in,
and the raw BPF program (what `bwrap --seccomp FD` reads)."""

from __future__ import annotations

import json
from typing import Any

from ..bpf.compile import Action, build_filter
from ..bpf.insn import pack
from ..syscalls import SYSCALL_NUMBERS

FORMATS = ("oci", "docker", "systemd", "bpf")
_OCI_ACTIONS = {
    "kill": "SCMP_ACT_KILL_PROCESS",
    "trap": "SCMP_ACT_TRAP",
    "errno": "SCMP_ACT_ERRNO",
    "log": "SCMP_ACT_LOG",
    "allow-all": "SCMP_ACT_ALLOW",
}
ERRNO_NAMES = {1: "EPERM", 13: "EACCES", 38: "ENOSYS"}

__all__ = ["FORMATS", "export_policy"]


def _oci(names: list[str], action: str, errno: int, comment: bool) -> str:
    profile: dict[str, Any] = {"defaultAction": _OCI_ACTIONS[action], "architectures": ["SCMP_ARCH_X86_64"]}
    if action == "errno":
        profile["defaultErrnoRet"] = errno
    rule: dict[str, Any] = {"names": names, "action": "SCMP_ACT_ALLOW"}
    if comment:
        rule["comment"] = "computed by cc-sandbox from the program's whole-program module"
    profile["syscalls"] = [rule] if names else []
    return json.dumps(profile, indent=2) + "\n"


def _systemd(names: list[str], action: str, errno: int) -> str:
    lines = [
        "# cc-sandbox: allowlist computed from the program's whole-program module",
        "[Service]",
        "SystemCallArchitectures=native",
        f"SystemCallFilter={' '.join(names)}",
    ]
    if action == "errno":
        lines.append(f"SystemCallErrorNumber={ERRNO_NAMES.get(errno, errno)}")
    elif action == "log":
        lines.append("SystemCallLog=~")
    return "\n".join(lines) + "\n"


def export_policy(names: list[str], fmt: str, action: str = "kill", errno: int = 1) -> bytes:
    """The allowlist ``names`` in format ``fmt`` (one of FORMATS)."""
    names = sorted(set(names))
    if fmt in ("oci", "docker"):
        return _oci(names, action, errno, comment=fmt == "docker").encode()
    if fmt == "systemd":
        return _systemd(names, action, errno).encode()
    if fmt == "bpf":
        chosen = Action("allow") if action == "allow-all" else Action(action, errno)
        return pack(build_filter({SYSCALL_NUMBERS[n] for n in names if n in SYSCALL_NUMBERS}, chosen))
    raise ValueError(f"unknown format {fmt!r}")

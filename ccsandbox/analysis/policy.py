"""From a resolved syscall set to the allowed set, and the policy document (pure).

The always-allowed syscalls are few and each is justified here: they are made by the kernel or
by musl's assembly on paths that no call graph shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..syscalls import KERNEL_VERSION, SYSCALL_NAMES, name_of
from .syscalls import SyscallSet, Unresolved

POLICY_FORMAT = "cc-sandbox-policy"
POLICY_VERSION = 1

#: Allowed in every policy, whatever the analysis finds.
ALWAYS_ALLOWED: dict[int, str] = {
    219: "restart_syscall: the kernel itself resumes an interrupted sleep, poll or futex wait with it "
    "(after SIGSTOP/SIGCONT or a debugger); no program code contains it",
    60: "exit: how a thread ends; musl's _Exit falls back to it after exit_group, and a thread must "
    "always be able to die",
    231: "exit_group: how the process ends; every exit path, including abort's last resort, needs it",
}

#: Allowed when another syscall is: number -> (trigger, why).
IMPLIED: dict[int, tuple[int, str]] = {
    15: (
        13,
        "rt_sigreturn: returning from a signal handler goes through musl's __restore_rt, which "
        "calls it; handlers can only be installed with rt_sigaction",
    ),
}

__all__ = ["ALWAYS_ALLOWED", "IMPLIED", "Policy", "allowed_syscalls"]


def allowed_syscalls(found: SyscallSet) -> dict[int, str]:
    """Number -> why it is allowed (a site, always-allowed, or implied)."""
    allowed = {
        nr: "site in " + ", ".join(fns[:3]) + (" ..." if len(fns) > 3 else "") for nr, fns in found.sites.items()
    }
    for nr, why in ALWAYS_ALLOWED.items():
        allowed.setdefault(nr, "always: " + why)
    for nr, (trigger, why) in IMPLIED.items():
        if trigger in allowed:
            allowed.setdefault(nr, "implied: " + why)
    return dict(sorted(allowed.items()))


@dataclass(frozen=True)
class Policy:
    """The allowed set of one program, with what the user needs to trust it."""

    program: str
    allowed: dict[int, str]
    unresolved: tuple[Unresolved, ...]
    allow_all: bool  # fail-closed outcome of unresolved sites
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def table_size(self) -> int:
        return len(SYSCALL_NAMES)

    @property
    def blocked_count(self) -> int:
        return 0 if self.allow_all else self.table_size - sum(1 for nr in self.allowed if nr in SYSCALL_NAMES)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": POLICY_FORMAT,
            "version": POLICY_VERSION,
            "producer": f"cc-sandbox {__version__}",
            "program": self.program,
            "arch": "x86_64",
            "table": {"kernel": KERNEL_VERSION, "size": self.table_size},
            "allow_all": self.allow_all,
            "allowed_count": len(self.allowed),
            "blocked_count": self.blocked_count,
            "allowed": [{"nr": nr, "name": name_of(nr), "why": why} for nr, why in self.allowed.items()],
            "unresolved": [{"function": u.function, "reason": u.reason} for u in self.unresolved],
            "analysis": self.stats,
        }

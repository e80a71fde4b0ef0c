"""What a trace holds: per program image, the syscalls its processes made (and per phase, and
their errors), and the trace's JSON form (``"format": "cc-sandbox-trace"``, schemas/trace.schema.json).

Calls are keyed by :func:`label`, so an i386 or x32 call is never counted under the x86_64 name
of the same number. The session (:mod:`.session`) fills the records; nothing here touches a process.
"""

from __future__ import annotations

import signal
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from ..bpf.insn import AUDIT_ARCH_I386
from ..bpf.insn import X32_SYSCALL_BIT as X32_BIT
from ..syscalls import name_of

#: How the tracee stops: once per syscall through a RET_TRACE filter, or at entry and exit.
Stops = Literal["seccomp", "syscall"]

__all__ = ["ProgramRecord", "Stops", "Trace", "label"]


def label(arch: int, nr: int) -> str:
    """A syscall's name for its ABI: x86_64 names; i386 and x32 calls are labelled as such."""
    if arch == AUDIT_ARCH_I386:
        return f"i386:{nr}"
    if nr & X32_BIT:
        return f"x32:{nr & ~X32_BIT}"
    return name_of(nr)


@dataclass
class ProgramRecord:
    image: str
    pids: set[int] = field(default_factory=set)
    calls: Counter[str] = field(default_factory=Counter)  # made while a seccomp filter was active
    unfiltered: Counter[str] = field(default_factory=Counter)  # made before any filter was installed
    filtered: bool = False  # did this program's tasks install a filter?
    phases: dict[int, Counter[str]] = field(default_factory=dict)  # phase -> calls made in it
    errors: Counter[str] = field(default_factory=Counter)  # calls that returned an error (two-stop mode)

    @property
    def after_filter(self) -> Counter[str]:
        """What the policy must allow: calls once a filter is active, or all when none ever was."""
        return self.calls if self.filtered else self.calls + self.unfiltered

    @property
    def before_filter(self) -> Counter[str]:
        return self.unfiltered if self.filtered else Counter()

    @property
    def all_calls(self) -> Counter[str]:
        return self.calls + self.unfiltered


@dataclass(frozen=True)
class Trace:
    command: list[str]
    exit_status: int | None  # None when the tracer detached and the program went on
    programs: list[ProgramRecord]
    seconds: float
    phase_points: tuple[str, ...] = ()
    stops: Stops = "syscall"
    signal: int | None = None  # the signal that killed the traced command
    interrupted: int | None = None  # the signal that interrupted the tracer (the record is partial)
    detached: bool = False
    attached: int | None = None  # the pid given to -p

    @property
    def errors_counted(self) -> bool:
        return self.stops == "syscall"

    def phase_report(self, record: ProgramRecord) -> list[dict[str, Any]]:
        """Per phase the raw set, and the cumulative set (this phase and every later one): under
        seccomp a filter can only narrow, so phase k's filter must allow all later phases too."""
        names = ["start", *self.phase_points]
        report = []
        for k in range(len(names)):
            later = set().union(*(record.phases.get(j, Counter()) for j in range(k, len(names))))
            report.append(
                {
                    "phase": k,
                    "at": names[k],
                    "syscalls": sorted(record.phases.get(k, Counter())),
                    "cumulative": sorted(later),
                }
            )
        return report

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "cc-sandbox-trace",
            "version": 1,
            "command": self.command,
            **({"attached": self.attached} if self.attached is not None else {}),
            "exit_status": self.exit_status,
            **({"signal": signal.Signals(self.signal).name} if self.signal else {}),
            **(
                {"interrupted": signal.Signals(self.interrupted).name, "detached": self.detached}
                if self.interrupted
                else {}
            ),
            "stops": self.stops,
            "seconds": round(self.seconds, 3),
            "programs": [
                {
                    "image": p.image,
                    "processes": len(p.pids),
                    "filtered": p.filtered,
                    "syscalls": sorted(p.after_filter),
                    "before_filter": sorted(p.before_filter),
                    "counts": dict(sorted(p.all_calls.items())),
                    **({"errors": dict(sorted(p.errors.items()))} if self.errors_counted else {}),
                    **({"phases": self.phase_report(p)} if self.phase_points else {}),
                }
                for p in self.programs
            ],
        }

"""The traced program's own seccomp filter, read at its install: does it only allow or kill?

In one-stop mode a call the program's filter denies never reaches the tracer's RET_TRACE stop.
For a filter whose verdicts are only ALLOW (or LOG, TRACE) and KILL, that loses nothing: a denied
call kills the task, and the tracer reads the call's number from ``orig_rax`` at the task's
PTRACE_EVENT_EXIT stop. Any other filter (ERRNO or TRAP verdicts, verdicts that depend on
arguments, or one this reader cannot read) makes the tracer trace that process with entry stops,
which come before seccomp.
"""

from __future__ import annotations

import functools
import os
import struct

from ..bpf import insn as bpf
from ..bpf import vm
from ..bpf.insn import Insn

__all__ = ["kills_only", "read_filter"]

_KILLS = frozenset({bpf.RET_KILL_PROCESS, bpf.RET_KILL_THREAD})
_PASSES = frozenset({bpf.RET_ALLOW, bpf.RET_LOG, bpf.RET_TRACE})
ACTION_FULL = 0xFFFF0000


def read_filter(pid: int, fprog: int) -> list[Insn] | None:
    """The program at ``struct sock_fprog *fprog`` in task ``pid``'s memory, or None if unreadable."""
    try:
        fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
        try:
            length, pointer = struct.unpack("=H6xQ", os.pread(fd, 16, fprog))
            blob = os.pread(fd, 8 * length, pointer)
        finally:
            os.close(fd)
        return bpf.unpack(blob) if len(blob) == 8 * length else None
    except (OSError, OverflowError, ValueError, struct.error):
        return None


def kills_only(program: list[Insn]) -> bool:
    """See :func:`_kills_only` (cached: a workload runs the same binary, with the same filter, often)."""
    return _kills_only(tuple(program))


@functools.lru_cache(maxsize=32)
def _kills_only(program: tuple[Insn, ...]) -> bool:
    """True when every verdict, for every number of both arches, is a pass or a kill, and no
    verdict can depend on the call's arguments or address (no load beyond ``nr`` and ``arch``)."""
    if any(code & 0x07 == bpf.LD and (code != bpf.LD_W_ABS or k >= 8) for code, _, _, k in program):
        return False
    listing = list(program)
    try:
        for arch in (bpf.AUDIT_ARCH_X86_64, bpf.AUDIT_ARCH_I386):
            for nr in [*range(1024), bpf.X32_SYSCALL_BIT, 0xFFFFFFFF]:
                action = vm.run(listing, nr, arch) & ACTION_FULL
                if action not in _PASSES and action not in _KILLS:
                    return False
    except ValueError:
        return False
    return True

"""Injecting a syscall into a running program with ptrace, as an exploit that controls the
program would issue it: the program is stopped at the entry of a chosen syscall and that call's
number and arguments are rewritten. seccomp runs after the tracer's syscall-entry stop (Linux
4.8+), so the filter judges the injected call. Or a call's result is rewritten at its exit stop,
as another kernel would answer it (``answer=-ENOSYS``: an older kernel)."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass

from ccsandbox.trace import _ptrace as pt

ORIG_RAX, RAX, RDI, RSI, RDX, R10, R8, R9 = 15, 10, 14, 13, 12, 7, 9, 8  # indices in user_regs_struct
ARG_REGS = (RDI, RSI, RDX, R10, R8, R9)


@dataclass(frozen=True)
class Outcome:
    signal: int | None  # the signal that ended the program, or None if it exited
    status: int | None  # its exit status otherwise


def _traceme() -> None:
    pt.ptrace(pt.PTRACE_TRACEME, 0)


ALIVE = Outcome(None, None)


def run_with_injection(
    argv: list[str],
    at_nr: int,
    inject: tuple[int, tuple[int, ...]] | None,
    occurrence: int = 1,
    stops_after: int | None = None,
    answer: int | None = None,
) -> Outcome:
    """Run ``argv``; at the entry of its ``occurrence``-th call of ``at_nr``, replace that call
    by ``inject`` = (number, arguments) when given; at its exit, make ``answer`` its result when
    given. Returns how the program ended, or :data:`ALIVE` if it still runs ``stops_after``
    syscall stops after that call (a server)."""
    child = subprocess.Popen(argv, preexec_fn=_traceme, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid = child.pid
    try:
        _, status = os.waitpid(pid, 0)  # the SIGTRAP of execve
        pt.ptrace(pt.PTRACE_SETOPTIONS, pid, 0, pt.O_TRACESYSGOOD | pt.O_EXITKILL)
        seen, delivered, after, answered = 0, 0, 0, False
        while True:
            pt.ptrace(pt.PTRACE_SYSCALL, pid, 0, delivered)
            _, status = os.waitpid(pid, 0)
            delivered = 0
            if os.WIFEXITED(status):
                return Outcome(None, os.WEXITSTATUS(status))
            if os.WIFSIGNALED(status):
                return Outcome(os.WTERMSIG(status), None)
            stop = os.WSTOPSIG(status)
            if stop != signal.SIGTRAP | 0x80:
                delivered = stop  # a real signal: pass it on
                continue
            if seen >= occurrence and stops_after is not None:
                after += 1
                if after > stops_after:
                    return ALIVE
            info = pt.syscall_info(pid)
            if info.op == pt.INFO_EXIT and answer is not None and seen == occurrence and not answered:
                answered = True
                regs = pt.get_regs(pid)
                regs.words[RAX] = answer & 0xFFFFFFFFFFFFFFFF
                pt.set_regs(pid, regs)
            if info.op == pt.INFO_ENTRY and info.nr == at_nr:
                seen += 1
                if seen == occurrence and inject is not None:
                    regs = pt.get_regs(pid)
                    nr, args = inject
                    regs.words[ORIG_RAX] = nr
                    for reg, value in zip(ARG_REGS, (*args, 0, 0, 0, 0, 0, 0), strict=False):
                        regs.words[reg] = value & 0xFFFFFFFFFFFFFFFF
                    pt.set_regs(pid, regs)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()

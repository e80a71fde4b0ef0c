"""Run a command under ptrace and record, per program image, the syscalls its processes make.

Follows fork, vfork, clone (threads) and exec; a process that execs is counted under the new
image from then on. Signals are forwarded to the tracee; the traced command's exit status is
returned (128+N when killed by signal N). PTRACE_O_EXITKILL kills the tracees if the tracer dies.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from errno import ESRCH
from pathlib import Path
from typing import Any

from ..errors import CcSandboxError
from ..syscalls import name_of
from . import _ptrace as pt
from .phases import PhasePoint, mapping_base, resolve_points

AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 = 0xC000003E, 0x40000003
X32_BIT = 0x40000000
OPTIONS = pt.O_TRACESYSGOOD | pt.O_TRACEFORK | pt.O_TRACEVFORK | pt.O_TRACECLONE | pt.O_TRACEEXEC | pt.O_EXITKILL

__all__ = ["ProgramRecord", "Trace", "label", "run_trace"]


def label(arch: int, nr: int) -> str:
    """A syscall's name for its ABI: x86_64 names; i386 and x32 calls are labelled as such."""
    if arch == AUDIT_ARCH_I386:
        return f"i386:{nr}"
    if nr & X32_BIT:
        return f"x32:{nr & ~X32_BIT}"
    return name_of(nr)


SECCOMP, SECCOMP_SET_MODE_FILTER = 317, 1


@dataclass
class ProgramRecord:
    image: str
    pids: set[int] = field(default_factory=set)
    calls: Counter[str] = field(default_factory=Counter)  # made while a seccomp filter was active
    unfiltered: Counter[str] = field(default_factory=Counter)  # made before any filter was installed
    filtered: bool = False  # did this program's tasks install a filter?
    phases: dict[int, Counter[str]] = field(default_factory=dict)  # phase -> calls made in it

    @property
    def after_filter(self) -> Counter[str]:
        """What the policy must allow: calls once a filter is active, or all when none ever was."""
        return self.calls if self.filtered else self.calls + self.unfiltered

    @property
    def before_filter(self) -> Counter[str]:
        return self.unfiltered if self.filtered else Counter()


@dataclass(frozen=True)
class Trace:
    command: list[str]
    exit_status: int
    programs: list[ProgramRecord]
    seconds: float
    phase_points: tuple[str, ...] = ()

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
            "exit_status": self.exit_status,
            "seconds": round(self.seconds, 3),
            "programs": [
                {
                    "image": p.image,
                    "processes": len(p.pids),
                    "filtered": p.filtered,
                    "syscalls": sorted(p.after_filter),
                    "before_filter": sorted(p.before_filter),
                    "counts": dict(sorted((p.calls + p.unfiltered).items())),
                    **({"phases": self.phase_report(p)} if self.phase_points else {}),
                }
                for p in self.programs
            ],
        }


class _Session:
    def __init__(self, root: int, image: str, points: list[PhasePoint] | None = None) -> None:
        self.root = root
        self.root_image = image
        self.points = points or []
        self.breakpoints: dict[int, tuple[int, int]] = {}  # address -> (phase, original word)
        self.phase_of: dict[int, int] = {}
        self.image_of = {root: image}
        self.records: dict[str, ProgramRecord] = {}
        self.alive = {root}
        self.started = {root}  # resumed at least once
        self.waiting: set[int] = set()  # new tasks stopped before their parent's event told us who they are
        self.exit_status: int | None = None
        self.filtered: set[int] = set()  # tasks with an active seccomp filter (inherited by children)

    def record(self, pid: int, arch: int, nr: int, arg0: int) -> None:
        image = self.image_of[pid]
        rec = self.records.setdefault(image, ProgramRecord(image))
        rec.pids.add(pid)
        name = label(arch, nr)
        (rec.calls if pid in self.filtered else rec.unfiltered)[name] += 1
        rec.phases.setdefault(self.phase_of.get(pid, 0), Counter())[name] += 1
        if arch == AUDIT_ARCH_X86_64 and nr == SECCOMP and arg0 == SECCOMP_SET_MODE_FILTER:
            self.filtered.add(pid)  # from the next call on (counted as filtered even if it failed)
            rec.filtered = True

    def resume(self, pid: int, sig: int = 0) -> None:
        try:
            pt.ptrace(pt.PTRACE_SYSCALL, pid, 0, sig)
            self.started.add(pid)
        except pt.TraceError as err:
            if err.errno != ESRCH:
                raise

    def on_stop(self, pid: int, status: int) -> None:
        sig, event = os.WSTOPSIG(status), status >> 16
        if sig == signal.SIGTRAP | 0x80:
            info = pt.syscall_info(pid)
            if info.op == pt.INFO_ENTRY:
                self.record(pid, info.arch, info.nr, info.args[0])
            return self.resume(pid)
        if sig == signal.SIGTRAP and event in (pt.EVENT_FORK, pt.EVENT_VFORK, pt.EVENT_CLONE):
            child = pt.event_message(pid)
            self.image_of[child] = self.image_of[pid]
            self.phase_of[child] = self.phase_of.get(pid, 0)
            if pid in self.filtered:
                self.filtered.add(child)
            self.alive.add(child)
            if child in self.waiting:
                self.waiting.discard(child)
                self.resume(child)
            return self.resume(pid)
        if sig == signal.SIGTRAP and event == pt.EVENT_EXEC:
            former = pt.event_message(pid)
            if former != pid:  # a non-leader thread exec'd and took over the leader's pid
                self.alive.discard(former)
            self.image_of[pid] = os.readlink(f"/proc/{pid}/exe")
            if pid == self.root and self.points and not self.breakpoints:
                self.plant(pid)
            return self.resume(pid)
        if sig == signal.SIGTRAP and self.breakpoints and self.on_breakpoint(pid):
            return None
        if pid not in self.started and sig == signal.SIGSTOP:  # a new task's initial stop
            if pid in self.image_of:
                return self.resume(pid)
            self.waiting.add(pid)
            return None
        return self.resume(pid, 0 if sig == signal.SIGTRAP else sig)  # forward the signal

    def plant(self, pid: int) -> None:
        """Write int3 at every transition point of the freshly exec'd root program."""
        base = mapping_base(pid, self.image_of[pid])
        for phase, point in enumerate(self.points, start=1):
            address = base + point.offset
            word = pt.peek(pid, address)
            self.breakpoints[address] = (phase, word)
            pt.poke(pid, address, (word & ~0xFF) | 0xCC)

    def enter_phase(self, pid: int, phase: int) -> None:
        """``pid`` reached transition ``phase``: so did every thread of its process, as a phase
        filter installed with TSYNC tightens them all (phases only ever advance)."""
        group = _thread_group(pid)
        for task in [pid, *self.alive]:
            if self.phase_of.get(task, 0) < phase and (task == pid or _thread_group(task) == group):
                self.phase_of[task] = phase

    def on_breakpoint(self, pid: int) -> bool:
        """A task hit a transition point: it enters that phase; step over the int3 and re-arm it."""
        regs = pt.get_regs(pid)
        address = regs.words[pt.RIP_INDEX] - 1
        if address not in self.breakpoints:
            return False
        phase, word = self.breakpoints[address]
        self.enter_phase(pid, phase)
        regs.words[pt.RIP_INDEX] = address
        pt.set_regs(pid, regs)
        pt.poke(pid, address, word)
        pt.ptrace(pt.PTRACE_SINGLESTEP, pid, 0, 0)
        _, status = os.waitpid(pid, pt.WALL)
        if os.WIFSTOPPED(status):
            pt.poke(pid, address, (word & ~0xFF) | 0xCC)
            self.resume(pid)
        else:
            self.on_exit(pid, status)
        return True

    def on_exit(self, pid: int, status: int) -> None:
        self.alive.discard(pid)
        if pid == self.root:
            self.exit_status = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def _thread_group(pid: int) -> int | None:
    """The process (thread group) task ``pid`` belongs to; None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("Tgid:"))
    except (OSError, StopIteration, ValueError):
        return None


def _executable(command: list[str]) -> str:
    """The program ``command`` runs, found like a shell would; one clear error if it cannot run."""
    path = shutil.which(command[0]) if "/" not in command[0] else command[0]
    if path is None or not os.path.isfile(path):
        raise CcSandboxError(f"{command[0]}: command not found")
    if not os.access(path, os.X_OK):
        raise CcSandboxError(f"{path}: not executable")
    return path


def _start(
    path: str, command: list[str], stdin: int | None, env: dict[str, str] | None, cwd: str | None, quiet: bool
) -> tuple[int, str]:
    pid = os.fork()
    if pid == 0:  # the tracee: stop so the tracer can set options, then exec
        try:
            if stdin is not None:
                os.dup2(stdin, 0)
            if quiet:  # workload runs: the program's output is not the tracer's
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 1)
                os.dup2(null, 2)
            if cwd is not None:
                os.chdir(cwd)
            pt.ptrace(pt.PTRACE_TRACEME, 0)
            os.kill(os.getpid(), signal.SIGSTOP)
            os.execve(path, command, env if env is not None else os.environ)
        finally:
            os._exit(127)
    _, status = os.waitpid(pid, pt.WALL)
    if not os.WIFSTOPPED(status):
        raise CcSandboxError(
            "the traced process did not stop for the tracer: is ptrace permitted here? "
            "(check /proc/sys/kernel/yama/ptrace_scope and seccomp of this shell)"
        )
    pt.ptrace(pt.PTRACE_SETOPTIONS, pid, 0, OPTIONS)
    return pid, os.path.realpath(path)


def run_trace(
    command: list[str],
    phase_at: list[str] | None = None,
    on_start: Callable[[int], None] | None = None,
    stdin: int | None = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    quiet: bool = False,
) -> Trace:
    """Trace ``command`` to its end; ``phase_at`` are transition points (symbols or 0xOFFSETs);
    ``on_start`` is told the traced process's pid (e.g. to stop a server later)."""
    started = time.monotonic()
    path = _executable(command)
    points = resolve_points(Path(path), phase_at) if phase_at else []
    pid, image = _start(path, command, stdin, env, cwd, quiet)
    session = _Session(pid, image, points)
    session.resume(pid)
    if on_start is not None:
        on_start(pid)
    try:
        while session.alive:
            try:
                waited, status = os.waitpid(-1, pt.WALL)
            except ChildProcessError:
                break
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                session.on_exit(waited, status)
            elif os.WIFSTOPPED(status):
                session.alive.add(waited)
                session.on_stop(waited, status)
    except BaseException:
        for task in session.alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(task, signal.SIGKILL)
        raise
    status_code = session.exit_status if session.exit_status is not None else 128 + signal.SIGKILL
    programs = sorted(session.records.values(), key=lambda r: (r.image != image, r.image))
    return Trace(
        command=command,
        exit_status=status_code,
        programs=programs,
        seconds=time.monotonic() - started,
        phase_points=tuple(phase_at or ()),
    )

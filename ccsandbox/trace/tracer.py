"""Run a command (or attach to a process) under ptrace and record, per program image, the syscalls
its processes make.

Follows fork, vfork, clone (threads) and exec; a process that execs is counted under the new
image from then on. Signals are forwarded to the tracee. PTRACE_O_EXITKILL kills launched
tracees if the tracer dies (attached ones are left alone).

Two ways to stop the tracee (:class:`Stops`):

- ``seccomp`` (one stop per syscall, as ``strace --seccomp-bpf``): the forked child installs a
  ``ret SECCOMP_RET_TRACE`` filter before exec, and the tracer resumes with PTRACE_CONT, so each
  syscall stops once (PTRACE_EVENT_SECCOMP) instead of twice. Needs CAP_SYS_ADMIN (root) for
  the install, and the filter stays in the tracees: detaching would leave every later call
  failing with ENOSYS, so ``detach`` on interrupt and ``-p`` use the other mode. A filter of the
  traced program itself stacks on top: a call it denies never reaches our RET_TRACE stop, so
  once a process installs its own filter, its tasks are traced with syscall-entry stops, which
  come before seccomp, and nothing it tries is missed.
- ``syscall`` (two stops, entry and exit): PTRACE_SYSCALL. Sees errors (the ``--summary`` table).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from errno import ESRCH
from pathlib import Path
from types import FrameType
from typing import Any, Literal

from ..bpf.insn import X32_SYSCALL_BIT as X32_BIT
from ..errors import CcSandboxError
from ..syscalls import name_of
from . import _ptrace as pt
from .ownfilter import kills_only, read_filter
from .phases import PhasePoint, mapping_base, resolve_points

AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 = 0xC000003E, 0x40000003
FOLLOW = pt.O_TRACESYSGOOD | pt.O_TRACEFORK | pt.O_TRACEVFORK | pt.O_TRACECLONE | pt.O_TRACEEXEC
EXECVE, PRCTL, SECCOMP = 59, 157, 317
SECCOMP_SET_MODE_FILTER, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 1, 22, 2
SECCOMP_STOP = 0x7F | signal.SIGTRAP << 8 | pt.EVENT_SECCOMP << 16  # the wait status of a RET_TRACE stop
GROUP_STOP_SIGNALS = frozenset({signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU})

Stops = Literal["seccomp", "syscall"]
OnInterrupt = Literal["kill", "detach"]

__all__ = [
    "CommandNotExecutable",
    "CommandNotFound",
    "OnInterrupt",
    "ProgramRecord",
    "Stops",
    "Trace",
    "label",
    "one_stop_available",
    "run_trace",
]


class CommandNotFound(CcSandboxError):
    """The command to trace does not exist (the shell's and strace's 127)."""

    exit_code = 127


class CommandNotExecutable(CcSandboxError):
    """The command exists but cannot be executed (the shell's and strace's 126)."""

    exit_code = 126


def label(arch: int, nr: int) -> str:
    """A syscall's name for its ABI: x86_64 names; i386 and x32 calls are labelled as such."""
    if arch == AUDIT_ARCH_I386:
        return f"i386:{nr}"
    if nr & X32_BIT:
        return f"x32:{nr & ~X32_BIT}"
    return name_of(nr)


def one_stop_available() -> bool:
    """Can a child install the RET_TRACE filter without no_new_privs? (CAP_SYS_ADMIN, bit 21)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> 21 & 1)
    except OSError:
        pass
    return os.geteuid() == 0


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


class _Interrupted(Exception):
    """Raised by the signal handler, only while the tracer blocks in waitpid."""


class _Session:
    def __init__(
        self, root: int, image: str, points: list[PhasePoint], stops: Stops, seized: bool, armed: bool
    ) -> None:
        self.root = root
        self.points = points
        self.one_stop = stops == "seccomp"
        self.seized = seized  # attached with PTRACE_SEIZE: new tasks report PTRACE_EVENT_STOP
        self.armed = armed  # launched commands: record from the root's execve on (not the fork's set-up)
        self.breakpoints: dict[int, tuple[int, int]] = {}  # address -> (phase, original word)
        self.phase_of: dict[int, int] = {}
        self.image_of = {root: image}
        self.tgid_of = {root: root}
        self.records: dict[str, ProgramRecord] = {}
        self.alive = {root}
        self.started = {root}  # resumed at least once
        self.waiting: set[int] = set()  # new tasks stopped before their parent's event told us who they are
        self.exit_status: int | None = None
        self.signal: int | None = None
        self.filtered: set[int] = set()  # tasks with an active seccomp filter (inherited by children)
        self.full: set[int] = set()  # thread groups traced with syscall-entry stops in one-stop mode
        self.killers: set[int] = set()  # thread groups under a filter of their own that only kills
        self.entered: dict[int, tuple[ProgramRecord, str]] = {}  # task -> the call it is in (errors)
        self.interrupted: int | None = None
        self.in_wait = False

    # --- recording -------------------------------------------------------------------------

    def record(self, pid: int, arch: int, nr: int, args: Sequence[int] = (0, 0, 0)) -> None:
        if not self.armed:
            if pid != self.root or nr != EXECVE:
                return
            self.armed = True
        image = self.image_of[pid]
        rec = self.records.get(image)
        if rec is None:
            rec = self.records[image] = ProgramRecord(image)
        rec.pids.add(pid)
        name = label(arch, nr)
        (rec.calls if pid in self.filtered else rec.unfiltered)[name] += 1
        phase = self.phase_of.get(pid, 0)
        counter = rec.phases.get(phase)
        if counter is None:
            counter = rec.phases[phase] = Counter()
        counter[name] += 1
        if not self.one_stop:
            self.entered[pid] = (rec, name)
        if arch == AUDIT_ARCH_X86_64 and (
            (nr == SECCOMP and args[0] == SECCOMP_SET_MODE_FILTER)
            or (nr == PRCTL and args[0] == PR_SET_SECCOMP and args[1] == SECCOMP_MODE_FILTER)
        ):
            self.filtered.add(pid)  # from the next call on (counted as filtered even if it failed)
            rec.filtered = True
            if self.one_stop:
                self.on_own_filter(pid, args[2])

    def on_own_filter(self, pid: int, fprog: int) -> None:
        """The program installs a filter: a call it denies will not reach our RET_TRACE stop. If it
        only kills, the call is read at the task's exit stop; otherwise trace with entry stops."""
        tgid = self.tgid_of.get(pid, pid)
        program = read_filter(pid, fprog)
        if program is not None and kills_only(program):
            self.killers.add(tgid)
        else:
            self.full.add(tgid)

    def on_exit_stop(self, pid: int) -> None:
        """PTRACE_EVENT_EXIT: a task killed by its program's filter (SIGSYS) was in the denied call."""
        if self.tgid_of.get(pid) in self.killers:
            code = pt.event_message(pid)
            if os.WIFSIGNALED(code) and os.WTERMSIG(code) == signal.SIGSYS:
                nr = pt.get_regs(pid).words[pt.ORIG_RAX_INDEX]
                if nr < X32_BIT:  # -1 (all ones) when it was not in a syscall
                    self.record(pid, AUDIT_ARCH_X86_64, nr)
        self.resume(pid)

    def record_exit(self, pid: int, is_error: int) -> None:
        entered = self.entered.pop(pid, None)
        if entered is not None and is_error:
            entered[0].errors[entered[1]] += 1

    # --- stops -------------------------------------------------------------------------------

    def resume(self, pid: int, sig: int = 0) -> None:
        full = not self.one_stop or self.tgid_of.get(pid) in self.full
        err = pt.resume(pt.PTRACE_SYSCALL if full else pt.PTRACE_CONT, pid, sig)
        if err and err != ESRCH:
            raise pt.TraceError("resuming", err, pid)
        self.started.add(pid)

    def on_stop(self, pid: int, status: int) -> None:
        sig, event = (status >> 8) & 0xFF, status >> 16
        if sig == signal.SIGTRAP | 0x80:  # syscall-entry or -exit stop
            info = pt.syscall_info(pid)
            if info.op == pt.INFO_ENTRY:
                self.record(pid, info.arch, info.nr, info.args)
            elif info.op == pt.INFO_EXIT and not self.one_stop:
                self.record_exit(pid, info.args[0] & 0xFF)
            return self.resume(pid)
        if sig == signal.SIGTRAP and event == pt.EVENT_SECCOMP:
            if self.tgid_of.get(pid) not in self.full:  # else recorded at its entry stop
                info = pt.syscall_info(pid)
                self.record(pid, info.arch, info.nr, info.args)
            return self.resume(pid)
        if sig == signal.SIGTRAP and event == pt.EVENT_EXIT:
            return self.on_exit_stop(pid)
        if sig == signal.SIGTRAP and event in (pt.EVENT_FORK, pt.EVENT_VFORK, pt.EVENT_CLONE):
            return self.on_new_task(pid, pt.event_message(pid), event)
        if sig == signal.SIGTRAP and event == pt.EVENT_EXEC:
            return self.on_exec(pid)
        if sig == signal.SIGTRAP and self.breakpoints and self.on_breakpoint(pid):
            return None
        if pid not in self.started and (sig == signal.SIGSTOP or event == pt.EVENT_STOP):  # a new task's first stop
            if pid in self.image_of:
                return self.resume(pid)
            self.waiting.add(pid)
            return None
        if event == pt.EVENT_STOP:  # seized tasks: a group-stop (stay stopped until SIGCONT) or our interrupt
            if sig in GROUP_STOP_SIGNALS:
                pt.resume(pt.PTRACE_LISTEN, pid, 0)
                return None
            return self.resume(pid)
        return self.resume(pid, 0 if sig == signal.SIGTRAP else sig)  # forward the signal

    def on_new_task(self, parent: int, child: int, event: int) -> None:
        self.image_of[child] = self.image_of[parent]
        self.phase_of[child] = self.phase_of.get(parent, 0)
        self.tgid_of[child] = (
            self.tgid_of.get(parent, parent) if event == pt.EVENT_CLONE and _is_thread(child) else child
        )
        if self.tgid_of[child] != self.tgid_of[parent]:  # a child process inherits its parent's filters
            if self.tgid_of[parent] in self.full:
                self.full.add(child)
            if self.tgid_of[parent] in self.killers:
                self.killers.add(child)
        if parent in self.filtered:
            self.filtered.add(child)
        self.alive.add(child)
        if child in self.waiting:
            self.waiting.discard(child)
            self.resume(child)
        self.resume(parent)

    def on_exec(self, pid: int) -> None:
        former = pt.event_message(pid)
        if former != pid:  # a non-leader thread exec'd and took over the leader's pid
            self.alive.discard(former)
        if not self.armed and pid == self.root:  # the one-stop filter did not get installed
            self.armed = True
            self.full.add(self.tgid_of.get(pid, pid))
            self.record(pid, AUDIT_ARCH_X86_64, EXECVE)
        self.image_of[pid] = os.readlink(f"/proc/{pid}/exe")
        if pid == self.root and self.points and not self.breakpoints:
            self.plant(pid)
        self.resume(pid)

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
        self.entered.pop(pid, None)
        if pid == self.root:
            if os.WIFEXITED(status):
                self.exit_status = os.WEXITSTATUS(status)
            else:
                self.signal = os.WTERMSIG(status)
                self.exit_status = 128 + self.signal

    # --- the loop and its end ------------------------------------------------------------------

    def loop(self) -> None:
        waitpid, syscall_info, resume, tgid_of, full = os.waitpid, pt.syscall_info, pt.resume, self.tgid_of, self.full
        while self.alive and self.interrupted is None:
            self.in_wait = True
            try:
                waited, status = waitpid(-1, pt.WALL)
            except (ChildProcessError, _Interrupted):
                break
            finally:
                self.in_wait = False
            if status == SECCOMP_STOP and tgid_of.get(waited) not in full:  # the hot path, once per syscall
                info = syscall_info(waited)
                self.record(waited, info.arch, info.nr, info.args)
                # the call may have been the program's own filter install, which switches this
                # process to entry stops (on_own_filter): from the next call on, so resume with
                # PTRACE_SYSCALL at once, or the next call's only stop would be skipped as "full"
                err = resume(pt.PTRACE_SYSCALL if tgid_of.get(waited) in full else pt.PTRACE_CONT, waited, 0)
                if err and err != ESRCH:
                    raise pt.TraceError("resuming", err, waited)
                continue
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                self.on_exit(waited, status)
            elif os.WIFSTOPPED(status):
                self.alive.add(waited)
                self.on_stop(waited, status)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.interrupted = signum
        if self.in_wait:
            raise _Interrupted

    def kill_all(self) -> None:
        """End every tracee and collect their ends (tasks might be stopped or running)."""
        for task in list(self.alive):
            with contextlib.suppress(ProcessLookupError):
                os.kill(task, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.alive and time.monotonic() < deadline:
            try:
                waited, status = os.waitpid(-1, pt.WALL)
            except ChildProcessError:
                break
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                self.on_exit(waited, status)
            else:  # e.g. its PTRACE_EVENT_EXIT stop, which SIGKILL does not skip
                pt.resume(pt.PTRACE_CONT, waited, 0)

    def detach_all(self) -> None:
        """Leave every tracee running untraced. A task must be in a ptrace-stop to be detached:
        a running one is stopped first (SIGSTOP, or PTRACE_INTERRUPT when seized), and the
        processes get SIGCONT at the end in case that stop outlived the detach."""
        stopped_by_us: set[int] = set()
        for task in sorted(self.alive):
            if pt.resume(pt.PTRACE_DETACH, task, 0) == 0:
                continue
            if self.seized:
                pt.resume(pt.PTRACE_INTERRUPT, task, 0)
            else:
                pt.tgkill(self.tgid_of.get(task, task), task, signal.SIGSTOP)
                stopped_by_us.add(self.tgid_of.get(task, task))
            while True:
                try:
                    _, status = os.waitpid(task, pt.WALL)
                except ChildProcessError:
                    break
                if not os.WIFSTOPPED(status):
                    break
                sig, event = os.WSTOPSIG(status), status >> 16
                forward = 0 if (sig & 0x80 or event or sig in (signal.SIGSTOP, signal.SIGTRAP)) else sig
                if pt.resume(pt.PTRACE_DETACH, task, forward) == 0:
                    break
        for tgid in stopped_by_us:
            with contextlib.suppress(ProcessLookupError):
                os.kill(tgid, signal.SIGCONT)
        self.alive.clear()


def _is_thread(tid: int) -> bool:
    """Is the new task ``tid`` a thread of another task (CLONE_THREAD), not a process?"""
    try:
        for line in Path(f"/proc/{tid}/status").read_text().splitlines():
            if line.startswith("Tgid:"):
                return int(line.split()[1]) != tid
    except OSError:
        pass
    return False


def _thread_group(pid: int) -> int | None:
    """The process (thread group) task ``pid`` belongs to; None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("Tgid:"))
    except (OSError, StopIteration, ValueError):
        return None


def _executable(command: list[str]) -> str:
    """The program ``command`` runs, found like a shell would; 127/126 like the shell if it cannot."""
    if "/" in command[0]:
        path: str | None = command[0]
        if not os.path.exists(command[0]):
            raise CommandNotFound(f"{command[0]}: no such file")
    else:
        path = shutil.which(command[0])
        if path is None:
            raise CommandNotFound(f"{command[0]}: command not found")
    assert path is not None
    if os.path.isdir(path) or not os.access(path, os.X_OK):
        raise CommandNotExecutable(f"{path}: not executable")
    return path


def _start(
    path: str,
    command: list[str],
    stdin: int | None,
    env: dict[str, str] | None,
    cwd: str | None,
    quiet: bool,
    one_stop: bool,
) -> tuple[int, str]:
    trace_filter = pt.TraceFilter() if one_stop else None  # built before fork: the child only installs it
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
            if trace_filter is not None:
                trace_filter.install()  # if it fails the tracer notices at exec and falls back
            os.execve(path, command, env if env is not None else os.environ)
        finally:
            os._exit(127)
    _, status = os.waitpid(pid, pt.WALL)
    if not os.WIFSTOPPED(status):
        raise CcSandboxError(
            "the traced process did not stop for the tracer: is ptrace permitted here? "
            "(check /proc/sys/kernel/yama/ptrace_scope and seccomp of this shell)"
        )
    options = FOLLOW | pt.O_EXITKILL | (pt.O_TRACESECCOMP | pt.O_TRACEEXIT if one_stop else 0)
    pt.ptrace(pt.PTRACE_SETOPTIONS, pid, 0, options)
    return pid, os.path.realpath(path)


def _seize(pid: int) -> list[int]:
    """Attach to every thread of process ``pid`` (rescanning /proc/PID/task until no new thread
    appears, as threads may start during the attach) and interrupt each so it reports a stop."""
    seized: list[int] = []
    try:
        while True:
            fresh = [int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) not in seized]
            if not fresh:
                return seized
            for tid in fresh:
                try:
                    pt.ptrace(pt.PTRACE_SEIZE, tid, 0, FOLLOW)
                except pt.TraceError as err:
                    if err.errno == ESRCH and tid != pid:
                        continue  # the thread ended meanwhile
                    hint = " (is it already traced, or is ptrace restricted by yama?)" if err.errno == 1 else ""
                    raise CcSandboxError(f"cannot attach to process {pid}: {os.strerror(err.errno)}{hint}") from None
                pt.ptrace(pt.PTRACE_INTERRUPT, tid, 0, 0)
                seized.append(tid)
    except FileNotFoundError:
        raise CcSandboxError(f"no process {pid}") from None


@contextlib.contextmanager
def _interruptible(session: _Session, enabled: bool) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP end the tracing loop (only from the main thread)."""
    if not enabled:
        yield
        return
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, session.on_signal) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def run_trace(
    command: list[str],
    phase_at: list[str] | None = None,
    on_start: Callable[[int], None] | None = None,
    stdin: int | None = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    quiet: bool = False,
    *,
    stops: Stops | None = None,
    on_interrupt: OnInterrupt | None = None,
    attach: int | None = None,
) -> Trace:
    """Trace ``command`` to its end (or process ``attach`` and its threads); ``phase_at`` are
    transition points (symbols or 0xOFFSETs); ``on_start`` is told the traced process's pid.

    ``stops``: None chooses ``seccomp`` when it can (launched command, CAP_SYS_ADMIN, no
    ``detach`` on interrupt), else ``syscall``. ``on_interrupt``: when set, SIGINT/SIGTERM/SIGHUP
    sent to the tracer end tracing: the tracees are killed or detached, and the trace holds what
    was recorded so far (``interrupted``). Without it (the default, and in threads) an interrupt
    raises as usual and the tracees are killed.
    """
    started = time.monotonic()
    can_one_stop = attach is None and on_interrupt != "detach" and one_stop_available()
    if stops == "seccomp" and not can_one_stop:
        raise CcSandboxError(
            "one-stop (seccomp) tracing needs a launched command, CAP_SYS_ADMIN, and no detach on interrupt"
        )
    chosen: Stops = stops or ("seccomp" if can_one_stop else "syscall")
    if attach is not None:
        if phase_at:
            raise CcSandboxError("--phase-at needs a launched command (the points are planted at exec)")
        try:
            image = os.readlink(f"/proc/{attach}/exe")
        except OSError:
            raise CcSandboxError(f"no process {attach} (or not permitted to read /proc/{attach}/exe)") from None
        tasks = _seize(attach)
        session = _Session(attach, image, [], chosen, seized=True, armed=True)
        session.alive.update(tasks)
        session.image_of.update(dict.fromkeys(tasks, image))
        session.tgid_of.update(dict.fromkeys(tasks, attach))
        session.started.clear()
    else:
        path = _executable(command)
        points = resolve_points(Path(path), phase_at) if phase_at else []
        pid, image = _start(path, command, stdin, env, cwd, quiet, chosen == "seccomp")
        session = _Session(pid, image, points, chosen, seized=False, armed=False)
        session.resume(pid)
    if on_start is not None:
        on_start(session.root)
    with _interruptible(session, on_interrupt is not None):
        try:
            session.loop()
        except BaseException:
            session.kill_all() if attach is None else session.detach_all()
            raise
        if session.interrupted is not None:
            session.detach_all() if on_interrupt == "detach" else session.kill_all()
    programs = sorted(session.records.values(), key=lambda r: (r.image != image, r.image))
    detached = session.interrupted is not None and on_interrupt == "detach"
    return Trace(
        command=command,
        exit_status=None if detached else session.exit_status,
        programs=programs,
        seconds=time.monotonic() - started,
        phase_points=tuple(phase_at or ()),
        stops=chosen,
        signal=session.signal,
        interrupted=session.interrupted,
        detached=detached,
        attached=attach,
    )

"""The ptrace session: the event loop over the tracees' ptrace stops, and how it ends.

Each stop is one of: a syscall stop (PTRACE_EVENT_SECCOMP in one-stop mode, or syscall-entry
and -exit stops), a new task (fork, vfork, clone), an exec, a task's exit, a transition point's
int3, or a signal, which is forwarded. In one-stop mode a RET_TRACE stop is the hot path, handled
inline in :meth:`Session.loop`. A program that installs a filter of its own is traced with
syscall-entry stops from then on, which come before seccomp (or, if its filter only kills, the
denied call is read at the task's exit stop): see :mod:`.ownfilter`.

An interrupted session ends by killing every tracee or by detaching from them all
(:meth:`Session.kill_all`, :meth:`Session.detach_all`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import Sequence
from errno import ESRCH
from pathlib import Path
from types import FrameType

from ..bpf.insn import AUDIT_ARCH_X86_64
from ..bpf.insn import X32_SYSCALL_BIT as X32_BIT
from ..errors import TraceError, TracerInterrupted
from . import _ptrace as pt
from ._ptrace import PR_SET_SECCOMP, SECCOMP_MODE_FILTER
from .ownfilter import kills_only, read_filter
from .phases import PhasePoint, mapping_base
from .recording import ProgramRecord, Stops, label

EXECVE, PRCTL, SECCOMP = 59, 157, 317
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_STOP = 0x7F | signal.SIGTRAP << 8 | pt.EVENT_SECCOMP << 16  # the wait status of a RET_TRACE stop
GROUP_STOP_SIGNALS = frozenset({signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU})

__all__ = ["Session"]


class Session:
    """The state of one trace: which task runs which image, is in which phase, is under which
    filter, and what each program image has called so far (its :class:`ProgramRecord`).

    ``run_trace`` (:mod:`.tracer`) makes one per traced command or attached process, starts
    its tasks, and calls :meth:`loop` until every task has ended or a signal interrupts it.
    """

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
            raise TraceError("resuming", err, pid)
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
            except (ChildProcessError, TracerInterrupted):
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
                    raise TraceError("resuming", err, waited)
                continue
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                self.on_exit(waited, status)
            elif os.WIFSTOPPED(status):
                self.alive.add(waited)
                self.on_stop(waited, status)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.interrupted = signum
        if self.in_wait:
            raise TracerInterrupted

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

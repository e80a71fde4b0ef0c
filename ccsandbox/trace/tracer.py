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

This module launches or attaches to the tracee and hands it to the session (:mod:`.session`, the
event loop over ptrace stops), which fills the records (:mod:`.recording`, the trace's data and
its JSON).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from errno import ESRCH
from pathlib import Path
from typing import Literal

from ..errors import CcSandboxError, CommandNotExecutable, CommandNotFound, TraceError
from . import _ptrace as pt
from .phases import resolve_points
from .recording import Stops, Trace
from .session import Session

FOLLOW = pt.O_TRACESYSGOOD | pt.O_TRACEFORK | pt.O_TRACEVFORK | pt.O_TRACECLONE | pt.O_TRACEEXEC

OnInterrupt = Literal["kill", "detach"]

__all__ = [
    "OnInterrupt",
    "one_stop_available",
    "run_trace",
]


def one_stop_available() -> bool:
    """Can a child install the RET_TRACE filter without no_new_privs? (CAP_SYS_ADMIN, bit 21)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> 21 & 1)
    except OSError:
        pass
    return os.geteuid() == 0


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
                except TraceError as err:
                    if err.errno == ESRCH and tid != pid:
                        continue  # the thread ended meanwhile
                    hint = " (is it already traced, or is ptrace restricted by yama?)" if err.errno == 1 else ""
                    raise CcSandboxError(f"cannot attach to process {pid}: {os.strerror(err.errno)}{hint}") from None
                pt.ptrace(pt.PTRACE_INTERRUPT, tid, 0, 0)
                seized.append(tid)
    except FileNotFoundError:
        raise CcSandboxError(f"no process {pid}") from None


@contextlib.contextmanager
def _interruptible(session: Session, enabled: bool) -> Iterator[None]:
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
        session = Session(attach, image, [], chosen, seized=True, armed=True)
        session.alive.update(tasks)
        session.image_of.update(dict.fromkeys(tasks, image))
        session.tgid_of.update(dict.fromkeys(tasks, attach))
        session.started.clear()
    else:
        path = _executable(command)
        points = resolve_points(Path(path), phase_at) if phase_at else []
        pid, image = _start(path, command, stdin, env, cwd, quiet, chosen == "seccomp")
        session = Session(pid, image, points, chosen, seized=False, armed=False)
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

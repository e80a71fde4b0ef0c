"""ctypes bindings for the parts of ptrace(2) and seccomp(2) the tracer uses (side effects only).

python-ptrace lacks PTRACE_GET_SYSCALL_INFO (Linux 5.3), which gives the number *and the arch*
of every syscall stop, so an i386 ``int $0x80`` call is labelled rather than misnamed, and it
lacks PTRACE_SEIZE/INTERRUPT and PTRACE_O_TRACESECCOMP. The calls on the tracer's hot path
(:func:`resume`, :func:`syscall_info`) take plain integers and reuse one buffer: the tracer
makes one of each per traced syscall.
"""

from __future__ import annotations

import ctypes

from ..bpf.insn import RET_K, RET_TRACE
from ..errors import TraceError

PTRACE_TRACEME, PTRACE_CONT, PTRACE_KILL, PTRACE_SYSCALL, PTRACE_DETACH = 0, 7, 8, 24, 17
PTRACE_SETOPTIONS, PTRACE_GETEVENTMSG, PTRACE_GET_SYSCALL_INFO = 0x4200, 0x4201, 0x420E
PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_LISTEN = 0x4206, 0x4207, 0x4208
O_TRACESYSGOOD, O_TRACEFORK, O_TRACEVFORK, O_TRACECLONE, O_TRACEEXEC = 1, 2, 4, 8, 0x10
O_TRACEEXIT, O_TRACESECCOMP, O_EXITKILL = 0x40, 0x80, 0x100000
EVENT_FORK, EVENT_VFORK, EVENT_CLONE, EVENT_EXEC, EVENT_EXIT, EVENT_SECCOMP, EVENT_STOP = 1, 2, 3, 4, 6, 7, 128
INFO_ENTRY, INFO_EXIT, INFO_SECCOMP = 1, 2, 3
WALL = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)
_ptrace = _libc.ptrace
_ptrace.restype = ctypes.c_long
_ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_ulong, ctypes.c_ulong]
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long


class SyscallInfo(ctypes.Structure):
    """``struct ptrace_syscall_info``. The union after ``stack_pointer`` is read as ``nr`` and
    ``args`` for entry and seccomp stops; at an exit stop ``nr`` holds ``rval`` and the low byte
    of ``args[0]`` holds ``is_error``."""

    _fields_ = [
        ("op", ctypes.c_uint8),
        ("pad", ctypes.c_uint8 * 3),
        ("arch", ctypes.c_uint32),
        ("instruction_pointer", ctypes.c_uint64),
        ("stack_pointer", ctypes.c_uint64),
        ("nr", ctypes.c_uint64),
        ("args", ctypes.c_uint64 * 6),
        ("extra", ctypes.c_uint64),
    ]


_INFO = SyscallInfo()
_INFO_ADDR, _INFO_SIZE = ctypes.addressof(_INFO), ctypes.sizeof(_INFO)


def ptrace(request: int, pid: int, addr: int = 0, data: int = 0) -> int:
    ctypes.set_errno(0)
    result = _ptrace(request, pid, addr, data)
    if result == -1:
        err = ctypes.get_errno()
        if err:
            raise TraceError(f"ptrace({request:#x})", err, pid)
    return int(result)


def resume(request: int, pid: int, sig: int) -> int:
    """PTRACE_SYSCALL/CONT without raising: 0, or the errno (ESRCH when the task just died)."""
    if _ptrace(request, pid, 0, sig) == -1:
        return ctypes.get_errno()
    return 0


def syscall_info(pid: int) -> SyscallInfo:
    """The stop's syscall info, in a buffer reused by the next call (read it before that)."""
    if _ptrace(PTRACE_GET_SYSCALL_INFO, pid, _INFO_SIZE, _INFO_ADDR) == -1:
        raise TraceError("PTRACE_GET_SYSCALL_INFO", ctypes.get_errno(), pid)
    return _INFO


def event_message(pid: int) -> int:
    message = ctypes.c_ulong()
    ptrace(PTRACE_GETEVENTMSG, pid, 0, ctypes.addressof(message))
    return int(message.value)


def tgkill(tgid: int, tid: int, sig: int) -> None:
    _syscall(ctypes.c_long(234), ctypes.c_long(tgid), ctypes.c_long(tid), ctypes.c_long(sig))


PTRACE_PEEKTEXT, PTRACE_POKETEXT, PTRACE_GETREGS, PTRACE_SETREGS, PTRACE_SINGLESTEP = 1, 4, 12, 13, 9
ORIG_RAX_INDEX, RIP_INDEX = 15, 16  # in struct user_regs_struct (27 unsigned longs on x86_64)


class Regs(ctypes.Structure):
    _fields_ = [("words", ctypes.c_ulong * 27)]


def peek(pid: int, addr: int) -> int:
    ctypes.set_errno(0)
    value = _ptrace(PTRACE_PEEKTEXT, pid, addr, 0)
    err = ctypes.get_errno()
    if err:
        raise TraceError(f"PEEKTEXT {addr:#x}", err, pid)
    return int(value) & 0xFFFFFFFFFFFFFFFF


def poke(pid: int, addr: int, word: int) -> None:
    ptrace(PTRACE_POKETEXT, pid, addr, word)


def get_regs(pid: int) -> Regs:
    regs = Regs()
    ptrace(PTRACE_GETREGS, pid, 0, ctypes.addressof(regs))
    return regs


def set_regs(pid: int, regs: Regs) -> None:
    ptrace(PTRACE_SETREGS, pid, 0, ctypes.addressof(regs))


# --- the one-stop mode's filter (installed in the forked child, before exec) -------------------

PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


class TraceFilter:
    """A one-instruction filter, ``ret SECCOMP_RET_TRACE``, for every syscall of every arch: each
    call then stops the tracee once (PTRACE_EVENT_SECCOMP) instead of at entry and exit.

    Built in the parent so that the forked child only makes the ``prctl`` call: nothing else
    runs between the install and ``execve``. Installing needs CAP_SYS_ADMIN (or no_new_privs,
    which would change what set-uid programs the tracee runs do; the tracer does not set it).
    """

    def __init__(self) -> None:
        self._insn = (_SockFilter * 1)(_SockFilter(RET_K, 0, 0, RET_TRACE))
        self._prog = _SockFprog(1, ctypes.cast(self._insn, ctypes.POINTER(_SockFilter)))
        self._prctl = _libc.prctl
        self._prctl.restype = ctypes.c_int
        self._prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
        self._addr = ctypes.addressof(self._prog)

    def install(self) -> bool:
        return bool(self._prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, self._addr, 0, 0) == 0)

"""ctypes bindings for the parts of ptrace(2) the tracer uses (side effects only, no logic).

python-ptrace lacks PTRACE_GET_SYSCALL_INFO (Linux 5.3), which gives the number *and the arch*
of every syscall stop, so an i386 ``int $0x80`` call is labelled rather than misnamed.
"""

from __future__ import annotations

import ctypes
import os

from ..errors import CcSandboxError

PTRACE_TRACEME, PTRACE_CONT, PTRACE_KILL, PTRACE_SYSCALL = 0, 7, 8, 24
PTRACE_SETOPTIONS, PTRACE_GETEVENTMSG, PTRACE_GET_SYSCALL_INFO = 0x4200, 0x4201, 0x420E
O_TRACESYSGOOD, O_TRACEFORK, O_TRACEVFORK, O_TRACECLONE, O_TRACEEXEC, O_EXITKILL = 1, 2, 4, 8, 0x10, 0x100000
EVENT_FORK, EVENT_VFORK, EVENT_CLONE, EVENT_EXEC = 1, 2, 3, 4
INFO_ENTRY = 1
WALL = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.restype = ctypes.c_long
_libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]


class TraceError(CcSandboxError):
    """A ptrace request failed."""

    def __init__(self, message: str, err: int, pid: int) -> None:
        super().__init__(f"{message} (pid {pid}): {os.strerror(err)}")
        self.errno, self.pid = err, pid


class SyscallInfo(ctypes.Structure):
    """``struct ptrace_syscall_info`` (entry view of the union)."""

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


def ptrace(request: int, pid: int, addr: int = 0, data: int | ctypes.c_void_p = 0) -> int:
    ctypes.set_errno(0)
    result = _libc.ptrace(
        request, pid, ctypes.c_void_p(addr), data if isinstance(data, ctypes.c_void_p) else ctypes.c_void_p(data)
    )
    err = ctypes.get_errno()
    if result == -1 and err:
        raise TraceError(f"ptrace({request:#x})", err, pid)
    return int(result)


def syscall_info(pid: int) -> SyscallInfo:
    info = SyscallInfo()
    ptrace(PTRACE_GET_SYSCALL_INFO, pid, ctypes.sizeof(info), ctypes.cast(ctypes.byref(info), ctypes.c_void_p))
    return info


def event_message(pid: int) -> int:
    message = ctypes.c_ulong()
    ptrace(PTRACE_GETEVENTMSG, pid, 0, ctypes.cast(ctypes.byref(message), ctypes.c_void_p))
    return int(message.value)


PTRACE_PEEKTEXT, PTRACE_POKETEXT, PTRACE_GETREGS, PTRACE_SETREGS, PTRACE_SINGLESTEP = 1, 4, 12, 13, 9
RIP_INDEX = 16  # in struct user_regs_struct (27 unsigned longs on x86_64)


class Regs(ctypes.Structure):
    _fields_ = [("words", ctypes.c_ulong * 27)]


def peek(pid: int, addr: int) -> int:
    ctypes.set_errno(0)
    value = _libc.ptrace(PTRACE_PEEKTEXT, pid, ctypes.c_void_p(addr), None)
    err = ctypes.get_errno()
    if err:
        raise TraceError(f"PEEKTEXT {addr:#x}", err, pid)
    return int(value) & 0xFFFFFFFFFFFFFFFF


def poke(pid: int, addr: int, word: int) -> None:
    ptrace(PTRACE_POKETEXT, pid, addr, ctypes.c_void_p(word))


def get_regs(pid: int) -> Regs:
    regs = Regs()
    ptrace(PTRACE_GETREGS, pid, 0, ctypes.cast(ctypes.byref(regs), ctypes.c_void_p))
    return regs


def set_regs(pid: int, regs: Regs) -> None:
    ptrace(PTRACE_SETREGS, pid, 0, ctypes.cast(ctypes.byref(regs), ctypes.c_void_p))

"""Classic BPF instructions as seccomp accepts them, and their binary form (pure)."""

from __future__ import annotations

import struct
from typing import NamedTuple

# instruction classes and fields (linux/bpf_common.h)
LD, ALU, JMP, RET = 0x00, 0x04, 0x05, 0x06
W, ABS, K = 0x00, 0x20, 0x00
JA, JEQ, JGT, JGE, JSET = 0x00, 0x10, 0x20, 0x30, 0x40

AND = 0x50
LD_W_ABS = LD | W | ABS
ALU_AND_K = ALU | AND | K
RET_K = RET | K

# seccomp_data offsets and return values (linux/seccomp.h, linux/audit.h)
OFFSET_NR, OFFSET_ARCH = 0, 4
AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_I386 = 0x40000003
X32_SYSCALL_BIT = 0x40000000
RET_KILL_PROCESS = 0x80000000
RET_KILL_THREAD = 0x00000000
RET_TRAP = 0x00030000
RET_ERRNO = 0x00050000
RET_TRACE = 0x7FF00000
RET_LOG = 0x7FFC0000
RET_ALLOW = 0x7FFF0000
MAX_INSNS = 4096
_FORMAT = struct.Struct("=HBBI")

__all__ = ["Insn", "jump", "load", "pack", "ret", "unpack"]


class Insn(NamedTuple):
    """One ``struct sock_filter``."""

    code: int
    jt: int
    jf: int
    k: int


def load(offset: int) -> Insn:
    return Insn(LD_W_ABS, 0, 0, offset)


def jump(op: int, k: int, jt: int, jf: int) -> Insn:
    if not (0 <= jt <= 255 and 0 <= jf <= 255):
        raise ValueError(f"conditional jump offsets must be 0..255, got {jt}/{jf}")
    return Insn(JMP | op | K, jt, jf, k & 0xFFFFFFFF)


def ret(value: int) -> Insn:
    return Insn(RET_K, 0, 0, value & 0xFFFFFFFF)


def pack(insns: list[Insn]) -> bytes:
    """The raw program, as seccomp(2), bwrap --seccomp and seccomp_export_bpf use it."""
    return b"".join(_FORMAT.pack(*i) for i in insns)


def unpack(blob: bytes) -> list[Insn]:
    if len(blob) % _FORMAT.size:
        raise ValueError(f"a BPF program is a multiple of {_FORMAT.size} bytes, not {len(blob)}")
    return [Insn(*_FORMAT.unpack_from(blob, o)) for o in range(0, len(blob), _FORMAT.size)]

"""An interpreter for the seccomp subset of classic BPF: the test oracle, no kernel involved."""

from __future__ import annotations

import struct

from . import insn as bpf
from .insn import Insn

__all__ = ["reads_arguments", "run", "seccomp_data"]


def seccomp_data(nr: int, arch: int = bpf.AUDIT_ARCH_X86_64, ip: int = 0, args: tuple[int, ...] = (0,) * 6) -> bytes:
    """``struct seccomp_data`` (64 bytes) for one call."""
    return struct.pack("=iIQ6Q", nr if nr < 2**31 else nr - 2**32, arch, ip, *args)


def run(program: list[Insn], nr: int, arch: int = bpf.AUDIT_ARCH_X86_64, args: tuple[int, ...] = (0,) * 6) -> int:
    """The filter's return value for syscall ``nr`` (an unsigned 32-bit number) under ``arch``
    with arguments ``args`` (six unsigned 64-bit numbers)."""
    return _run(program, seccomp_data(nr & 0xFFFFFFFF, arch, args=args))[0]


def reads_arguments(program: list[Insn], nr: int, arch: int = bpf.AUDIT_ARCH_X86_64) -> bool:
    """Whether the verdict for ``nr`` loads anything but the number and arch: what the kernel's
    constant-action cache (``seccomp_cache_prepare_bitmap``, Linux 5.11+) emulates to decide that a
    syscall's ALLOW needs no filter run. True means the filter runs on every such call."""
    return _run(program, seccomp_data(nr & 0xFFFFFFFF, arch))[1]


def _run(program: list[Insn], data: bytes) -> tuple[int, bool]:
    acc, pc, touched = 0, 0, False
    mem = [0] * 16
    x = 0
    while pc < len(program):
        code, jt, jf, k = program[pc]
        cls = code & 0x07
        if code == bpf.LD_W_ABS:
            if k % 4 or k + 4 > len(data):
                raise ValueError(f"pc {pc}: load at {k} outside seccomp_data")
            acc = struct.unpack_from("=I", data, k)[0]
            touched |= k not in (bpf.OFFSET_NR, bpf.OFFSET_ARCH)
        elif cls == bpf.RET:
            return (k if code & 0x18 == 0 else acc), touched
        elif cls == bpf.JMP:
            op = code & 0xF0
            operand = x if code & 0x08 else k
            if op == bpf.JA:
                pc += k
            else:
                taken = {
                    bpf.JEQ: acc == operand,
                    bpf.JGT: acc > operand,
                    bpf.JGE: acc >= operand,
                    bpf.JSET: bool(acc & operand),
                }[op]
                pc += jt if taken else jf
        elif code == 0x02:  # st M[k]
            mem[k] = acc
        elif code == 0x60:  # ld M[k]
            acc = mem[k]
        elif code == 0x07:  # tax
            x = acc
        elif code == 0x87:  # txa
            acc = x
        elif code == 0x54:  # and k
            acc &= k
        else:
            raise ValueError(f"pc {pc}: opcode {code:#x} not supported by this interpreter")
        pc += 1
    raise ValueError("the program ran off its end")

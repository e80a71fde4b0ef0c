"""Human-readable listings of seccomp filters (pure)."""

from __future__ import annotations

from ..syscalls import name_of
from . import insn as bpf
from .insn import Insn

__all__ = ["describe_return", "disassemble"]

_RETURNS = {
    bpf.RET_KILL_PROCESS: "KILL_PROCESS",
    bpf.RET_KILL_THREAD: "KILL_THREAD",
    bpf.RET_TRAP: "TRAP",
    bpf.RET_LOG: "LOG",
    bpf.RET_ALLOW: "ALLOW",
}


def describe_return(value: int) -> str:
    if value & 0xFFFF0000 == bpf.RET_ERRNO:
        return f"ERRNO({value & 0xFFFF})"
    return _RETURNS.get(value & 0xFFFF0000, f"{value:#010x}")


def _field(offset: int) -> str:
    if offset in (bpf.OFFSET_NR, bpf.OFFSET_ARCH):
        return "nr" if offset == bpf.OFFSET_NR else "arch"
    if 16 <= offset < 64:
        return f"arg{(offset - 16) // 8} {'hi' if offset % 8 else 'lo'}"
    return "ip lo" if offset == 8 else "ip hi"


def disassemble(program: list[Insn]) -> list[str]:
    """One line per instruction: index, raw fields, meaning.

    >>> disassemble([bpf.load(0), bpf.ret(bpf.RET_ALLOW)])
    [' 0000: 0x20 0 0 0x00000000  ld [0]  (nr)', ' 0001: 0x06 0 0 0x7fff0000  ret ALLOW']
    """
    lines = []
    loaded = bpf.OFFSET_NR  # which field the accumulator holds, to name jeq operands
    for pc, (code, jt, jf, k) in enumerate(program):
        raw = f" {pc:04}: {code:#04x} {jt} {jf} {k:#010x}  "
        if code == bpf.LD_W_ABS:
            text, loaded = f"ld [{k}]  ({_field(k)})", k
        elif code == bpf.ALU_AND_K:
            text = f"and #{k:#x}"
        elif code & 0x07 == bpf.RET:
            text = f"ret {describe_return(k)}"
        elif code == bpf.JMP | bpf.JA:
            text = f"ja {pc + 1 + k:04}"
        else:
            op = {bpf.JEQ: "jeq", bpf.JGT: "jgt", bpf.JGE: "jge", bpf.JSET: "jset"}.get(code & 0xF0, "?")
            named = f" ({name_of(k)})" if k < 1024 and loaded == bpf.OFFSET_NR else ""
            text = f"{op} {k:#x}{named} ? {pc + 1 + jt:04} : {pc + 1 + jf:04}"
        lines.append(raw + text)
    return lines

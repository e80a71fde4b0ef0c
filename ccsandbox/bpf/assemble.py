"""Laying out a filter within classic BPF's jump limits, with as few instructions as it can
(pure).

The filter's parts (:mod:`.dispatch`, :mod:`.args`) are written as if a conditional jump could
reach anywhere and every leaf had its own ``ret``. :func:`assemble` turns that into what the
kernel takes: it places the instructions back to front, so that each jump's target is already
placed when the jump is; a jump to a ``ret`` goes to the nearest copy of that ``ret`` within
255 instructions (placing a new one only when none is), a jump to a ``ja`` goes straight to the
``ja``'s target, and a target out of reach is entered through a ``ja`` (32-bit offset). Code no
jump reaches is left out.

Every instruction costs about 0.2 us to install (checking, conversion to eBPF, JIT), 80 times
what walking one costs (bench/seccomp.py), so each ``ret`` shared is worth as much as 80
numbers walking one instruction less.
"""

from __future__ import annotations

from . import insn as bpf
from .insn import Insn

__all__ = ["assemble", "targets"]

_JA = bpf.JMP | bpf.JA
_LIMIT = 254  # a conditional jump's 255, less the one helper its other target may place after it


def targets(program: list[Insn], pc: int) -> tuple[int, ...]:
    """Where instruction ``pc`` goes next: nothing for a ``ret``, (jt, jf) for a conditional
    jump, the one successor otherwise."""
    code, jt, jf, k = program[pc]
    if code & 0x07 == bpf.RET:
        return ()
    if code == _JA:
        return (pc + 1 + k,)
    if code & 0x07 == bpf.JMP:
        return (pc + 1 + jt, pc + 1 + jf)
    return (pc + 1,)


def assemble(program: list[Insn]) -> list[Insn]:
    """``program`` (forward jumps of any length; its first instruction the entry) as a filter
    the kernel accepts, with the same verdict for every input."""

    def thread(pc: int) -> int:
        while program[pc].code == _JA:
            pc += 1 + program[pc].k
        return pc

    live, todo = set(), [0]
    while todo:
        pc = todo.pop()
        if pc not in live:
            live.add(pc)
            todo += [thread(t) if program[pc].code & 0x07 == bpf.JMP else t for t in targets(program, pc)]
    out: list[Insn] = []  # reversed: out[r] is the r-th instruction from the end
    placed: dict[int, int] = {}  # pc in program -> its index in out
    rets: dict[Insn, int] = {}  # a ret -> index in out of its nearest copy
    via: dict[int, int] = {}  # pc -> index in out of the nearest ja to it

    def put(insn: Insn) -> int:
        out.append(insn)
        if insn.code & 0x07 == bpf.RET:
            rets[insn] = len(out) - 1
        return len(out) - 1

    def near(index: int | None) -> bool:
        return index is not None and len(out) - index - 1 <= _LIMIT

    def reach(pc: int) -> int:
        """An index in out that a conditional jump placed next can reach ``pc``'s code at."""
        insn = program[pc]
        if insn.code & 0x07 == bpf.RET:
            return rets[insn] if near(rets.get(insn)) else put(insn)
        if near(placed[pc]):
            return placed[pc]
        if not near(via.get(pc)):
            via[pc] = put(Insn(_JA, 0, 0, len(out) - placed[pc] - 1))
        return via[pc]

    for pc in sorted(live, reverse=True):
        insn = program[pc]
        if insn.code & 0x07 == bpf.RET:
            if pc == 0:
                put(insn)
            continue
        if insn.code == _JA:  # reached by falling through: a ja reaches anything
            end = thread(pc)
            there = placed.get(end)
            if there is None:
                there = rets[program[end]] if program[end] in rets else put(program[end])
            placed[pc] = put(Insn(_JA, 0, 0, len(out) - there - 1))
        elif insn.code & 0x07 == bpf.JMP:
            jt, jf = (thread(t) for t in targets(program, pc))
            no, yes = reach(jf), reach(jt)
            here = len(out)
            placed[pc] = put(Insn(insn.code, here - yes - 1, here - no - 1, insn.k))
        else:  # falls through: its successor must come right after it
            nxt = program[pc + 1]
            if nxt.code & 0x07 == bpf.RET and not (out and out[-1] == nxt):
                put(nxt)
            placed[pc] = put(insn)
    return out[::-1]

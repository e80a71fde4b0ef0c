"""Argument checks of a seccomp filter (pure): what the kernel can compare, and their BPF code.

A syscall's argument rule is a disjunction of alternatives; an alternative is a conjunction of
masked comparisons ``(args[i] & mask) == value``, one per argument index. Plain equality is the
full 64-bit mask; a 32-bit kernel argument (``int``/``unsigned int``: ioctl's request, fcntl's
command, a signal) uses a mask of ``0xffffffff``, because the kernel ignores the upper half and musl
sign-extends an ``int`` into it (``ioctl(fd, TIOCGPTN)`` passes ``0xffffffff80045430``): comparing
the upper half would kill the program's own call and gain nothing.

seccomp_data holds each argument as a 64-bit number at ``16 + 8*i`` (low word) and ``20 + 8*i``
(high word on x86_64); classic BPF compares 32 bits, so each comparison becomes up to two checks
(a half whose mask is 0 is not loaded at all).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import insn as bpf
from .insn import Insn

__all__ = ["ArgCmp", "ArgRule", "arg_offset", "compile_rule", "matches"]

FULL64 = 0xFFFFFFFFFFFFFFFF
FULL32 = 0xFFFFFFFF
MAX_GROUP = 200  # values sharing one load: their jeq jumps must stay below 256


def arg_offset(index: int, high: bool) -> int:
    """Offset in ``struct seccomp_data`` of one 32-bit half of ``args[index]`` (x86_64)."""
    return 16 + 8 * index + (4 if high else 0)


@dataclass(frozen=True, order=True)
class ArgCmp:
    """``(args[index] & mask) == value``, over 64 bits."""

    index: int
    mask: int
    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < 6:
            raise ValueError(f"syscall argument index {self.index} is not 0..5")
        if not (0 <= self.mask <= FULL64 and 0 <= self.value <= FULL64) or self.value & ~self.mask:
            raise ValueError(f"masked comparison ({self.mask:#x}, {self.value:#x}) can never hold")

    @classmethod
    def eq(cls, index: int, value: int, width: int = 64) -> ArgCmp:
        """Equality on the whole argument (``width`` 64) or on its low half (32-bit kernel type)."""
        mask = FULL64 if width == 64 else FULL32
        return cls(index, mask, value & mask)

    @property
    def is_eq(self) -> bool:
        return self.mask == FULL64

    def holds(self, args: tuple[int, ...]) -> bool:
        return args[self.index] & self.mask == self.value

    def halves(self) -> list[tuple[int, int, int]]:
        """(offset, mask, value) of each 32-bit half that must be compared, low half first."""
        out = []
        for high in (False, True):
            shift = 32 if high else 0
            mask, value = (self.mask >> shift) & FULL32, (self.value >> shift) & FULL32
            if mask:
                out.append((arg_offset(self.index, high), mask, value))
        return out


#: Alternatives (any may hold), each a conjunction of comparisons (all must hold).
ArgRule = tuple[tuple[ArgCmp, ...], ...]


def matches(rule: ArgRule, args: tuple[int, ...]) -> bool:
    """Reference semantics of a rule, for tests and documentation."""
    return any(all(c.holds(args) for c in alt) for alt in rule)


def _single_half(alt: tuple[ArgCmp, ...]) -> tuple[int, int, int] | None:
    halves = [h for c in alt for h in c.halves()]
    return halves[0] if len(halves) == 1 else None


def compile_rule(rule: ArgRule, allow: int, deny: int) -> list[Insn]:
    """The checks for one syscall: returns ``allow`` when an alternative holds, else ``deny``.

    Runs of alternatives that each compare one and the same 32-bit half under the same mask (a
    set of ioctl requests, of fcntl commands) share one load: ``ld; [and]; jeq v1; jeq v2; ...``.
    Every other alternative loads what it compares. Each alternative falls through to the next,
    so every jump is short; the caller places this block where a ``ja`` can reach it.
    """
    if not rule:
        return [bpf.ret(deny)]
    if any(not alt for alt in rule):
        return [bpf.ret(allow)]  # an empty conjunction always holds
    code: list[Insn] = []
    pending: list[list[Insn]] = []  # per emitted group, patched once the group's end is known
    i = 0
    alts = list(rule)
    while i < len(alts):
        half = _single_half(alts[i])
        group = [alts[i]]
        if half is not None:
            while i + len(group) < len(alts):
                other = _single_half(alts[i + len(group)])
                if other is None or other[:2] != half[:2] or len(group) >= MAX_GROUP:
                    break
                group.append(alts[i + len(group)])
        block: list[Insn] = []
        if half is not None:
            offset, mask, _ = half
            block.append(bpf.load(offset))
            if mask != FULL32:
                block.append(Insn(bpf.ALU_AND_K, 0, 0, mask))
            values = [h[2] for h in (_single_half(a) for a in group) if h is not None]
            n = len(values)
            # jeq v_k: taken -> the ret allow after this group's jeqs (n-1-k insns ahead, + 1 for
            # the ja that skips it); the last not-taken falls through to the ja over the ret
            for k, value in enumerate(values):
                block.append(bpf.jump(bpf.JEQ, value, n - k, 0))
            block += [Insn(bpf.JMP | bpf.JA, 0, 0, 1), bpf.ret(allow)]
        else:
            checks = [h for c in alts[i] for h in c.halves()]
            per_check = [2 + (m != FULL32) for _, m, _ in checks]
            remaining = sum(per_check) + 1  # instructions from the first check to after ret allow
            for (offset, mask, value), size in zip(checks, per_check, strict=True):
                block.append(bpf.load(offset))
                if mask != FULL32:
                    block.append(Insn(bpf.ALU_AND_K, 0, 0, mask))
                remaining -= size
                block.append(bpf.jump(bpf.JEQ, value, 0, remaining))  # failed: past ret allow
            block.append(bpf.ret(allow))
        pending.append(block)
        i += len(group)
    for block in pending:
        code += block
    code.append(bpf.ret(deny))
    return code

"""A model of the kernel's seccomp action cache (pure): which syscalls a filter lets through
without running it, and how much work installing it costs.

Since Linux 5.11, installing a filter (``seccomp_cache_prepare`` in kernel/seccomp.c) emulates
it once for every syscall number the filters below it still allow without a run
(``seccomp_cache_prepare_bitmap``), for the native arch (numbers ``0 .. NR_syscalls-1``) and for
the compat arch (``0 .. IA32_NR_syscalls-1``). The emulator, ``seccomp_is_const_allow``, walks
the filter with only the number and the arch known: it follows ``ld [nr]``, ``ld [arch]``,
``ret K``, ``ja``, ``jeq/jge/jgt/jset K`` and ``and K``, and gives up (the number is not cached)
on any other instruction, a load of an argument or of the instruction pointer included. A number
whose walk ends in ``ret ALLOW`` gets its bit in the bitmap: from then on, that syscall returns
from ``seccomp_cache_check_allow`` and never runs the filter. Everything else runs the filter on
every call.

The walk is the part of the install that grows with the filter: about 2.5 ns per instruction
walked on the project's machine (bench/seccomp.py), on top of a fixed cost (allocation,
conversion to eBPF, JIT). :func:`install` counts those instructions (``steps``).

Table sizes (Linux 6.18, x86_64 with IA32 emulation):

* ``NATIVE_NR`` = 470: ``NR_syscalls``, one past the highest number of syscall_64.tbl's
  common/64 rows (469 file_setattr), which is :data:`~ccsandbox.syscalls.SYSCALL_NAMES`' highest
  number plus one; the x32 rows (512-547) are not in it;
* ``COMPAT_NR`` = 470: ``IA32_NR_syscalls``, one past the last row of
  arch/x86/entry/syscalls/syscall_32.tbl (469 file_setattr: numbers 451-469 were added to both
  tables by the same commits; Debian bookworm's 6.1 unistd_32.h stops at 450). Checked on the
  running 6.18 kernel: ``int $0x80`` with 469 returns EINVAL, with 470 ENOSYS.

``uretprobe`` (335) and ``uprobe`` (336) are the kernel's exceptions: for the native arch,
``seccomp_is_const_allow`` (and the syscall entry) let them through before looking at the filter
at all, so they are cached and cost no step whatever the filter says.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..syscalls import SYSCALL_NAMES, SYSCALL_NUMBERS
from . import insn as bpf
from .insn import Insn

__all__ = ["COMPAT_NR", "NATIVE_NR", "PASSTHROUGH", "Cache", "const_allow", "install"]

NATIVE_NR = max(SYSCALL_NAMES) + 1
COMPAT_NR = 470
PASSTHROUGH = frozenset({SYSCALL_NUMBERS["uretprobe"], SYSCALL_NUMBERS["uprobe"]})

_JUMPS = {bpf.JMP | op | bpf.K for op in (bpf.JEQ, bpf.JGE, bpf.JGT, bpf.JSET)}


@dataclass(frozen=True)
class Cache:
    """The bitmaps after an install, and the instructions the install walked."""

    native: frozenset[int]  # native numbers answered ALLOW from the cache
    compat: frozenset[int]  # i386 numbers answered ALLOW from the cache
    native_steps: int
    compat_steps: int

    @property
    def steps(self) -> int:
        return self.native_steps + self.compat_steps


def const_allow(program: list[Insn], nr: int, arch: int = bpf.AUDIT_ARCH_X86_64) -> tuple[bool, int]:
    """``seccomp_is_const_allow`` for one number: whether the kernel caches it as allowed, and
    how many instructions its walk visited (the one it gave up on included)."""
    if arch == bpf.AUDIT_ARCH_X86_64 and nr in PASSTHROUGH:
        return True, 0
    acc, pc, steps = 0, 0, 0
    while pc < len(program):
        code, jt, jf, k = program[pc]
        steps += 1
        if code == bpf.LD_W_ABS:
            if k not in (bpf.OFFSET_NR, bpf.OFFSET_ARCH):
                return False, steps  # a value the emulator does not know
            acc = nr if k == bpf.OFFSET_NR else arch
        elif code == bpf.RET_K:
            return k == bpf.RET_ALLOW, steps
        elif code == bpf.JMP | bpf.JA:
            pc += k
        elif code in _JUMPS:
            op = code & 0xF0
            taken = {
                bpf.JEQ: acc == k,
                bpf.JGE: acc >= k,
                bpf.JGT: acc > k,
                bpf.JSET: bool(acc & k),
            }[op]
            pc += jt if taken else jf
        elif code == bpf.ALU_AND_K:
            acc &= k
        else:
            return False, steps  # an instruction the emulator does not know
        pc += 1
    return False, steps  # ran off the end (the kernel warns)


def install(program: list[Insn], below: Cache | None = None) -> Cache:
    """The cache after installing ``program`` on top of filters whose cache is ``below`` (None:
    the first filter, every bit set): only numbers still set are emulated, and a number stays
    set only if ``program`` allows it as a constant too."""
    sets: list[frozenset[int]] = []
    steps: list[int] = []
    for arch, size, prev in (
        (bpf.AUDIT_ARCH_X86_64, NATIVE_NR, below.native if below else None),
        (bpf.AUDIT_ARCH_I386, COMPAT_NR, below.compat if below else None),
    ):
        kept, walked = set(), 0
        for nr in range(size) if prev is None else sorted(prev):
            allowed, n = const_allow(program, nr, arch)
            walked += n
            if allowed:
                kept.add(nr)
        sets.append(frozenset(kept))
        steps.append(walked)
    return Cache(sets[0], sets[1], steps[0], steps[1])

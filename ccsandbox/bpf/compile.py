"""From an allowed set to a seccomp filter (pure).

Layout (what libseccomp emits, without its argument machinery)::

    ld [arch]; jeq AUDIT_ARCH_X86_64 else -> kill process      (i386/x32 bypasses)
    ld [nr];   jge 0x40000000 -> (nr == -1 ? default : kill)     (x32 numbers; -1 is a tracer skip)
    balanced tree of jge over the sorted rule numbers, leaves of <= 4 jeq, each leaf ending in
    its own returns: ``ret`` for a plain verdict, ``ja`` to the leaf's argument checks for a
    syscall with an argument rule (:mod:`.args`)

The tree looks only at the number, and only the leaves of constrained syscalls read arguments,
so for every other syscall the verdict depends on the number alone: the kernel's constant-action
bitmap (Linux 5.11+) caches it and the filter costs nothing per call after the first. A
constrained syscall runs the filter on every call (see bench/seccomp.py for the cost).
Conditional jumps reach at most 255 instructions; a subtree too large to jump over is entered
through a ``ja`` (32-bit offset) instead, and so is each block of argument checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import insn as bpf
from .args import ArgRule, compile_rule
from .insn import Insn

LEAF_SIZE = 4

__all__ = ["ACTIONS", "Action", "build_filter"]


@dataclass(frozen=True)
class Action:
    """What a call outside the allowed set gets."""

    name: str  # kill, trap, errno, log (and allow, for an allow-all policy)
    errno: int = 1  # for errno (EPERM by default)

    @property
    def value(self) -> int:
        if self.name == "errno":
            return bpf.RET_ERRNO | (self.errno & 0xFFFF)
        values = {"kill": bpf.RET_KILL_PROCESS, "trap": bpf.RET_TRAP, "log": bpf.RET_LOG, "allow": bpf.RET_ALLOW}
        return values[self.name]


ACTIONS = ("kill", "trap", "errno", "log")


def _leaf(rules: list[tuple[int, int]], default: int, checks: Mapping[int, ArgRule]) -> list[Insn]:
    m = len(rules)
    code = [bpf.jump(bpf.JEQ, nr, m, 0) for nr, _ in rules]  # jeq i -> the i-th target below
    code.append(bpf.ret(default))
    blocks: list[list[Insn]] = []
    for i, (nr, value) in enumerate(rules):
        if nr in checks:
            # a ja from target i over the targets after it and the blocks before this one
            skip = (m - 1 - i) + sum(len(b) for b in blocks)
            code.append(Insn(bpf.JMP | bpf.JA, 0, 0, skip))
            blocks.append(compile_rule(checks[nr], value, default))
        else:
            code.append(bpf.ret(value))
    return code + [insn for block in blocks for insn in block]


def _tree(rules: list[tuple[int, int]], default: int, checks: Mapping[int, ArgRule]) -> list[Insn]:
    if len(rules) <= LEAF_SIZE:
        return _leaf(rules, default, checks)
    mid = len(rules) // 2
    left, right = _tree(rules[:mid], default, checks), _tree(rules[mid:], default, checks)
    pivot = rules[mid][0]
    if len(left) <= 255:
        return [bpf.jump(bpf.JGE, pivot, len(left), 0), *left, *right]
    return [bpf.jump(bpf.JGE, pivot, 0, 1), Insn(bpf.JMP | bpf.JA, 0, 0, len(left)), *left, *right]


def build_filter(
    allowed: set[int] | frozenset[int],
    action: Action,
    special: Mapping[int, int] | None = None,
    args: Mapping[int, ArgRule] | None = None,
) -> list[Insn]:
    """The filter allowing ``allowed``; ``special`` maps numbers to other return values (e.g.
    execve -> ERRNO(EPERM)); everything else gets ``action``. ``args`` restricts allowed numbers
    to calls whose arguments satisfy a rule; a call that does not gets ``action`` too.

    >>> from .vm import run
    >>> prog = build_filter({0, 1, 60}, Action("kill"))
    >>> [hex(run(prog, nr)) for nr in (0, 2, 60)]
    ['0x7fff0000', '0x80000000', '0x7fff0000']
    """
    rules = {nr: bpf.RET_ALLOW for nr in allowed if 0 <= nr < bpf.X32_SYSCALL_BIT}
    rules.update(special or {})
    default = action.value
    prologue = [
        bpf.load(bpf.OFFSET_ARCH),
        bpf.jump(bpf.JEQ, bpf.AUDIT_ARCH_X86_64, 1, 0),
        bpf.ret(bpf.RET_KILL_PROCESS),
        bpf.load(bpf.OFFSET_NR),
        bpf.jump(bpf.JGE, bpf.X32_SYSCALL_BIT, 0, 3),
        bpf.jump(bpf.JEQ, 0xFFFFFFFF, 1, 0),
        bpf.ret(bpf.RET_KILL_PROCESS),
        bpf.ret(default),
    ]
    checks = {nr: rule for nr, rule in (args or {}).items() if rules.get(nr) == bpf.RET_ALLOW}
    program = prologue + (_tree(sorted(rules.items()), default, checks) if rules else [bpf.ret(default)])
    if len(program) > bpf.MAX_INSNS:
        raise ValueError(f"filter of {len(program)} instructions exceeds the kernel's {bpf.MAX_INSNS}")
    return program

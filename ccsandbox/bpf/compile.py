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
from .assemble import assemble
from .dispatch import Span, code, plan
from .insn import Insn

__all__ = ["ACTIONS", "Action", "build_filter", "spans"]


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


def spans(rules: Mapping[int, int], default: int, checks: Mapping[int, list[Insn]]) -> list[Span]:
    """The number line cut into runs of one verdict: ``rules`` (number -> return value) below
    the x32 bit, ``default`` between them; the x32 numbers killed; -1 ``default`` (a tracer's
    skip, see the module's docstring). A syscall with ``checks`` is a span of its own."""
    found: list[Span] = []

    def add(lo: int, hi: int, value: int, block: tuple[Insn, ...] = ()) -> None:
        if found and not block and not found[-1].checks and found[-1].value == value and found[-1].hi == lo - 1:
            found[-1] = found[-1]._replace(hi=hi)
        else:
            found.append(Span(lo, hi, value, block))

    nxt = 0
    for nr, value in sorted(rules.items()):
        if nr > nxt:
            add(nxt, nr - 1, default)
        add(nr, nr, value, tuple(checks.get(nr, ())))
        nxt = nr + 1
    if nxt < bpf.X32_SYSCALL_BIT:
        add(nxt, bpf.X32_SYSCALL_BIT - 1, default)
    add(bpf.X32_SYSCALL_BIT, 0xFFFFFFFE, bpf.RET_KILL_PROCESS)
    add(0xFFFFFFFF, 0xFFFFFFFF, default)
    return found


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
    rules.update({nr: value for nr, value in (special or {}).items() if 0 <= nr < bpf.X32_SYSCALL_BIT})
    default = action.value
    prologue = [
        bpf.load(bpf.OFFSET_ARCH),
        bpf.jump(bpf.JEQ, bpf.AUDIT_ARCH_X86_64, 1, 0),
        bpf.ret(bpf.RET_KILL_PROCESS),
        bpf.load(bpf.OFFSET_NR),
    ]  # the checks' blocks are placed by code() and assemble(), whatever their size
    checks = {
        nr: compile_rule(rule, bpf.RET_ALLOW, default)
        for nr, rule in (args or {}).items()
        if rules.get(nr) == bpf.RET_ALLOW
    }
    found = spans(rules, default, checks)
    program = assemble(prologue + code(found, plan(found)))
    if len(program) > bpf.MAX_INSNS:
        raise ValueError(f"filter of {len(program)} instructions exceeds the kernel's {bpf.MAX_INSNS}")
    return program

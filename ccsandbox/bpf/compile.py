"""From an allowed set to a seccomp filter (pure).

Layout::

    ld [arch]; jeq AUDIT_ARCH_X86_64 else -> kill process      (i386/x32 bypasses)
    ld [nr]
    a tree over the spans of the number line (:mod:`.dispatch`): jge between spans, jeq chains
    for single numbers among a stretch of one verdict; its leaves ``ret`` a verdict, or are the
    argument checks of a syscall with an argument rule (:mod:`.args`)

The number line ``0 .. 2**32-1`` is cut into spans of one verdict (:func:`spans`): the rule
numbers and the default between them below the x32 bit; every number with the x32 bit
(0x40000000) killed, as an x32 call of an allowed number would otherwise bypass the x86_64
rules; and -1 given the default action, as libseccomp's filters do: it is no x32 call but what a
tracer sets the number to so that the kernel skips the syscall. Consecutive spans of one verdict
are one (under kill, everything from the last rule up, x32 numbers and -1 included).

Only the leaves of checked syscalls read arguments, so for every other syscall the verdict
depends on the number alone: the kernel's action cache (Linux 5.11+, :mod:`.cache`) holds every
allowed one as allowed, and such a call never runs the filter. A checked syscall runs it on
every call (bench/seccomp.py gives the cost) and reaches its check in at most one jump more than
a balanced tree's depth. The tree's shape is what installing costs least (:mod:`.dispatch`):
the kernel walks it once for each of the 470 native numbers at install, and every instruction
costs about 80 walked ones to check, convert and JIT. :mod:`.assemble` then places it within
classic BPF's 255-instruction conditional jumps, sharing each ``ret`` and entering anything out
of reach through a ``ja``.
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

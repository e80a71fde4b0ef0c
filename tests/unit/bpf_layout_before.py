"""The filter layout before the interval dispatch (ccsandbox/bpf/compile.py at b52b4a2), frozen: the
oracle whose verdicts the new layout must keep (tests/unit/test_bpf_cache.py), and the "before" of
bench/seccomp.py's install rows.

Layout: ld [arch]; jeq AUDIT_ARCH_X86_64 else kill; ld [nr]; jge 0x40000000 -> (nr == -1 ?
default : kill); a balanced jge tree over the sorted rule numbers, leaves of <= 4 jeq, each leaf
with its own returns and a ja to the argument checks of a constrained syscall.
"""

from __future__ import annotations

from collections.abc import Mapping

from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.args import ArgRule, compile_rule
from ccsandbox.bpf.compile import Action
from ccsandbox.bpf.insn import Insn

LEAF_SIZE = 4

__all__ = ["build_filter"]


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

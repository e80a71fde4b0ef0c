"""The number dispatch of a filter (pure): a search tree over spans of the number line, shaped
for what installing it costs (:mod:`.cache`).

A filter's verdict for a native call depends on the number alone, except for the few syscalls
with an argument check. So the number line ``0 .. 2**32-1`` cuts into spans of consecutive
numbers with one verdict (a run of allowed syscalls, a gap of denied ones, the x32 numbers, -1),
and a span of its own for each checked syscall. The dispatch is a binary tree of ``jge`` over
span boundaries whose leaves are spans (a ``ret``, or the syscall's checks) or chains: ``jeq``
for each of a few single-number spans ("points") in a stretch that otherwise has one verdict,
then that verdict. An allowed syscall alone among denied ones is one ``jeq`` in a chain, where
``jge`` would need a boundary on each side of it.

What the shape costs, in instructions walked: installing the filter walks it once for each
native number (:data:`~.cache.NATIVE_NR`), about 2.5 ns per instruction walked, and every
instruction of the filter costs about 0.2 us more (checking, conversion to eBPF, JIT), as much as
:data:`INSN_COST` = 80 instructions walked. :func:`optimal` minimises weight x depth over the
leaves plus :data:`INSN_COST` per instruction, the weight of a span being how many numbers the
kernel emulates in it, so the big denied gaps sit next to the root and the x32 numbers, which
the kernel never emulates, deep down. A checked syscall runs the filter on every call, not only
at install: it weighs at least an average span's share, and :func:`plan` keeps it within one
level of a balanced tree's depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from . import insn as bpf
from .cache import NATIVE_NR, PASSTHROUGH
from .insn import Insn

__all__ = ["INSN_COST", "Chain", "Span", "Split", "Tree", "code", "depths", "optimal", "plan", "weights"]

INSN_COST = 80  # instructions walked at install that cost what installing one instruction does
MAX_CHAIN = 8  # points in one chain: past that, the walks through it cost more than it saves


class Span(NamedTuple):
    """Numbers ``lo .. hi`` (inclusive), answered ``ret value``, or by ``checks`` when set
    (the argument checks of syscall ``lo == hi``)."""

    lo: int
    hi: int
    value: int
    checks: tuple[Insn, ...] = ()


class Split(NamedTuple):
    """``jge pivot``: numbers below go to ``low``, the others to ``high``."""

    pivot: int
    low: Tree
    high: Tree


class Chain(NamedTuple):
    """``jeq`` for each point (span indices, in the order tested), else ``ret background``."""

    points: tuple[int, ...]
    background: int


#: a leaf (the index of its span), a split or a chain
Tree = int | Split | Chain


def weights(spans: Sequence[Span]) -> list[int]:
    """Each span's weight: the native numbers the kernel emulates in it at install, and for a
    checked syscall at least an average span's share (it runs on every call)."""
    emulated = [
        max(0, min(s.hi, NATIVE_NR - 1) - s.lo + 1) - sum(s.lo <= n <= s.hi for n in PASSTHROUGH) for s in spans
    ]
    share = -(-sum(emulated) // len(spans))
    return [max(w, share) if s.checks else w for s, w in zip(spans, emulated, strict=True)]


def _chains(spans: Sequence[Span], weight: Sequence[int], insn: int) -> dict[tuple[int, int], tuple[int, Chain]]:
    """The best chain, and its cost, for each run of spans ``i..j`` that can be one."""
    found: dict[tuple[int, int], tuple[int, Chain]] = {}
    for i in range(len(spans)):
        for j in range(i + 1, min(len(spans), i + 2 * MAX_CHAIN + 1)):
            run = range(i, j + 1)
            wide = {spans[k].value for k in run if spans[k].lo != spans[k].hi}
            if len(wide) > 1:
                break  # two stretches of different verdicts: no chain holds both
            best: tuple[int, Chain] | None = None
            for value in wide or {spans[k].value for k in run if not spans[k].checks}:
                points = sorted(
                    (k for k in run if spans[k].checks or spans[k].value != value), key=lambda k: -weight[k]
                )
                if len(points) > MAX_CHAIN:
                    continue
                rest = sum(weight[k] for k in run) - sum(weight[k] for k in points)
                cost = sum((n + 1) * weight[k] for n, k in enumerate(points)) + len(points) * (rest + insn)
                if best is None or cost < best[0]:
                    best = (cost, Chain(tuple(points), value))
            if best is not None:
                found[(i, j)] = best
    return found


def optimal(spans: Sequence[Span], weight: Sequence[int]) -> Tree:
    """The tree over ``spans`` that minimises weight x depth plus :data:`INSN_COST` per
    instruction, by dynamic programming over runs of spans (a run is a leaf, a chain or a split
    into two runs), the split searched within Knuth's bound (between the best splits of the run
    less its last span and less its first). Each weight gets a small tie-breaker of its own, so
    that spans nobody emulates still form a balanced tree rather than a line."""
    n = len(spans)
    scale = 4 * n
    w = [x * scale + 1 for x in weight]
    prefix = [0]
    for x in w:
        prefix.append(prefix[-1] + x)
    chains = _chains(spans, w, INSN_COST * scale)
    cost = [[0] * n for _ in range(n)]
    split = [[i] * n for i in range(n)]
    chosen: dict[tuple[int, int], Chain] = {}
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            best, where = -1, i
            for t in range(split[i][j - 1], min(split[i + 1][j], j - 1) + 1):
                c = cost[i][t] + cost[t + 1][j]
                if best < 0 or c < best:
                    best, where = c, t
            best += prefix[j + 1] - prefix[i] + INSN_COST * scale
            split[i][j] = where
            chain = chains.get((i, j))
            if chain is not None and chain[0] < best:
                best, chosen[(i, j)] = chain
            cost[i][j] = best

    def build(i: int, j: int) -> Tree:
        if i == j:
            return i
        if (i, j) in chosen:
            return chosen[(i, j)]
        t = split[i][j]
        return Split(spans[t + 1].lo, build(i, t), build(t + 1, j))

    return build(0, n - 1)


def depths(tree: Tree, depth: int = 0) -> dict[int, int]:
    """The jumps from the root to each span that is a leaf or a point of a chain."""
    if isinstance(tree, int):
        return {tree: depth}
    if isinstance(tree, Chain):
        return {k: depth + n + 1 for n, k in enumerate(tree.points)}
    return depths(tree.low, depth + 1) | depths(tree.high, depth + 1)


def plan(spans: Sequence[Span]) -> Tree:
    """The dispatch for ``spans``: :func:`optimal` for :func:`weights`, with each checked
    syscall at most ``ceil(log2(len(spans))) + 1`` jumps from the root, one more than a balanced
    tree. The weights nearly always give that by themselves; when not, the checked spans weigh
    twice as much until they do (with all weights equal the tree is balanced: it always does)."""
    weight = weights(spans)
    checked = [i for i, s in enumerate(spans) if s.checks]
    bound = (len(spans) - 1).bit_length() + 1
    for _ in range(16):
        tree = optimal(spans, weight)
        depth = depths(tree)
        if all(depth[i] <= bound for i in checked):
            return tree
        for i in checked:
            weight[i] *= 2
    return optimal(spans, [1] * len(spans))


def code(spans: Sequence[Span], tree: Tree) -> list[Insn]:
    """``tree`` as code entered with the number in the accumulator, in preorder (a split, its
    low side, its high side; a chain, its ``ret``, its points), a leaf's ``ret`` or checks in
    its place, checks that several spans share once at the end. Jump offsets are not limited to
    255 here and every leaf has its own ``ret``: :func:`.assemble.assemble` fixes both."""
    out: list[list[int]] = []  # code, jt, jf (absolute targets), k
    uses: dict[tuple[Insn, ...], int] = {}
    for s in spans:
        if s.checks:
            uses[s.checks] = uses.get(s.checks, 0) + 1
    shared: dict[tuple[Insn, ...], list[tuple[int, int]]] = {b: [] for b, n in uses.items() if n > 1}

    def place(block: tuple[Insn, ...]) -> int:
        start = len(out)
        out.extend([i.code, start + n + 1 + i.jt, start + n + 1 + i.jf, i.k] for n, i in enumerate(block))
        return start

    def leaf(k: int, at: tuple[int, int] | None) -> int:
        """Place span ``k``'s leaf; for shared checks, note the jump at ``at`` to patch (-1)."""
        s = spans[k]
        if s.checks in shared and at is not None:
            shared[s.checks].append(at)
            return -1
        return place(s.checks or (bpf.ret(s.value),))

    def emit(tree: Tree, at: tuple[int, int] | None) -> int:
        start = len(out)
        if isinstance(tree, int):
            return leaf(tree, at)
        if isinstance(tree, Chain):
            out.extend([bpf.JMP | bpf.JEQ | bpf.K, 0, start + n + 1, spans[k].lo] for n, k in enumerate(tree.points))
            out.append([bpf.RET_K, 0, 0, tree.background])
            for n, k in enumerate(tree.points):
                target = leaf(k, (start + n, 1))
                if target >= 0:
                    out[start + n][1] = target
            return start
        out.append([bpf.JMP | bpf.JGE | bpf.K, 0, 0, tree.pivot])
        out[start][2] = emit(tree.low, (start, 2))
        out[start][1] = emit(tree.high, (start, 1))
        return start

    entry = emit(tree, None)
    assert entry == 0
    for block, jumps in shared.items():
        start = place(block)
        for insn, field in jumps:
            out[insn][field] = start
    return [
        Insn(c, jt - pc - 1, jf - pc - 1, k) if c & 0x07 == bpf.JMP and c != bpf.JMP | bpf.JA else Insn(c, 0, 0, k)
        for pc, (c, jt, jf, k) in enumerate(out)
    ]

"""ENOSYS fallback facts from printed IR (pure): which blocks run only after a site returned
-ENOSYS. The reference extractor's half of passes/lib/FallbackFacts.cpp: the same rules,
compared on the shared fixture (passes/test/Inputs/enosys.ll) and on the real programs.

musl tries a newer syscall first and falls back to an older one when the kernel answers
``-ENOSYS`` (``r = __syscall(SYS_epoll_create1, 0); if (r == -ENOSYS) r = __syscall(SYS_epoll_create, 1)``).
After LTO that is a branch on the raw result of the first syscall's asm (or of a call to a native
wrapper such as ``__syscall_cp_asm``), compared with -38, or, once musl's ``int`` truncation is
folded, its low 32 bits (``and i64 %r, 4294967295`` == 4294967258). Recognised, on the edge that
is taken only when the comparison holds:

* ``icmp eq V, -ENOSYS`` (true edge), ``icmp ne V, -ENOSYS`` (false edge);
* ``and``/``select X, Y, false`` of such conditions (true edge), ``or``/``select X, true, Y``
  (false edge), and ``switch`` cases of -ENOSYS;
* V with integer casts looked through, and phi of such values.

A block is recorded when the target of such an edge (a block whose only incoming edge it is)
dominates it; the guard is the set of sites whose result V may be. Whether a guard really means
"this kernel lacks the syscall" is the analysis's decision (ccsandbox/analysis/fallbacks.py), not
the extractor's: it records the shape only. Anything else (errno comparisons, a constant -ENOSYS
as a phi input) is no guard, so its block stays a normal block.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import networkx as nx

from .irorder import LABEL_USE, Block, label_name
from .irtext import INT, PHI_INCOMING

__all__ = ["ENOSYS", "enosys_blocks"]

ENOSYS = 38
_LOW32, _LOW32_ENOSYS = 0xFFFFFFFF, 0xFFFFFFFF - ENOSYS + 1
_MAX_DEPTH = 4
_ICMP = re.compile(r"^icmp (eq|ne) i(\d+) (\S+), (\S+?)(?:,|$)")
_LOGIC = re.compile(r"^(and|or) i1 (\S+), (\S+?)(?:,|$)")
_SELECT = re.compile(r"^select i1 (\S+), i1 (\S+), i1 (\S+?)(?:,|$)")
_MASK = re.compile(r"^and i64 (\S+), 4294967295(?:,|$)")


class _Reader:
    """Values of one function: definitions by SSA name, integer casts looked through (``strip``,
    the extractor's own), and the site each call result is."""

    def __init__(self, defs: dict[str, str], strip: Callable[[str], str], site_of: dict[str, int]) -> None:
        self.defs, self.strip, self.site_of = defs, strip, site_of

    def sources(self, value: str, depth: int = 0) -> set[int] | None:
        """The sites whose result ``value`` is (through casts and phis), or None."""
        value = self.strip(value)
        if value in self.site_of:
            return {self.site_of[value]}
        text = self.defs.get(value, "")
        if text.startswith("phi ") and depth < _MAX_DEPTH:
            out: set[int] = set()
            for incoming in PHI_INCOMING.findall(text):
                if incoming.strip() == value:
                    continue
                found = self.sources(incoming.strip(), depth + 1)
                if found is None:
                    return None
                out |= found
            return out or None
        return None

    def compared(self, value: str, constant: str, bits: int) -> set[int] | None:
        """The sites whose -ENOSYS result ``value == constant`` means, or None."""
        if bits < 8 or not INT.fullmatch(constant):
            return None
        wrapped = int(constant) % (1 << bits)
        value = self.strip(value)
        masked = _MASK.match(self.defs.get(value, ""))
        if bits == 64 and masked and wrapped == _LOW32_ENOSYS:
            return self.sources(masked[1])
        if wrapped == (-ENOSYS) % (1 << bits):
            return self.sources(value)
        return None

    def guards(self, cond: str, taken: bool, depth: int = 0) -> list[frozenset[int]]:
        """Guards implied by ``cond`` being ``taken`` (true or false)."""
        text = self.defs.get(cond, "")
        if depth > _MAX_DEPTH:
            return []
        icmp = _ICMP.match(text)
        if icmp:
            if (icmp[1] == "eq") != taken:
                return []
            found = self.compared(icmp[3], icmp[4], int(icmp[2]))
            return [frozenset(found)] if found else []
        logic = _LOGIC.match(text)
        if logic and (logic[1] == "and") == taken:
            return self.guards(logic[2], taken, depth + 1) + self.guards(logic[3], taken, depth + 1)
        select = _SELECT.match(text)
        if select:
            if taken and select[3] == "false":  # X && Y
                return self.guards(select[1], True, depth + 1) + self.guards(select[2], True, depth + 1)
            if not taken and select[2] == "true":  # X || Y
                return self.guards(select[1], False, depth + 1) + self.guards(select[3], False, depth + 1)
        return []


def _terminator(block: Block) -> str:
    """The block's terminator as one line (``switch`` spans several)."""
    for n, line in enumerate(block.lines):
        if line.startswith("switch "):
            return " ".join(block.lines[n:])
    return block.lines[-1] if block.lines else ""


def _edges(term: str, reader: _Reader) -> list[tuple[str, list[frozenset[int]]]]:
    """(target label, guards) for each edge of a terminator taken only on -ENOSYS."""
    if term.startswith("br i1 "):
        cond = term[len("br i1 ") :].split(",")[0].strip()
        labels = [label_name(t) for t in LABEL_USE.findall(term)]
        if len(labels) != 2:
            return []
        return [(labels[0], reader.guards(cond, True)), (labels[1], reader.guards(cond, False))]
    if term.startswith("switch "):
        head, _, cases = term.partition("[")
        match = re.match(r"switch i(\d+) (\S+), label", head)
        if not match:
            return []
        out = []
        for case in re.finditer(r"i\d+ (-?\d+), label %(\"(?:[^\"\\]|\\.)*\"|[-\w.$]+)", cases):
            found = reader.compared(match[2], case[1], int(match[1]))
            if found:
                out.append((label_name(case[2]), [frozenset(found)]))
        return out
    return []


def enosys_blocks(
    blocks: list[Block],
    succ: list[list[int]],
    defs: dict[str, str],
    strip: Callable[[str], str],
    site_of: dict[str, int],
    site_blocks: set[int],
) -> dict[int, list[list[int]]]:
    """Block (with sites) -> guards: each guard the sorted sites one of whose -ENOSYS result every
    path to the block has seen (the one of them that ran last returned -ENOSYS)."""
    reader = _Reader(defs, strip, site_of)
    numbered = {b.label: i for i, b in enumerate(blocks) if b.label is not None}
    incoming: dict[int, int] = {}  # block -> number of edges into it (with multiplicity)
    for block in blocks:
        for label in map(label_name, LABEL_USE.findall(_terminator(block))):
            if label in numbered:
                incoming[numbered[label]] = incoming.get(numbered[label], 0) + 1
    targets: dict[int, set[frozenset[int]]] = {}
    for block in blocks:
        for label, guards in _edges(_terminator(block), reader):
            target = numbered.get(label)
            if guards and target is not None and target != 0 and incoming.get(target) == 1:
                targets.setdefault(target, set()).update(guards)
    if not targets:
        return {}
    graph = nx.DiGraph([(b, s) for b, ss in enumerate(succ) for s in ss])
    graph.add_node(0)
    idom = dict(nx.immediate_dominators(graph, 0))  # networkx >= 3.5 leaves the start out
    idom[0] = 0
    out: dict[int, list[list[int]]] = {}
    for number in sorted(site_blocks):
        if number not in idom:
            continue  # unreachable from the entry: left as it is
        found: set[frozenset[int]] = set()
        walk = number
        while True:
            found |= targets.get(walk, set())
            if idom[walk] == walk:
                break
            walk = idom[walk]
        if found:
            out[number] = sorted(sorted(g) for g in found)
    return out

"""Order inside functions from printed IR (pure): basic blocks, their successors, and the
inlined-at chains of debug locations. Mirrors passes/lib/OrderFacts.cpp.

Blocks are numbered in the order LLVM prints them (the function's block list). A block's
successors are the ``label %x`` operands of its terminator (``br``, ``switch`` over several
lines, ``invoke``, ``callbr``, ``indirectbr``): no other instruction has label operands.
"""

from __future__ import annotations

import re
from collections import defaultdict

from .irtext import unescape

__all__ = ["LABEL_USE", "Block", "DebugLocations", "inlined_starts", "label_name", "split_blocks", "successors"]

_LABEL_DEF = re.compile(r'^("(?:[^"\\]|\\.)*"|[-\w.$]+):(\s*;.*)?$')
LABEL_USE = re.compile(r'\blabel %("(?:[^"\\]|\\.)*"|[-\w.$]+)')
_NAME = re.compile(r'\bname: "((?:[^"\\]|\\.)*)"')
_FIELD = {key: re.compile(rf"\b{key}: (![0-9]+)") for key in ("scope", "inlinedAt")}
_DBG = re.compile(r"!dbg (![0-9]+)")


def label_name(token: str) -> str:
    """A label as written in IR (``17``, ``"a b"``) -> its name."""
    return unescape(token[1:-1]) if token.startswith('"') else token


class Block:
    """One basic block: its instruction lines and the labels its terminator may jump to."""

    def __init__(self, label: str | None) -> None:
        self.label = label
        self.lines: list[str] = []
        self.targets: set[str] = set()


def split_blocks(body: list[str]) -> list[Block]:
    """The blocks of a function body (the lines between ``define ... {`` and ``}``)."""
    blocks: list[Block] = []
    for line in body:
        stripped = line.strip()
        if not stripped or stripped.startswith(";"):
            continue
        label = _LABEL_DEF.match(stripped)
        if label and not line.startswith(" "):
            blocks.append(Block(label_name(label[1])))
            continue
        if not blocks:
            blocks.append(Block(None))  # an unnamed entry block
        blocks[-1].lines.append(stripped)
        blocks[-1].targets.update(label_name(t) for t in LABEL_USE.findall(stripped))
    return blocks


def successors(blocks: list[Block]) -> list[list[int]]:
    """Each block's successor block numbers, sorted and without repeats."""
    number = {b.label: i for i, b in enumerate(blocks) if b.label is not None}
    return [sorted({number[t] for t in b.targets if t in number}) for b in blocks]


def inlined_starts(
    block_inlined: dict[int, dict[tuple[str, ...], int]], succ: list[list[int]]
) -> dict[int, dict[tuple[str, ...], int]]:
    """Keep a chain only where its code can start: in the entry block, or in a block with a
    predecessor that has none of it (as passes/lib/OrderFacts.cpp)."""
    preds: dict[int, set[int]] = defaultdict(set)
    for block, targets in enumerate(succ):
        for target in targets:
            preds[target].add(block)
    starts: dict[int, dict[tuple[str, ...], int]] = {}
    for block, chains in block_inlined.items():
        for chain, first in chains.items():
            if block == 0 or any(chain not in block_inlined.get(p, {}) for p in preds[block]):
                starts.setdefault(block, {})[chain] = first
    return starts


class DebugLocations:
    """``!DILocation``/``!DISubprogram``/lexical-block nodes, for inlined-at chains."""

    _NODE = re.compile(r"^(![0-9]+) = (?:distinct )?!(DI\w+)\((.*)\)$")

    def __init__(self, lines: list[str]) -> None:
        self.nodes: dict[str, tuple[str, str]] = {}
        self.has_debug_info = False
        for line in lines:
            if line.startswith("!llvm.dbg.cu = "):
                self.has_debug_info = True
            if line.startswith("!"):
                match = self._NODE.match(line)
                if match:
                    self.nodes[match[1]] = (match[2], match[3])

    def _field(self, node: str, key: str) -> str | None:
        found = _FIELD[key].search(self.nodes.get(node, ("", ""))[1])
        return found[1] if found else None

    def _subprogram(self, scope: str | None) -> str | None:
        for _ in range(64):  # scopes nest: lexical blocks (files) inside a subprogram
            if scope is None or scope not in self.nodes:
                return None
            kind, fields = self.nodes[scope]
            if kind == "DISubprogram":
                name = _NAME.search(fields)
                return unescape(name[1]) if name else ""
            scope = self._field(scope, "scope")
        return None

    def inlined_chain(self, instr: str) -> list[str]:
        """Source functions an instruction was inlined out of, innermost first (``[]`` if none)."""
        match = _DBG.search(instr)
        chain: list[str] = []
        location = match[1] if match else None
        while location is not None:
            outer = self._field(location, "inlinedAt")
            if outer is None:
                break
            name = self._subprogram(self._field(location, "scope"))
            if name is not None:
                chain.append(name)
            location = outer
        return chain

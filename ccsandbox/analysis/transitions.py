"""Transitions (pure): where a phase begins, as given (``FUNC`` or ``CALLER:CALLEE``), and
where in the program it can happen.

An entry ``F`` happens at the first entry of an out-of-line ``F`` or in any block holding code
LTO inlined from ``F`` (found through the sites' inlined-at chains, debug info); a call site
``CALLER:CALLEE`` happens just before each such call, inlined or not. A transition that cannot
happen (an unknown function, one never reached, a call removed) is a :class:`PhaseError`, with
close names when the name is unknown.
"""

from __future__ import annotations

import difflib
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import PhaseError

if TYPE_CHECKING:  # a type only: Transition itself is parsed from the command line, before any analysis
    from .phase_program import PhaseProgram

__all__ = ["Transition", "Where", "occurrences"]


@dataclass(frozen=True)
class Transition:
    """Where phase k+1 begins: the first entry of `entry`, or just before a call caller->callee."""

    entry: str | None = None
    caller: str | None = None
    callee: str | None = None

    @staticmethod
    def parse(spec: str) -> Transition:
        """``"FUNC"`` -> an entry; ``"CALLER:CALLEE"`` -> a call site."""
        if spec.count(":") == 1 and all(spec.split(":")):
            caller, callee = spec.split(":")
            return Transition(caller=caller, callee=callee)
        if not spec or ":" in spec:
            raise PhaseError(f"bad transition {spec!r}: give FUNC or CALLER:CALLEE")
        return Transition(entry=spec)

    def __str__(self) -> str:
        return self.entry if self.entry is not None else f"{self.caller}:{self.callee}"


def _close(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=5, cutoff=0.7)
    return f"; did you mean {', '.join(close)}?" if close else ""


@dataclass
class Where:
    """Where T can happen: functions entered whole (out-of-line F) and, per host function, the
    sites from which T has happened (the CALLER->CALLEE call sites) and the blocks holding code
    inlined from F (T is somewhere in the block: every site of it counts)."""

    whole: set[str] = field(default_factory=set)
    sites: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    blocks: dict[str, set[tuple[int, int]]] = field(default_factory=lambda: defaultdict(set))

    def hosts(self) -> set[str]:
        return self.whole | set(self.sites) | set(self.blocks)


def occurrences(program: PhaseProgram, t: Transition) -> Where:
    """Where ``t`` can happen in ``program``'s live code; a transition that cannot is refused."""
    facts = program.facts
    where = Where()
    whole, at, blocks = where.whole, where.sites, where.blocks
    if t.entry is not None:
        fn = facts.functions.get(t.entry)
        if fn is not None and not fn.declaration and t.entry in program.live:
            whole.add(t.entry)
        for host, point, _chain in program.inlined_at(t.entry):
            blocks[host].add(point)
        known = fn is not None or t.entry in program.inlined_names
        if not known:
            if not facts.debug_info:
                raise PhaseError(
                    f"{t.entry} is not a function of the module{_close(t.entry, program.all_names())} "
                    "(if LTO inlined it, the module has no debug info to find the inlined copy: use "
                    "--at CALLER:CALLEE, or rebuild with --phase-entry "
                    f"{t.entry})"
                )
            raise PhaseError(f"unknown function {t.entry}{_close(t.entry, program.all_names())}")
        if not where.hosts():
            raise PhaseError(f"{t.entry} is never reached from an entry point: no phase can begin there")
        return where
    assert t.caller is not None and t.callee is not None
    for name in (t.caller, t.callee):
        if name not in facts.functions and name not in program.inlined_names:
            raise PhaseError(f"unknown function {name}{_close(name, program.all_names())}")
    for host in program.live:
        fn = facts.functions.get(host)
        if fn is None:
            continue
        for index, site in enumerate(fn.sites):
            chain = (*site.inlined, host)
            if site.kind == "c" and fn.calls[site.refs[0]].callee == t.callee and chain[0] == t.caller:
                at[host].add(index)  # the call itself
        for block, chains in fn.block_inlined.items():
            for inlined, first in chains:
                chain = (*inlined, host)
                if any(a == t.callee and b == t.caller for a, b in itertools.pairwise(chain)):
                    blocks[host].add((block, first))  # the callee inlined into the caller
    if not where.hosts():
        raise PhaseError(
            f"{t.caller} never calls {t.callee} directly in reachable code (or the call was removed): "
            "no phase can begin there"
        )
    return where

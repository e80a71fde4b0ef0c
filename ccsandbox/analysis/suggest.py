"""Choosing transition points automatically (pure): ``phasecut --suggest``.

Candidates run once, on the main path: the call sites of ``main`` outside loops (``--at
main:F``), code LTO inlined straight into ``main`` (``--entry F``, found through debug info), and,
one level down, the call sites outside loops of functions that ``main`` calls exactly once.

A later point always blocks at least as much, so "most blocked" alone would pick the last call
before ``exit``. The work of a program is in loops (serving, reading statements, listing
directories), so a candidate's score is what it removes times the work of the loops of the program's own code
still ahead of it (the functions those loops reach, relative to the candidate with the most);
ties go to the earlier point: the end of set-up with the work still ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import PhaseError
from ..facts.schema import Facts
from ..syscalls import name_of
from ..sysroot import is_libc
from .analyze import Analysis
from .asm_model import NativeFunction
from .callgraph import is_dispatch
from .phase_program import PhaseProgram, sites_after
from .phase_reach import PhaseReach, phase_reach
from .policy import allowed_syscalls
from .transitions import Transition

MAX_CANDIDATES = 48

__all__ = ["Suggestion", "candidates", "suggest_transitions"]


@dataclass(frozen=True)
class Suggestion:
    transition: Transition
    allowed: frozenset[int]  # what the phase after it allows (without later transitions)
    work: int  # functions the loops of the program's own code still ahead of it reach
    score: float

    @property
    def flag(self) -> str:
        t = self.transition
        return f"--entry {t.entry}" if t.entry is not None else f"--at {t.caller}:{t.callee}"

    def to_json(self) -> dict[str, Any]:
        return {
            "transition": str(self.transition),
            "flag": self.flag,
            "allowed_count": len(self.allowed),
            "allowed": [{"nr": nr, "name": name_of(nr)} for nr in sorted(self.allowed)],
            "loop_work_ahead": self.work,
            "score": round(self.score, 3),
        }


def candidates(program: PhaseProgram, libc: set[str] | None = None, root: str = "main") -> list[Transition]:
    """Transitions that run once on the main path, in program order (see the module docstring).
    With ``libc`` (its symbol names), calls into libc are not candidates: the work is the
    program's."""
    facts = program.facts

    def ours(name: str) -> bool:
        return libc is None or not is_libc(name, libc)

    fn = facts.functions.get(root)
    if fn is None or not fn.sites:
        return []
    found: list[Transition] = []
    seen: set[Transition] = set()

    def add(t: Transition) -> None:
        if t not in seen:
            seen.add(t)
            found.append(t)

    inlined_from = {b: [c[-1] for c, _ in chains if ours(c[-1])] for b, chains in fn.block_inlined.items()}
    blocks_done: set[int] = set()
    once: list[str] = []
    for index, site in enumerate(fn.sites):
        for block in range(min(blocks_done | {site.block}), site.block + 1):
            if block not in blocks_done:
                blocks_done.add(block)
                for name in inlined_from.get(block, ()):
                    add(Transition(entry=name))  # code inlined straight into main
        if site.kind != "c" or site.inlined or index in sites_after(fn, [index]):
            continue  # a call through a pointer, from inlined code, or inside a loop
        callee = fn.calls[site.refs[0]].callee
        if not ours(callee):
            continue
        add(Transition(caller=root, callee=callee))
        callers = program.direct_callers.get(callee, [])
        if len(callers) == 1 and callee in facts.functions and facts.functions[callee].sites:
            once.append(callee)
    for name in once:
        inner = facts.functions[name]
        for index, site in enumerate(inner.sites):
            callee = inner.calls[site.refs[0]].callee if site.kind == "c" else ""
            if callee and ours(callee) and not site.inlined and index not in sites_after(inner, [index]):
                add(Transition(caller=name, callee=callee))
    if len(found) > MAX_CANDIDATES:  # spread evenly over the main path
        step = len(found) / MAX_CANDIDATES
        found = [found[int(i * step)] for i in range(MAX_CANDIDATES)]
    return found


def _loops_ahead(program: PhaseProgram, reach: PhaseReach, libc: set[str] | None) -> int:
    """How much work the loops of the program's own code that can still run after the
    transition do: the program's functions (not libc's) reachable from the calls inside those loops (in the entry
    function, or in the rest of the program's functions on the stack). Serving, reading
    statements or listing directories happens in a loop that reaches most of the program; the
    loops of set-up helpers reach little, and a point with no loop ahead has the work behind it."""
    facts = program.facts
    seeds: set[str] = set()
    hosts: list[tuple[str, frozenset[int] | None]] = [
        (n, None) for n, why in reach.seeds.items() if why.startswith("entered at")
    ]
    hosts += [(h, i) for h, i in reach.partial.items() if libc is None or not is_libc(h, libc)]
    for host, indexes in hosts:
        fn = facts.functions.get(host)
        if fn is None:
            continue
        for index in range(len(fn.sites)) if indexes is None else indexes:
            site = fn.sites[index]
            if site.kind == "s" or index not in sites_after(fn, [index]):
                continue
            seeds.add(fn.calls[site.refs[0]].callee if site.kind == "c" else program.dispatch_of(host, index))
    return sum(1 for n in program.descendants(seeds) if not is_dispatch(n) and (libc is None or not is_libc(n, libc)))


def suggest_transitions(
    facts: Facts, natives: dict[str, NativeFunction], whole: Analysis, count: int = 5, libc: set[str] | None = None
) -> list[Suggestion]:
    """The ``count`` best single transitions by score (see the module docstring)."""
    program = PhaseProgram(facts, natives, whole)
    whole_allowed = set(allowed_syscalls(whole.syscalls))
    evaluated: list[tuple[Transition, frozenset[int], int]] = []
    for t in candidates(program, libc):
        try:
            reach = phase_reach(program, t)
        except PhaseError:
            continue
        allowed = frozenset(allowed_syscalls(reach.syscalls))
        if reach.syscalls.unresolved:
            continue
        evaluated.append((t, allowed, _loops_ahead(program, reach, libc)))
    most = max([loops for _, _, loops in evaluated] + [1])
    scored: list[tuple[float, int, Suggestion]] = []
    for order, (t, allowed, loops) in enumerate(evaluated):
        removed = len(whole_allowed - allowed)
        suggestion = Suggestion(t, allowed, loops, removed * max(loops, 1) / most)
        scored.append((-suggestion.score, order, suggestion))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [s for _, _, s in scored[:count]]

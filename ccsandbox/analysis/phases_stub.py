"""A stand-in for ``ccsandbox.analysis.phases`` (owned by the phase analysis), same API.

Enforcement (``--phase-entry``/``--phase-at``) is developed against this until the real module,
which knows the order of calls inside functions, is merged; ``ccsandbox/embed/phases.py`` imports
one or the other in exactly one place. Without order inside functions, "what can run after the
first entry of E" is approximated from the call graph alone, conservatively:

* every function from which E can be reached (its callers, theirs, ... through indirect calls
  too) may continue after E returns, so everything reachable from them counts; except musl's
  process entry chain (``_start_c`` and ``__libc_start_main`` run main, then only ``exit``), which
  is replaced by ``exit``;
* code entered asynchronously in any phase: signal handlers (once installed they stay), the
  destructors, and threads started earlier (``__clone``'s callbacks), whose code keeps running;
* the markers of this and earlier transitions are left out: reached again, they return at once,
  and what they need (``seccomp`` to install the filter) belongs to the phase before.

So what is removed is code that only runs before the transition and is not an ancestor of it:
constructors, musl's start-up, set-up functions called only from outside the transition's call
chain. Coarse, but it never drops what the program can still reach.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from ..errors import AnalysisError
from ..facts.schema import Facts
from .analyze import analyze
from .asm_model import load_asm_model
from .callgraph import IndirectMode, is_dispatch
from .policy import allowed_syscalls
from .syscalls import resolve_syscalls

__all__ = ["Phase", "PhaseAnalysis", "Transition", "analyze_phases"]

#: musl's process entry: they call main and then exit(); nothing else of theirs runs later.
ENTRY_CHAIN = frozenset({"_start", "_start_c", "__libc_start_main", "libc_start_main_stage2"})
#: What runs after main returns (atexit handlers, destructors, stdio flushing).
AFTER_MAIN = "exit"
#: Thread and clone children run from here (assembly model), and keep running across transitions.
CLONE = "__clone"


@dataclass(frozen=True)
class Transition:
    """Where phase k+1 begins: the first entry of ``entry``, or just before a call caller->callee."""

    entry: str | None = None
    caller: str | None = None
    callee: str | None = None

    @staticmethod
    def parse(spec: str) -> Transition:
        caller, sep, callee = spec.partition(":")
        if not sep:
            return Transition(entry=spec)
        return Transition(caller=caller, callee=callee)


@dataclass(frozen=True)
class Phase:
    index: int
    allowed: frozenset[int]  # cumulative: this phase and every later one
    own: frozenset[int]  # reachable in this phase alone
    why: Mapping[int, str]


@dataclass(frozen=True)
class PhaseAnalysis:
    transitions: tuple[Transition, ...]
    phases: tuple[Phase, ...]
    seconds: float


def _live_roots(graph: nx.DiGraph, entry: str, roots: Mapping[str, str], facts: Facts) -> set[str]:
    ancestors = {n for n in nx.ancestors(graph, entry) if not is_dispatch(n)} - ENTRY_CHAIN
    live = ancestors | {AFTER_MAIN, CLONE} | set(facts.dtors)
    live |= {name for name, why in roots.items() if "signal handler" in why}
    return {n for n in live if n in graph}


def analyze_phases(
    facts: Facts, transitions: Sequence[Transition], *, indirect_mode: str = "signature"
) -> PhaseAnalysis:
    """Phase 0 (the whole program) and one phase per transition (entries only in this stub)."""
    started = time.monotonic()
    natives = load_asm_model()
    whole = analyze(facts, natives, IndirectMode(indirect_mode))
    graph = whole.call_graph.graph
    own: list[frozenset[int]] = [frozenset(whole.syscalls.sites)]
    why: list[dict[int, str]] = [allowed_syscalls(whole.syscalls)]
    for k, transition in enumerate(transitions, start=1):
        entry = transition.entry
        if entry is None or entry not in graph:
            raise AnalysisError(f"phase transition {k}: no function {entry or transition} in the module")
        pruned = graph.copy()
        pruned.remove_nodes_from(t.entry for t in transitions[:k])
        roots = _live_roots(graph, entry, whole.roots, facts)
        live: set[str] = set()
        for root in roots:
            if root in pruned:
                live |= {root} | nx.descendants(pruned, root)
        reachable = frozenset(n for n in live if not is_dispatch(n)) & whole.reachable
        found = resolve_syscalls(facts, natives, pruned, reachable, roots)
        if found.unresolved:  # an unknown number: keep the whole program's set for this phase
            own.append(own[0])
            why.append(dict(why[0]))
            continue
        own.append(frozenset(found.sites))
        why.append(allowed_syscalls(found))
    phases: list[Phase] = []
    later: dict[int, str] = {}
    for k in reversed(range(len(own))):
        merged = {**later, **why[k]}
        phases.append(Phase(k, frozenset(merged), own[k], merged))
        later = merged
    return PhaseAnalysis(tuple(transitions), tuple(reversed(phases)), time.monotonic() - started)

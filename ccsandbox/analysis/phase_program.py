"""The program as the phase walk sees it (pure): order inside functions, and who can call whom.

A phase is what can still run after a transition; finding it needs, besides the whole-program
analysis, the sites of a function that can run after a given site (its block graph, loops
included), the live callers of each function (direct, through a pointer, and musl's start-up,
which calls ``main`` through a pointer it never stores), and the blocks holding code LTO inlined
from a function. :class:`PhaseProgram` builds those indexes once per analysis; the walk itself is
:func:`.phase_reach.phase_reach`.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

from ..facts.schema import Facts, FunctionFacts
from .analyze import Analysis
from .asm_model import NativeFunction
from .callgraph import is_dispatch
from .digraph import Digraph
from .roots import signal_handler_roots

__all__ = ["SETJMP", "STARTUP_ONLY", "THREAD_ENTRY", "PhaseProgram", "setjmp_sites", "sites_after"]


#: Functions that only musl's start-up calls through a pointer, provided their address is taken
#: only where expected: crt1's ``_start_c`` hands ``main`` to ``__libc_start_main``, which (musl
#: 1.2.3, src/env/__libc_start_main.c) passes it on to ``libc_start_main_stage2`` and calls it
#: there, as ``exit(main(argc, argv, envp))``, without storing it. Any other use of main's
#: address (a program calling main through a pointer) falls back to every compatible call.
#: The same holds for ``libc_start_main_stage2`` itself, whose address ``__libc_start_main``
#: (inlined into ``_start_c`` by LTO) hides behind an asm barrier only to call it once.
#: function -> (the functions allowed to take its address, its only pointer callers)
_START = frozenset({"_start_c", "__libc_start_main"})
STARTUP_ONLY = {
    "main": (frozenset({"_start_c"}), frozenset({"libc_start_main_stage2"})),
    "libc_start_main_stage2": (_START, _START),
}
THREAD_ENTRY = "__clone"  # musl's clone (assembly): the child calls its start routine


def sites_after(fn: FunctionFacts, starts: Iterable[int], points: Iterable[tuple[int, int]] = ()) -> set[int]:
    """Sites of ``fn`` that can run after any of the sites ``starts`` (loops included), or from
    any point ``(block, first site)``: the sites of the block from that one on, and after."""
    by_block: dict[int, list[int]] = defaultdict(list)
    for index, site in enumerate(fn.sites):
        by_block[site.block].append(index)
    found: set[int] = set()
    frontier: deque[int] = deque()
    for block, first in points:
        found.update(i for i in by_block[block] if i >= first)
        frontier.extend(fn.blocks[block])
    for start in starts:
        block = fn.sites[start].block
        found.update(i for i in by_block[block] if i > start)
        frontier.extend(fn.blocks[block])
    seen: set[int] = set()
    while frontier:
        block = frontier.popleft()
        if block in seen:
            continue
        seen.add(block)
        found.update(by_block[block])
        frontier.extend(fn.blocks[block])
    return found


#: A longjmp after the transition can return into any setjmp of a function still on the stack,
#: however early in the function: its code after the setjmp runs again.
SETJMP = frozenset({"setjmp", "_setjmp", "__setjmp", "sigsetjmp", "__sigsetjmp"})


def setjmp_sites(fn: FunctionFacts) -> set[int]:
    """Sites of ``fn`` that call setjmp (a longjmp may resume right after them)."""
    return {i for i, s in enumerate(fn.sites) if s.kind == "c" and fn.calls[s.refs[0]].callee in SETJMP}


class PhaseProgram:
    """The whole-program analysis plus the indexes the phase walk needs (built once per analysis)."""

    def __init__(self, facts: Facts, natives: dict[str, NativeFunction], whole: Analysis) -> None:
        self.facts = facts
        self.natives = natives
        self.whole = whole
        self.graph: Digraph = whole.call_graph.graph
        self.live = whole.reachable
        handlers = signal_handler_roots(facts)  # roots only once rt_sigaction is reachable
        self.handlers = {r for r in whole.roots if r in handlers}
        self.base_roots = {r for r in whole.roots if r not in self.handlers}
        self._by_dispatch: dict[str, dict[str, list[int]]] = {}
        self._dispatch_callers: dict[str, list[tuple[str, int | None]]] = {}
        #: functions only the start-up calls through a pointer: no other pointer call enters them
        self.startup_only = {n for n in STARTUP_ONLY if n in facts.functions and self.startup_callers(n) is not None}
        self.direct_callers: dict[str, list[tuple[str, int]]] = defaultdict(list)  # callee -> (fn, site)
        self.inlined_names = {name for chain in facts.inlined_chains for name in chain}
        for name in self.live:
            fn = facts.functions.get(name)
            if fn is None:
                continue
            for index, site in enumerate(fn.sites):
                if site.kind == "c":
                    self.direct_callers[fn.calls[site.refs[0]].callee].append((name, index))

    def inlined_at(self, source: str) -> list[tuple[str, tuple[int, int], tuple[str, ...]]]:
        """(host, (block, first site), chain) for every live block holding code inlined from
        ``source``: the code starts before that site of the block."""
        chains = {c for c in self.facts.inlined_chains if source in c}
        if not chains:
            return []
        found = []
        for name in self.live:
            fn = self.facts.functions.get(name)
            for block, in_block in fn.block_inlined.items() if fn else ():
                found += [(name, (block, first), c) for c, first in in_block if c in chains]
        return found

    def dispatch_of(self, caller: str, index: int) -> str:
        """The dispatch node of ``caller``'s indirect site ``index`` (as the call graph named it)."""
        site = self.facts.functions[caller].indirect_calls[self.facts.functions[caller].sites[index].refs[0]]
        if site.field and f"<indirect {site.type} {site.field}>" in self.graph.succ[caller]:
            return f"<indirect {site.type} {site.field}>"
        fini = f"<indirect {site.type} .fini_array>"  # musl's .fini_array walk (callgraph.fini_walk)
        return fini if fini in self.graph.succ[caller] else f"<indirect {site.type}>"

    def dispatches_reaching(self, target: str) -> set[str]:
        """Dispatch nodes that may call ``target``."""
        found: set[str] = set()
        for pred in self.graph.predecessors(target):
            if pred.startswith("<functions "):
                found.update(p for p in self.graph.predecessors(pred) if p.startswith("<indirect "))
            elif pred.startswith("<indirect "):
                found.add(pred)
        return found

    def indirect_sites(self, caller: str) -> dict[str, list[int]]:
        """``caller``'s indirect site indexes by dispatch node (cached)."""
        if caller not in self._by_dispatch:
            grouped: dict[str, list[int]] = defaultdict(list)
            for index, site in enumerate(self.facts.functions[caller].sites):
                if site.kind == "i":
                    grouped[self.dispatch_of(caller, index)].append(index)
            self._by_dispatch[caller] = grouped
        return self._by_dispatch[caller]

    def startup_callers(self, target: str) -> frozenset[str] | None:
        """The only pointer callers of ``target`` when only the start-up takes its address."""
        if target not in STARTUP_ONLY:
            return None
        takers, callers = STARTUP_ONLY[target]
        taken_by = {n for n, fn in self.facts.functions.items() if target in fn.refs}
        in_globals = any(target in names for names in self.facts.global_refs.values())
        if taken_by <= takers and not in_globals:
            return callers
        return None

    def callers(self, target: str, seen: set[str] | None = None) -> Iterable[tuple[str, int | None]]:
        """(caller, site index) for every live call that may enter ``target``; the index is None
        for callers without order facts (assembly): their whole code counts. ``seen``: dispatch
        nodes whose callers the caller of this method has had already (skipped, and added to).
        A walk up the stack meets the same few dispatch nodes from thousands of targets
        (sqlite3: 688,000 pairs for 1,600 targets), and their callers are the same each time."""
        yield from self.direct_callers.get(target, ())
        startup = self.startup_callers(target)
        for node in self.dispatches_reaching(target):
            if startup is not None:  # only the start-up's own pointer calls: not the node's list
                yield from ((c, i) for c, i in self.dispatch_callers(node) if c in startup)
                continue
            if seen is not None:
                if node in seen:
                    continue
                seen.add(node)
            yield from self.dispatch_callers(node)

    def dispatch_callers(self, node: str) -> list[tuple[str, int | None]]:
        """(live caller, its site index, or None without order facts) of dispatch ``node`` (cached)."""
        if node not in self._dispatch_callers:
            found: list[tuple[str, int | None]] = []
            for caller in self.graph.predecessors(node):
                if caller not in self.live:
                    continue
                fn = self.facts.functions.get(caller)
                if fn is None or not fn.sites:
                    found.append((caller, None))
                    continue
                found += [(caller, index) for index in self.indirect_sites(caller).get(node, ())]
            self._dispatch_callers[node] = found
        return self._dispatch_callers[node]

    def descendants(self, sources: Iterable[str], skip: frozenset[str] = frozenset()) -> set[str]:
        """Nodes reachable from ``sources`` (included), not entering ``skip``."""
        seen: set[str] = set()
        stack = [s for s in sources if s in self.graph and s not in skip]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            pointer = is_dispatch(node)
            stack.extend(
                n
                for n in self.graph.succ[node]
                if n not in seen and n not in skip and not (pointer and n in self.startup_only)
            )
        return seen

    def all_names(self) -> set[str]:
        return set(self.facts.functions) | self.inlined_names

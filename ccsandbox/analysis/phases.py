"""Temporal phases: what the program can still do after a transition (pure).

A transition T is the first entry of a function (``--entry F``) or the moment just before a
call ``CALLER -> CALLEE`` (``--at``). Phase k+1 holds every syscall that *any thread* can make
once T has executed for the first time, in any thread. The set is built from sound pieces:

1. **From T on.** Everything reachable from F (for ``--at``: the call site itself and the rest of
   CALLER after it).
2. **Continuations.** Every function that can be on the stack when T runs (the callers of F,
   their callers, ... up to the roots) resumes after its call returns: the sites that can run
   after that call site in the function's block graph (facts version 2), loops included, and
   after any ``setjmp`` it called (a ``longjmp`` may return there). Walking up through musl's
   ``exit(main(...))`` gives the exit paths (atexit handlers, ``.fini_array``).
3. **Code that runs at any time.** Destructors, signal handlers (when ``rt_sigaction`` is
   reachable; a handler installed in set-up fires later), and the start routines of threads
   (a thread started before T keeps running after it).
4. **T in a thread or handler.** When F is reachable from a thread start routine or a signal
   handler, other threads (or the interrupted code) may be anywhere: the whole program. T only
   inside a signal handler is refused.

Wrappers keep their callers' numbers per phase: a site ``syscall(nr)`` contributes the numbers
supplied by calls that can run after T, plus those of the calls in progress when T runs.

Entries inlined by LTO are found through the sites' inlined-at chains (debug info): the inlined
copy of F inside a caller is a transition point like an out-of-line F.

Phase filters are cumulative because seccomp filters only tighten: phase k's filter allows the
union of the phases >= k, and what the next transition itself runs before its filter is active
(the runtime's ``__cc_sandbox_phase_N`` markers install filter N at their first entry, so their
own syscalls belong to the filter before).
"""

from __future__ import annotations

import difflib
import itertools
import re
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import networkx as nx

from ..errors import PhaseError
from ..facts.schema import CallSite, Facts, FunctionFacts
from ..syscalls import SYSCALL_NAMES, name_of
from .analyze import Analysis, analyze
from .asm_model import NativeFunction, load_asm_model
from .callgraph import IndirectMode, is_dispatch
from .policy import IMPLIED, allowed_syscalls
from .roots import signal_handler_roots
from .syscalls import SyscallSet, Unresolved, resolve_syscalls

__all__ = [
    "MARKER",
    "Phase",
    "PhaseAnalysis",
    "PhaseReach",
    "Transition",
    "analyze_phases",
    "explain_phase",
    "phase_reach",
]

#: The runtime's phase markers (toolchain/runtime): ``__cc_sandbox_phase_N`` installs the filter
#: of phase N at its first entry and does nothing afterwards, so phase N begins when it returns.
MARKER = re.compile(r"^__cc_sandbox_phase_(\d+)$")

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


@dataclass(frozen=True)
class Phase:
    index: int  # 0 = from the filter install at start-up
    allowed: frozenset[int]  # CUMULATIVE: what this phase's filter must allow
    own: frozenset[int]  # syscalls reachable in this phase alone (before cumulation); for phase
    # 0 the whole program's (what only runs before the first transition is not told apart)
    why: Mapping[int, str]  # per allowed nr, a one-line reason


@dataclass(frozen=True)
class PhaseReach:
    """What can run after one transition: the evidence behind a phase's ``own`` set."""

    transition: Transition
    seeds: dict[str, str]  # functions (or dispatch nodes) whose whole code can run -> why
    partial: dict[str, frozenset[int]]  # function -> indexes of its sites that can still run
    reachable: frozenset[str]  # functions whose whole code can run
    syscalls: SyscallSet
    needs: SyscallSet | None = None  # what the transition itself runs under the previous filter


@dataclass(frozen=True)
class PhaseAnalysis:
    transitions: tuple[Transition, ...]
    phases: tuple[Phase, ...]  # len(transitions) + 1
    seconds: float
    whole: Analysis | None = field(default=None, compare=False)
    reaches: tuple[PhaseReach, ...] = field(default=(), compare=False)


# -- order inside functions ---------------------------------------------------------------------


def _sites_after(fn: FunctionFacts, starts: Iterable[int], points: Iterable[tuple[int, int]] = ()) -> set[int]:
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


def _setjmp_sites(fn: FunctionFacts) -> set[int]:
    """Sites of ``fn`` that call setjmp (a longjmp may resume right after them)."""
    return {i for i, s in enumerate(fn.sites) if s.kind == "c" and fn.calls[s.refs[0]].callee in SETJMP}


class _Program:
    """The whole-program analysis plus the indexes the phase walk needs (built once)."""

    def __init__(self, facts: Facts, natives: dict[str, NativeFunction], whole: Analysis) -> None:
        self.facts = facts
        self.natives = natives
        self.whole = whole
        self.graph: nx.DiGraph = whole.call_graph.graph
        self.live = whole.reachable
        handlers = signal_handler_roots(facts)  # roots only once rt_sigaction is reachable
        self.handlers = {r for r in whole.roots if r in handlers}
        self.base_roots = {r for r in whole.roots if r not in self.handlers}
        self._by_dispatch: dict[str, dict[str, list[int]]] = {}
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

    def callers(self, target: str) -> Iterable[tuple[str, int | None]]:
        """(caller, site index) for every live call that may enter ``target``; the index is None
        for callers without order facts (assembly): their whole code counts."""
        yield from self.direct_callers.get(target, ())
        startup = self.startup_callers(target)
        for node in self.dispatches_reaching(target):
            for caller in self.graph.predecessors(node):
                if caller not in self.live or (startup is not None and caller not in startup):
                    continue
                fn = self.facts.functions.get(caller)
                if fn is None or not fn.sites:
                    yield caller, None
                    continue
                for index in self.indirect_sites(caller).get(node, ()):
                    yield caller, index

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


# -- one transition -----------------------------------------------------------------------------


def _close(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=5, cutoff=0.7)
    return f"; did you mean {', '.join(close)}?" if close else ""


@dataclass
class _Where:
    """Where T can happen: functions entered whole (out-of-line F) and, per host function, the
    sites from which T has happened (the CALLER->CALLEE call sites) and the blocks holding code
    inlined from F (T is somewhere in the block: every site of it counts)."""

    whole: set[str] = field(default_factory=set)
    sites: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    blocks: dict[str, set[tuple[int, int]]] = field(default_factory=lambda: defaultdict(set))

    def hosts(self) -> set[str]:
        return self.whole | set(self.sites) | set(self.blocks)


def _occurrences(program: _Program, t: Transition) -> _Where:
    facts = program.facts
    where = _Where()
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


def phase_reach(
    program: _Program, t: Transition, done_markers: frozenset[str] = frozenset(), marker: bool = False
) -> PhaseReach:
    """Everything that can run after the first execution of ``t`` (see the module docstring).

    ``done_markers`` are phase markers whose work is done in this phase (they return at once).
    ``marker``: ``t.entry`` is a phase marker; its own body belongs to the previous filter.
    """
    facts = program.facts
    where = _occurrences(program, t)
    whole_entries = where.whole
    seeds: dict[str, str] = {}
    partial: dict[str, set[int]] = defaultdict(set)
    hosts: deque[str] = deque(sorted(where.hosts()))
    for name in whole_entries:
        if not marker:
            seeds[name] = f"entered at the transition {t}"
    for host in where.hosts() - whole_entries:
        indexes, blocks = where.sites.get(host, set()), where.blocks.get(host, set())
        fn = facts.functions[host]
        partial[host] |= indexes | _sites_after(fn, indexes | _setjmp_sites(fn), blocks)
    # continuations: every function that can be on the stack resumes after its call
    on_stack: set[str] = set(hosts)
    in_progress: dict[str, set[int]] = defaultdict(set)  # caller -> its call sites on the stack
    # when T first runs, F has not run yet: only code reachable without entering F is on the stack
    before = program.descendants(program.whole.roots, skip=frozenset(whole_entries)) if whole_entries else None
    while hosts:
        target = hosts.popleft()
        for caller, index in program.callers(target):
            if before is not None and caller not in before:
                continue  # only runs inside F (e.g. a callback F passes on): not there at its first entry
            if index is None:
                seeds.setdefault(caller, f"assembly that calls {target} (on the stack at {t})")
            else:
                in_progress[caller].add(index)
            if caller not in on_stack:
                on_stack.add(caller)
                hosts.append(caller)
    for caller, indexes in in_progress.items():
        partial[caller] |= _sites_after(facts.functions[caller], indexes | _setjmp_sites(facts.functions[caller]))
    # code that runs at any time
    for name in facts.dtors:
        seeds.setdefault(name, "destructor (.fini_array): runs at exit")
    for name in program.handlers:
        seeds.setdefault(name, "signal handler: one installed earlier can fire at any time")
    threads: set[str] = set()
    if THREAD_ENTRY in program.live:
        threads = {n for n in program.graph.succ[THREAD_ENTRY] if is_dispatch(n)}
        for node in threads:
            seeds.setdefault(node, "thread start routines: a thread started before the transition keeps running")
    # T inside a thread or a handler: the rest of the program may be anywhere
    start = where.hosts()
    done = done_markers - start  # the transition's own marker is reached like any function
    from_base = program.descendants(program.base_roots, skip=done)
    in_thread = bool(start & program.descendants(threads, skip=done))
    in_handler = bool(start & program.descendants(program.handlers, skip=done))
    if in_handler and not in_thread and not (start & from_base):
        raise PhaseError(f"the transition {t} is only reached inside a signal handler: a phase cannot begin there")
    if in_thread or in_handler:
        why = "a thread" if in_thread else "a signal handler"
        for root in program.whole.roots:
            seeds.setdefault(root, f"the transition can happen in {why}, while this root's code is anywhere")
    # what the partial sites call becomes whole code
    for host, indexes in partial.items():
        fn = facts.functions[host]
        for index in indexes:
            site = fn.sites[index]
            if site.kind == "c":
                seeds.setdefault(fn.calls[site.refs[0]].callee, f"called from {host} after {t}")
            elif site.kind == "i":
                seeds.setdefault(program.dispatch_of(host, index), f"called through a pointer from {host} after {t}")
    reachable = frozenset(n for n in program.descendants(seeds, skip=done_markers) if not is_dispatch(n))
    cut = {h: frozenset(i) for h, i in partial.items() if h not in reachable}
    found = _resolve(program, reachable, cut, on_stack)
    return PhaseReach(t, seeds, cut, reachable, found)


def _resolve(
    program: _Program, reachable: frozenset[str], partial: Mapping[str, frozenset[int]], on_stack: set[str]
) -> SyscallSet:
    """Syscall numbers of the phase: whole functions, plus the remaining sites of partial ones.

    A partial function is replaced by a view holding only its remaining sites; its calls in
    progress when T ran (into functions on the stack) are kept as well, because the arguments
    they passed (a wrapper's syscall number) are still in use after T.
    """
    facts = program.facts
    functions = dict(facts.functions)
    for host, indexes in partial.items():
        fn = facts.functions[host]
        calls: set[CallSite] = set()
        values: set[int | str] = set()
        for index in indexes:
            site = fn.sites[index]
            if site.kind == "c":
                calls.update(fn.calls[r] for r in site.refs)  # a choice of constants: one call each
            elif site.kind == "s":
                values.update(fn.syscalls[r] for r in site.refs)
        calls.update(c for c in fn.calls if c.callee in on_stack)  # in progress at T
        # asm that both calls through a pointer and makes a syscall is one site of one kind:
        # a syscall value that no site accounts for counts as possibly after T
        placed = {fn.syscalls[r] for site in fn.sites if site.kind == "s" for r in site.refs}
        values.update(v for v in fn.syscalls if v not in placed)
        functions[host] = replace(fn, calls=tuple(sorted(calls, key=repr)), syscalls=tuple(sorted(values, key=str)))
    view = replace(facts, functions=functions)
    live = reachable | frozenset(partial)
    return resolve_syscalls(view, program.natives, program.graph, live, program.whole.roots)


def _merge(sets: Iterable[SyscallSet]) -> SyscallSet:
    sites: dict[int, set[str]] = defaultdict(set)
    unresolved: set[Unresolved] = set()
    for found in sets:
        for nr, names in found.sites.items():
            sites[nr].update(names)
        unresolved.update(found.unresolved)
    return SyscallSet(
        sites={nr: tuple(sorted(n)) for nr, n in sorted(sites.items())}, unresolved=tuple(sorted(unresolved))
    )


def _allowed(found: SyscallSet, whole: SyscallSet) -> tuple[frozenset[int], dict[int, str]]:
    if found.unresolved:  # fail closed, as the whole-program policy does
        first = found.unresolved[0]
        return frozenset(SYSCALL_NAMES), dict.fromkeys(SYSCALL_NAMES, f"allow-all: unresolved site in {first.function}")
    why = allowed_syscalls(found)
    for nr, (trigger, reason) in IMPLIED.items():
        # A handler installed in an earlier phase still fires (and returns through rt_sigreturn)
        # after the transition, even when no later code can call rt_sigaction itself.
        if trigger in whole.sites and nr not in why:
            why[nr] = f"implied (by {name_of(trigger)} in an earlier phase): {reason}"
    return frozenset(why), dict(sorted(why.items()))


def analyze_phases(
    facts: Facts,
    transitions: Sequence[Transition],
    *,
    indirect_mode: str = "signature",
    natives: dict[str, NativeFunction] | None = None,
    whole: Analysis | None = None,
) -> PhaseAnalysis:
    """The phase sets of ``facts`` for ``transitions`` (in program order).

    Raises
    ------
    PhaseError
        unknown function (with close names), entry never reached, transition only inside a
        signal handler, inlined entry without debug info.
    """
    started = time.monotonic()
    natives = load_asm_model() if natives is None else natives
    whole = whole or analyze(facts, natives, IndirectMode(indirect_mode))
    program = _Program(facts, natives, whole)
    reaches: list[PhaseReach] = []
    for k, t in enumerate(transitions, start=1):
        done = frozenset(f"__cc_sandbox_phase_{m}" for m in range(1, k + 1))
        is_marker = t.entry is not None and MARKER.match(t.entry) is not None
        reach = phase_reach(program, t, done, marker=is_marker)
        if is_marker:
            assert t.entry is not None
            body = frozenset(n for n in program.descendants([t.entry]) if not is_dispatch(n))
            reach = replace(reach, needs=resolve_syscalls(facts, natives, program.graph, body, whole.roots))
        reaches.append(reach)
    own = [whole.syscalls, *(r.syscalls for r in reaches)]
    phases = []
    for k in range(len(own)):
        later = list(own[k:])
        if k < len(reaches) and reaches[k].needs is not None:
            later.append(reaches[k].needs)  # type: ignore[arg-type]
        allowed, why = _allowed(_merge(later), whole.syscalls)
        own_allowed, _ = _allowed(own[k], whole.syscalls)
        phases.append(Phase(index=k, allowed=allowed, own=own_allowed, why=why))
    return PhaseAnalysis(
        transitions=tuple(transitions),
        phases=tuple(phases),
        seconds=time.monotonic() - started,
        whole=whole,
        reaches=tuple(reaches),
    )


# -- why is a syscall allowed in a phase ----------------------------------------------------------


def _suppliers(program: _Program, reach: PhaseReach) -> dict[int, set[str]]:
    """Per number, the functions of the phase that pass it as a constant to a wrapper (a
    function whose parameter becomes a syscall number, e.g. ``syscall()``): for a wrapper's
    numbers, the chain worth showing ends there, not at the wrapper's own site."""
    facts = program.facts
    wrapper_params: dict[str, set[int]] = defaultdict(set)
    for name, native in program.natives.items():
        if native.syscall_param is not None:
            wrapper_params[name].add(native.syscall_param)
    for name, fn in facts.functions.items():
        wrapper_params[name].update(
            int(v[1:]) for v in fn.syscalls if isinstance(v, str) and v[1:].isdigit() and v[0] == "p"
        )
    changed = True
    while changed:  # a parameter passed on to a wrapper's number parameter makes a wrapper too
        changed = False
        for name, fn in facts.functions.items():
            for call in fn.calls:
                for index, value in call.args:
                    if index in wrapper_params.get(call.callee, ()) and isinstance(value, str) and value[1:].isdigit():
                        param = int(value[1:])
                        if param not in wrapper_params[name]:
                            wrapper_params[name].add(param)
                            changed = True
    live: dict[str, list[CallSite]] = {
        n: list(facts.functions[n].calls) for n in reach.reachable if n in facts.functions
    }
    for host, indexes in reach.partial.items():
        fn = facts.functions[host]
        live[host] = [fn.calls[r] for i in indexes if fn.sites[i].kind == "c" for r in fn.sites[i].refs]
    found: dict[int, set[str]] = defaultdict(set)
    for name, calls in live.items():
        for call in calls:
            for index, value in call.args:
                if isinstance(value, int) and index in wrapper_params.get(call.callee, ()):
                    found[value].add(name)
    return {nr: names for nr, names in found.items() if nr in reach.syscalls.sites}


def _reach_view(program: _Program, reach: PhaseReach) -> Analysis:
    """The phase as an :class:`Analysis` for :func:`explain_chain`: the remaining part of each
    partial function becomes a root node ``"F (after T)"`` with edges to its remaining calls."""
    graph: nx.DiGraph = program.graph.subgraph(
        set(reach.reachable) | {n for n in program.graph if is_dispatch(n)}
    ).copy()
    roots = {name: why for name, why in reach.seeds.items() if name in graph and not is_dispatch(name)}
    for name, why in reach.seeds.items():  # a pointer call as a root: name who makes it
        if is_dispatch(name) and name in graph and why.startswith("thread"):
            node = f"{THREAD_ENTRY} (a thread started before {reach.transition})"
            roots[node] = why
            graph.add_edge(node, name, kind="indirect")
    rename: dict[str, str] = {}
    for host, indexes in reach.partial.items():
        node = f"{host} (after {reach.transition})"
        rename[host] = node
        roots[node] = f"the rest of {host} that can run after {reach.transition}"
        fn = program.facts.functions[host]
        for index in indexes:
            site = fn.sites[index]
            if site.kind == "c":
                graph.add_edge(node, fn.calls[site.refs[0]].callee, kind="direct")
            elif site.kind == "i":
                graph.add_edge(node, program.dispatch_of(host, index), kind="indirect")
        graph.add_node(node)
    sites = {nr: tuple(rename.get(n, n) for n in names) for nr, names in reach.syscalls.sites.items()}
    for nr, names in _suppliers(program, reach).items():  # the caller that chose the number
        sites[nr] = tuple(sorted({rename.get(n, n) for n in names}))
    found = SyscallSet(sites=sites, unresolved=reach.syscalls.unresolved)
    return Analysis(
        call_graph=replace(program.whole.call_graph, graph=graph),
        roots=roots,
        reachable=frozenset(reach.reachable | set(rename.values()) | set(roots)),
        syscalls=found,
    )


def explain_phase(
    facts: Facts, natives: dict[str, NativeFunction], result: PhaseAnalysis, index: int, nr: int
) -> list[str]:
    """Lines explaining why syscall ``nr`` is allowed in phase ``index`` of ``result``."""
    from .report import explain_chain  # report imports analyze; keep the import graph acyclic

    assert result.whole is not None
    if not 0 <= index < len(result.phases):
        raise PhaseError(f"there is no phase {index}: phases 0..{len(result.phases) - 1}")
    if nr not in result.phases[index].allowed:
        where = "at start-up" if index == 0 else f"after {result.transitions[index - 1]}"
        raise PhaseError(f"{name_of(nr)} ({nr}) is not allowed in phase {index} ({where}): nothing can make it then")
    if index == 0:
        return ["phase 0 is the whole program's filter:", *explain_chain(result.whole, nr)]
    program = _Program(facts, natives, result.whole)
    for k in range(index, len(result.phases)):
        reach = result.reaches[k - 1]
        if nr in reach.syscalls.sites or k == len(result.phases) - 1:
            head = f"allowed in phase {index}" + (f" because phase {k} needs it" if k != index else "")
            lines = explain_chain(_reach_view(program, reach), nr)
            return [f"{head} (after {reach.transition}):", *lines]
    raise PhaseError(f"syscall {nr} is not allowed in phase {index}")

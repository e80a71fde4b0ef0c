"""What can run after one transition (pure): the walk behind a phase's own set.

Phase k+1 holds every syscall that *any thread* can make once T has executed for the first time,
in any thread. The set is built from sound pieces:

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
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..errors import PhaseError
from ..facts.schema import CallSite
from .callgraph import is_dispatch
from .phase_program import THREAD_ENTRY, PhaseProgram, setjmp_sites, sites_after
from .syscalls import SyscallSet, resolve_syscalls
from .transitions import Transition, occurrences

__all__ = ["PhaseReach", "phase_reach"]


@dataclass(frozen=True)
class PhaseReach:
    """What can run after one transition: the evidence behind a phase's ``own`` set."""

    transition: Transition
    seeds: dict[str, str]  # functions (or dispatch nodes) whose whole code can run -> why
    partial: dict[str, frozenset[int]]  # function -> indexes of its sites that can still run
    reachable: frozenset[str]  # functions whose whole code can run
    syscalls: SyscallSet
    needs: SyscallSet | None = None  # what the transition itself runs under the previous filter


def phase_reach(
    program: PhaseProgram, t: Transition, done_markers: frozenset[str] = frozenset(), marker: bool = False
) -> PhaseReach:
    """Everything that can run after the first execution of ``t`` (see the module docstring).

    ``done_markers`` are phase markers whose work is done in this phase (they return at once).
    ``marker``: ``t.entry`` is a phase marker; its own body belongs to the previous filter.
    """
    facts = program.facts
    where = occurrences(program, t)
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
        partial[host] |= indexes | sites_after(fn, indexes | setjmp_sites(fn), blocks)
    # continuations: every function that can be on the stack resumes after its call
    on_stack: set[str] = set(hosts)
    in_progress: dict[str, set[int]] = defaultdict(set)  # caller -> its call sites on the stack
    # when T first runs, F has not run yet: only code reachable without entering F is on the stack
    before = program.descendants(program.whole.roots, skip=frozenset(whole_entries)) if whole_entries else None
    seen_dispatch: set[str] = set()
    while hosts:
        target = hosts.popleft()
        for caller, index in program.callers(target, seen_dispatch):
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
        partial[caller] |= sites_after(facts.functions[caller], indexes | setjmp_sites(facts.functions[caller]))
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
    program: PhaseProgram, reachable: frozenset[str], partial: Mapping[str, frozenset[int]], on_stack: set[str]
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

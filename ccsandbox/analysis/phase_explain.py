"""Why a syscall is allowed in a phase (pure): ``explain --phase``.

Phase 0 is the whole program's filter, explained as the whole-program policy is. A later phase is
explained in the phase that needs the call (a phase's filter allows every later phase's calls
too), over a view of what can run after its transition, in which the rest of each function on the
stack at the transition is a root of its own, and a wrapper's number is shown from the caller that
chose it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from ..errors import PhaseError
from ..facts.schema import CallSite, Facts
from ..syscalls import name_of
from .analyze import Analysis
from .asm_model import NativeFunction
from .callgraph import is_dispatch
from .phase_program import THREAD_ENTRY, PhaseProgram
from .phase_reach import PhaseReach
from .phases import PhaseAnalysis
from .report import explain_chain
from .syscalls import SyscallSet

__all__ = ["explain_phase"]


def _suppliers(program: PhaseProgram, reach: PhaseReach) -> dict[int, set[str]]:
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


def _reach_view(program: PhaseProgram, reach: PhaseReach) -> Analysis:
    """The phase as an :class:`Analysis` for :func:`explain_chain`: the remaining part of each
    partial function becomes a root node ``"F (after T)"`` with edges to its remaining calls."""
    graph = program.graph.subgraph(set(reach.reachable) | {n for n in program.graph if is_dispatch(n)})
    roots = {name: why for name, why in reach.seeds.items() if name in graph and not is_dispatch(name)}
    for name, why in reach.seeds.items():  # a pointer call as a root: name who makes it
        if is_dispatch(name) and name in graph and why.startswith("thread"):
            node = f"{THREAD_ENTRY} (a thread started before {reach.transition})"
            roots[node] = why
            graph.add_edge(node, name, "indirect")
    rename: dict[str, str] = {}
    for host, indexes in reach.partial.items():
        node = f"{host} (after {reach.transition})"
        rename[host] = node
        roots[node] = f"the rest of {host} that can run after {reach.transition}"
        fn = program.facts.functions[host]
        for index in indexes:
            site = fn.sites[index]
            if site.kind == "c":
                graph.add_edge(node, fn.calls[site.refs[0]].callee, "direct")
            elif site.kind == "i":
                graph.add_edge(node, program.dispatch_of(host, index), "indirect")
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
    assert result.whole is not None
    if not 0 <= index < len(result.phases):
        raise PhaseError(f"there is no phase {index}: phases 0..{len(result.phases) - 1}")
    if nr not in result.phases[index].allowed:
        where = "at start-up" if index == 0 else f"after {result.transitions[index - 1]}"
        raise PhaseError(f"{name_of(nr)} ({nr}) is not allowed in phase {index} ({where}): nothing can make it then")
    if index == 0:
        return ["phase 0 is the whole program's filter:", *explain_chain(result.whole, nr)]
    program = PhaseProgram(facts, natives, result.whole)
    for k in range(index, len(result.phases)):
        reach = result.reaches[k - 1]
        if nr in reach.syscalls.sites or k == len(result.phases) - 1:
            head = f"allowed in phase {index}" + (f" because phase {k} needs it" if k != index else "")
            lines = explain_chain(_reach_view(program, reach), nr)
            return [f"{head} (after {reach.transition}):", *lines]
    raise PhaseError(f"syscall {nr} is not allowed in phase {index}")

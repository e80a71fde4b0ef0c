"""The whole analysis: facts -> call graph -> roots -> reachable -> syscall set (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import AnalysisError
from ..facts.schema import Facts
from .asm_model import NativeFunction
from .callgraph import CallGraph, build_call_graph, is_dispatch
from .digraph import Digraph
from .roots import base_roots, signal_handler_roots
from .settings import IndirectMode
from .syscalls import SyscallSet, resolve_syscalls

RT_SIGACTION = 13

__all__ = ["Analysis", "analyze"]


@dataclass(frozen=True)
class Analysis:
    call_graph: CallGraph
    roots: dict[str, str]
    reachable: frozenset[str]
    syscalls: SyscallSet


def _reachable(graph: Digraph, roots: dict[str, str]) -> frozenset[str]:
    live = {root for root in roots if root in graph} | graph.descendants(roots)
    return frozenset(n for n in live if not is_dispatch(n))


def analyze(
    facts: Facts,
    natives: dict[str, NativeFunction],
    mode: IndirectMode = IndirectMode.SIGNATURE,
    call_graph: CallGraph | None = None,
) -> Analysis:
    """Compute what the program can reach and which syscalls that makes (``call_graph``: the
    call graph of ``facts`` under ``mode``, when the caller has it already).

    Signal handlers become roots once ``rt_sigaction`` is reachable, which can make more code
    reachable, so this iterates to a fixpoint (at most twice in practice).
    """
    roots = base_roots(facts)
    if not roots:
        raise AnalysisError(
            "the module has no entry point (_start_c or main): is it a whole program linked by cc-sandbox?"
        )
    call_graph = call_graph or build_call_graph(facts, natives, mode)
    while True:
        reachable = _reachable(call_graph.graph, roots)
        found = resolve_syscalls(facts, natives, call_graph.graph, reachable, roots)
        handlers = signal_handler_roots(facts) if RT_SIGACTION in found.sites else {}
        new = {name: why for name, why in handlers.items() if name not in roots}
        if not new:
            return Analysis(call_graph=call_graph, roots=roots, reachable=reachable, syscalls=found)
        roots = {**roots, **new}

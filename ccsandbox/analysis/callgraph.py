"""The whole-program call graph: direct calls, resolved indirect calls, native functions.

Nodes are function names plus two kinds of pseudo nodes (names start with ``<``): one
*dispatch node* per distinct indirect-call key (function type, and field in ``fields`` mode),
``<indirect TYPE [FIELD]>``, which callers point at; and one *group node* per function type of
address-taken functions, ``<functions TYPE>``, pointing at those functions. A dispatch node
points at the compatible groups, or, when a field restricts it, straight at the kept functions.
That keeps the graph near-linear in the module instead of sites x targets (650k edges for
sqlite3). Every edge has ``kind``: ``direct``, ``indirect``
(into or out of a dispatch node) or ``native`` (from the assembly model). Two resolution modes:

``signature``
    an indirect call may reach every address-taken function of a compatible type.
``fields``
    when the call's pointer was loaded from a struct field (struct-path TBAA, canonicalised to the
    innermost struct), only functions stored into that field, plus functions whose address also
    flows anywhere else ("untracked"), are kept. A field into which some unknown pointer value is
    stored escapes the analysis and falls back to ``signature``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ..facts.schema import Facts, IndirectSite
from .asm_model import NativeFunction
from .digraph import Digraph
from .roots import is_installer, is_phase_marker
from .settings import IndirectMode
from .signature import compatible

__all__ = ["CallGraph", "build_call_graph", "call_graph_with_fewer_sites", "is_dispatch"]


@dataclass(frozen=True)
class CallGraph:
    graph: Digraph
    mode: IndirectMode
    indirect_sites: int  # distinct (function, type, field) sites
    indirect_targets: int  # sum over sites of the functions each may reach


def is_dispatch(node: str) -> bool:
    """Is ``node`` a pseudo node (dispatch or group) rather than a function?"""
    return node.startswith("<")


class _Resolver:
    """Answers "which functions may this indirect site reach?" under a mode."""

    def __init__(self, facts: Facts, natives: dict[str, NativeFunction], mode: IndirectMode) -> None:
        self.mode = mode
        self.address_taken = {
            n: f
            for n, f in facts.functions.items()
            if f.address_taken and not is_installer(n) and not is_phase_marker(n)
        }
        self.untracked = {n for n, f in self.address_taken.items() if f.address_taken == "any"}
        self.stored: dict[str, set[str]] = defaultdict(set)
        self.escaped: set[str] = set()
        for fn in facts.functions.values():
            for field, value in fn.field_stores:
                (self.escaped.add(field) if value == "?" else self.stored[field].add(value))
        for field, names in facts.global_fields.items():
            self.stored[field].update(names)
        self.by_type: dict[str, set[str]] = defaultdict(set)
        for name, fn in self.address_taken.items():
            self.by_type[fn.type].add(name)
        self._cache: dict[tuple[str, str | None], frozenset[str]] = {}

    def key(self, site: IndirectSite) -> tuple[str, str | None]:
        """Sites with equal keys reach the same targets."""
        field = site.field if self.mode is IndirectMode.FIELDS and site.field not in self.escaped else None
        return (site.type, field)

    def types(self, call_type: str) -> list[str]:
        """Function types of address-taken functions that a call of ``call_type`` may reach."""
        return [t for t in self.by_type if compatible(call_type, t)]

    def targets(self, site: IndirectSite) -> frozenset[str]:
        key = self.key(site)
        if key not in self._cache:
            by_type = {n for t in self.types(site.type) for n in self.by_type[t]}
            if key[1] is not None:
                by_type &= self.stored.get(key[1], set()) | self.untracked
            self._cache[key] = frozenset(by_type)
        return self._cache[key]


#: musl's function that runs the .fini_array at exit (src/exit/exit.c)
FINI_WALKER = "libc_exit_fini"


class _Builder:
    """Adds the edges of functions to a graph, counting indirect sites and their targets."""

    def __init__(self, facts: Facts, natives: dict[str, NativeFunction], mode: IndirectMode, graph: Digraph) -> None:
        self.facts, self.natives, self.graph = facts, natives, graph
        self.resolver = _Resolver(facts, natives, mode)
        self.sites = self.targets = 0

    @staticmethod
    def walks_fini_array(caller: str, site: IndirectSite) -> bool:
        """Is this musl's call of each .fini_array entry (see :meth:`fini_targets`)?"""
        return caller == FINI_WALKER and site.type == "void (...)"

    def reach(self, caller: str, site: IndirectSite) -> frozenset[str]:
        """The functions ``caller``'s indirect ``site`` may reach."""
        if self.walks_fini_array(caller, site):
            return frozenset(self.fini_targets())
        return self.resolver.targets(site)

    def fini_targets(self) -> set[str]:
        """musl's libc_exit_fini calls each .fini_array entry through an unprototyped pointer
        (``void (...)``), which by type could reach any function. The entries are the module's
        destructors (the link checks the binary's .fini_array holds nothing else:
        ccsandbox.driver.startup.check_fini_array), plus, as before this rule, functions without
        parameters."""
        facts = self.facts
        return {n for n in facts.dtors if n in facts.functions} | self.resolver.by_type.get("void ()", set())

    def dispatch(self, caller: str, site: IndirectSite) -> None:
        graph, resolver = self.graph, self.resolver
        reach = self.reach(caller, site)
        self.sites, self.targets = self.sites + 1, self.targets + len(reach)
        if self.walks_fini_array(caller, site):
            node = f"<indirect {site.type} .fini_array>"
            graph.add_edges_from(((node, t) for t in sorted(reach)), "indirect")
            graph.add_edge(caller, node, "indirect")
            return
        type_, field = resolver.key(site)
        node = f"<indirect {type_}{' ' + field if field else ''}>"
        if node not in graph:
            graph.add_node(node)
            if field is None:
                for group_type in resolver.types(type_):
                    group = f"<functions {group_type}>"
                    if group not in graph:
                        graph.add_edges_from(((group, t) for t in sorted(resolver.by_type[group_type])), "indirect")
                    graph.add_edge(node, group, "indirect")
            else:
                graph.add_edges_from(((node, t) for t in sorted(reach)), "indirect")
        graph.add_edge(caller, node, "indirect")

    def function(self, name: str) -> None:
        """The edges out of ``name``: its calls, then (for an assembly function) its model's."""
        fn = self.facts.functions.get(name)
        for call in fn.calls if fn else ():
            self.graph.add_edge(name, call.callee, "direct")
        for site in fn.indirect_calls if fn else ():
            self.dispatch(name, site)

    def native(self, name: str) -> None:
        native = self.natives[name]
        for callee in native.calls:
            self.graph.add_edge(name, callee, "native")
        for call_type in native.indirect_calls:
            self.dispatch(name, IndirectSite(call_type))


def build_call_graph(
    facts: Facts, natives: dict[str, NativeFunction], mode: IndirectMode = IndirectMode.SIGNATURE
) -> CallGraph:
    """Build the call graph of ``facts``, with ``natives`` modelling the assembly functions."""
    graph = Digraph()
    graph.add_nodes_from(facts.functions)
    builder = _Builder(facts, natives, mode, graph)
    for name in facts.functions:
        builder.function(name)
    for name in natives:
        if name in graph:  # else not linked into this program
            builder.native(name)
    return CallGraph(graph=graph, mode=mode, indirect_sites=builder.sites, indirect_targets=builder.targets)


def call_graph_with_fewer_sites(
    base: CallGraph, base_facts: Facts, facts: Facts, natives: dict[str, NativeFunction], changed: Iterable[str]
) -> CallGraph:
    """The call graph of ``facts``, which differ from ``base_facts`` only by sites removed from
    the ``changed`` functions (ENOSYS fallback pruning: address-taken functions and stored
    fields stay as they were, so every indirect site resolves as before). ``base``'s graph with
    the edges out of those functions built again: the same graph as :func:`build_call_graph`
    of ``facts`` but for dispatch nodes that only removed sites used, which nothing enters.
    One graph build serves both kernels' analyses."""
    graph = base.graph.copy()
    builder = _Builder(facts, natives, base.mode, graph)
    builder.sites, builder.targets = base.indirect_sites, base.indirect_targets
    for name in changed:
        before = base_facts.functions.get(name)
        for site in before.indirect_calls if before else ():
            builder.sites, builder.targets = builder.sites - 1, builder.targets - len(builder.reach(name, site))
        graph.remove_edges_from_node(name)
        builder.function(name)
        if name in natives:
            builder.native(name)
    return CallGraph(graph=graph, mode=base.mode, indirect_sites=builder.sites, indirect_targets=builder.targets)

"""The directed graph the analysis walks: nodes, edges with a kind, and two traversals (pure).

The call graph needs successor and predecessor maps, reachability and breadth-first shortest
paths, nothing more. networkx gives all of that, but importing it costs ~0.12 s, a quarter of
the 0.5 s a command on redis-server may take (issue 20, bench/commands.py), and its per-edge
attribute dictionaries make the 30,000-edge build twice as slow as plain dictionaries. So the
graph is a dictionary of successor dictionaries (successor -> edge kind), kept in insertion
order, with the same semantics as ``networkx.DiGraph`` for what it offers: adding an edge adds
its ends, adding it again replaces its kind, and iteration follows insertion order (so shortest
paths, and the chains ``explain`` prints, are the ones networkx found). Tests that want
networkx's algorithms convert with :meth:`Digraph.to_networkx`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Digraph"]


class Digraph:
    """Nodes are strings; each edge carries one ``kind`` (direct, indirect, native, ...)."""

    __slots__ = ("_pred", "succ")

    def __init__(self, edges: Iterable[tuple[str, str]] = (), kind: str = "") -> None:
        #: node -> {successor: the edge's kind}, both in insertion order
        self.succ: dict[str, dict[str, str]] = {}
        self._pred: dict[str, list[str]] | None = None  # built on first use, dropped on change
        self.add_edges_from(edges, kind)

    def add_node(self, node: str) -> None:
        if node not in self.succ:
            self.succ[node] = {}
            self._pred = None

    def add_nodes_from(self, nodes: Iterable[str]) -> None:
        for node in nodes:
            self.add_node(node)

    def add_edge(self, u: str, v: str, kind: str = "") -> None:
        """Add u -> v (and its ends); an edge already there takes the new ``kind``."""
        self.succ.setdefault(u, {})[v] = kind
        if v not in self.succ:
            self.succ[v] = {}
        self._pred = None

    def remove_edges_from_node(self, node: str) -> None:
        """Drop every edge out of ``node`` (the node stays)."""
        self.succ[node] = {}
        self._pred = None

    def add_edges_from(self, edges: Iterable[tuple[str, str]], kind: str = "") -> None:
        for u, v in edges:
            self.add_edge(u, v, kind)

    def __contains__(self, node: object) -> bool:
        return node in self.succ

    def __iter__(self) -> Iterator[str]:
        return iter(self.succ)

    def __len__(self) -> int:
        return len(self.succ)

    def successors(self, node: str) -> Iterator[str]:
        return iter(self.succ[node])

    def predecessors(self, node: str) -> Iterator[str]:
        if self._pred is None:
            pred: dict[str, list[str]] = {n: [] for n in self.succ}
            for u, targets in self.succ.items():
                for v in targets:
                    pred[v].append(u)
            self._pred = pred
        return iter(self._pred[node])

    def kind(self, u: str, v: str) -> str:
        """The kind of edge u -> v (KeyError when there is none)."""
        return self.succ[u][v]

    def edges(self) -> Iterator[tuple[str, str, str]]:
        """(u, v, kind) of every edge."""
        return ((u, v, k) for u, targets in self.succ.items() for v, k in targets.items())

    def descendants(self, sources: Iterable[str]) -> set[str]:
        """Every node reachable from ``sources`` by one edge or more: ``networkx.descendants``
        of each source, together, but a source is in it when a path leads back to it."""
        seen: set[str] = set()
        stack = [s for s in sources if s in self.succ]
        while stack:
            for v in self.succ[stack.pop()]:
                if v not in seen:
                    seen.add(v)
                    stack.append(v)
        return seen

    def shortest_paths(self, source: str) -> dict[str, list[str]]:
        """node -> a shortest path from ``source`` to it, found breadth first in insertion
        order (the paths ``networkx.single_source_shortest_path`` returns)."""
        paths = {source: [source]}
        queue = deque([source])
        while queue:
            u = queue.popleft()
            for v in self.succ[u]:
                if v not in paths:
                    paths[v] = [*paths[u], v]
                    queue.append(v)
        return paths

    def copy(self) -> Digraph:
        out = Digraph()
        out.succ = {u: dict(targets) for u, targets in self.succ.items()}
        return out

    def subgraph(self, nodes: Iterable[str]) -> Digraph:
        """A copy holding ``nodes`` (those in the graph) and the edges between them."""
        keep = set(nodes)
        out = Digraph()
        out.succ = {u: {v: k for v, k in t.items() if v in keep} for u, t in self.succ.items() if u in keep}
        return out

    def to_networkx(self) -> nx.DiGraph:
        """The same graph as a ``networkx.DiGraph`` (edge attribute ``kind``), for tests and tools."""
        import networkx as nx

        graph: Any = nx.DiGraph()
        graph.add_nodes_from(self.succ)
        graph.add_edges_from((u, v, {"kind": k}) for u, v, k in self.edges())
        return graph

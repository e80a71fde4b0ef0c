"""Specification of the analysis graph: for what it offers it answers as networkx.DiGraph does
(the analysis used networkx until its import alone cost a quarter of a command's time)."""

from __future__ import annotations

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st

from ccsandbox.analysis.digraph import Digraph

NODES = st.sampled_from([f"f{i}" for i in range(12)] + ["<indirect i32 ()>", "<functions i32 ()>"])
EDGES = st.lists(st.tuples(NODES, NODES, st.sampled_from(["direct", "indirect", "native"])), max_size=40)


def both(edges: list[tuple[str, str, str]]) -> tuple[Digraph, nx.DiGraph]:
    ours, theirs = Digraph(), nx.DiGraph()
    for u, v, kind in edges:
        ours.add_edge(u, v, kind)
        theirs.add_edge(u, v, kind=kind)
    return ours, theirs


@given(EDGES, NODES)
def test_reachability_and_shortest_paths_are_networkx_s(edges: list[tuple[str, str, str]], source: str) -> None:
    ours, theirs = both(edges)
    assert list(ours) == list(theirs)
    if source not in theirs:
        assert ours.descendants([source]) == set()
        return
    assert ours.descendants([source]) - {source} == nx.descendants(theirs, source)
    assert ours.shortest_paths(source) == nx.single_source_shortest_path(theirs, source)


@given(EDGES)
def test_neighbours_and_kinds_are_networkx_s(edges: list[tuple[str, str, str]]) -> None:
    ours, theirs = both(edges)
    for node in theirs:
        assert list(ours.successors(node)) == list(theirs.successors(node))
        assert set(ours.predecessors(node)) == set(theirs.predecessors(node))
    assert {(u, v): k for u, v, k in ours.edges()} == {(u, v): d["kind"] for u, v, d in theirs.edges(data=True)}
    assert nx.utils.graphs_equal(ours.to_networkx(), theirs)


@given(EDGES, st.sets(NODES))
def test_a_subgraph_keeps_the_edges_between_its_nodes(edges: list[tuple[str, str, str]], keep: set[str]) -> None:
    ours, theirs = both(edges)
    sub = ours.subgraph(keep)
    assert set(sub) == set(theirs.subgraph(keep))
    assert set((u, v) for u, v, _ in sub.edges()) == set(theirs.subgraph(keep).edges())


def test_removing_a_nodes_edges_keeps_the_node_and_updates_predecessors() -> None:
    graph = Digraph([("a", "b"), ("c", "b")], "direct")
    assert set(graph.predecessors("b")) == {"a", "c"}
    graph.remove_edges_from_node("a")
    assert "a" in graph and list(graph.predecessors("b")) == ["c"]

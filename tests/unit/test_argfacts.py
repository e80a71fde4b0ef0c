"""Specification of argument resolution: site atoms through wrappers and callers to the
values each reachable site of a checked syscall passes."""

from __future__ import annotations

from ccsandbox.analysis.argfacts import ArgSite, from_entry, resolve_arg_sites
from ccsandbox.analysis.constraints import derive_constraints
from ccsandbox.analysis.digraph import Digraph
from ccsandbox.syscalls import SYSCALL_NUMBERS as NR


def site(nr: object, **args: object) -> ArgSite:
    return from_entry({"nr": nr, "args": {k[1:]: v for k, v in args.items()}})


def graph(*edges: tuple[str, str]) -> Digraph:
    g = Digraph()
    g.add_edges_from(edges)
    return g


def resolve(sites: dict[str, list[ArgSite]], calls: dict[str, list[tuple[str, dict[int, object]]]], **kw: object):  # type: ignore[no-untyped-def]
    edges = [(f, callee) for f, cs in calls.items() for callee, _ in cs]
    reachable = kw.get("reachable") or {f for e in edges for f in e} | set(sites)
    return resolve_arg_sites(sites, calls, kw.get("graph") or graph(*edges), reachable, kw.get("roots", ("main",)))  # type: ignore[arg-type]


def test_a_constant_at_the_site_is_the_value() -> None:
    (found,) = resolve({"main": [site(10, a2=3)]}, {})
    assert (found.nr, found.args, found.site) == (10, {2: frozenset({3})}, "main")


def test_a_parameter_takes_every_value_its_callers_pass() -> None:
    sites = {"__mprotect": [site(10, a2="p2")]}
    calls = {"main": [("f", {})], "f": [("__mprotect", {2: 3})], "g": [("__mprotect", {2: 1})]}
    found = resolve(sites, calls | {"main": [("f", {}), ("g", {})]})
    assert sorted((s.site, s.args[2]) for s in found) == [
        ("__mprotect <- f", frozenset({3})),
        ("__mprotect <- g", frozenset({1})),
    ]


def test_number_and_arguments_of_a_wrapper_come_from_the_same_call() -> None:
    sites = {"__syscall_cp_asm": [site("p1", a1="p3")]}  # __syscall_cp_asm(cancel, nr, u, v, ...)
    calls = {"main": [("__syscall_cp_asm", {1: NR["ioctl"], 3: 0x5401}), ("__syscall_cp_asm", {1: 0, 3: 7})]}
    found = resolve(sites, calls)
    assert [(s.nr, s.args) for s in found] == [(NR["ioctl"], {1: frozenset({0x5401})})]  # read(0) is unchecked


def test_a_caller_passing_something_unknown_leaves_the_argument_unknown() -> None:
    sites = {"kill": [site(62, a1="p1")]}
    calls = {"main": [("kill", {1: 15}), ("kill", {})]}
    assert sorted(str(s.args.get(1)) for s in resolve(sites, calls)) == ["None", "frozenset({15})"]


def test_a_function_called_through_a_pointer_has_unknown_parameters() -> None:
    sites = {"__mmap": [site(9, a2="p2")]}
    calls = {"main": [("__mmap", {2: 3})]}
    g = graph(("main", "__mmap"), ("main", "<i8 (ptr)>"), ("<i8 (ptr)>", "__mmap"))
    found = resolve(sites, calls, graph=g)
    assert {(s.site, str(s.args.get(2))) for s in found} == {
        ("__mmap (called through a pointer)", "None"),
        ("__mmap <- main", "frozenset({3})"),
    }


def test_an_entry_point_has_unknown_parameters_and_recursion_ends() -> None:
    sites = {"main": [site(72, a1="p0")]}
    calls = {"main": [("main", {0: "p0"})]}
    (found,) = resolve(sites, calls)
    assert found.args == {} and "entry point" in found.site


def test_unchecked_syscalls_are_left_out_and_sets_are_kept() -> None:
    found = resolve({"main": [site(0, a2=5), site(41, a0=[1, 10], a1=1)]}, {})
    assert [(s.nr, s.args) for s in found] == [(41, {0: frozenset({1, 10}), 1: frozenset({1})})]


def test_resolved_sites_feed_the_constraints() -> None:
    sites = {"__mprotect": [site(10, a2="p2")], "ioctl": [site(16, a1="p1")]}
    calls = {"main": [("__mprotect", {2: 3}), ("ioctl", {1: 0x5413})]}
    found = derive_constraints(resolve(sites, calls), {10, 16})
    assert set(found.constraints) == {10, 16} and not found.unconstrained


def test_a_function_assembly_calls_has_unknown_parameters() -> None:
    sites = {"__syscall_ret_like": [site(72, a1="p0")]}
    calls = {"main": [("__syscall_ret_like", {0: 1})]}
    found = resolve_arg_sites(
        sites,
        calls,
        graph(("main", "__syscall_ret_like")),
        {"main", "__syscall_ret_like"},
        ("main",),
        {"__syscall_ret_like"},
    )
    assert {(s.site, str(s.args.get(1))) for s in found} == {
        ("__syscall_ret_like (called from assembly)", "None"),
        ("__syscall_ret_like <- main", "frozenset({1})"),
    }

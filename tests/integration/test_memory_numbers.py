"""Syscall numbers that travel through memory: stored into a struct field, loaded at the site
(musl's setuid family hands a ``struct ctx`` to every thread through ``__synccall``).

The shared fixture passes/test/Inputs/memory.c gives the same facts from the pass and from the
reference extractor; the analysis resolves a loaded number from every store into its field, and
fails closed when one of those stores is a value nobody can know.
"""

from __future__ import annotations

import json
from typing import Any

from ccsandbox.analysis.asm_model import load_asm_model
from ccsandbox.analysis.callgraph import build_call_graph
from ccsandbox.analysis.settings import IndirectMode
from ccsandbox.analysis.syscalls import SyscallSet, resolve_syscalls
from ccsandbox.facts.schema import canonical_facts, parse_facts

from .helpers import INPUTS, pass_facts, reference_facts

GOLDEN: dict[str, Any] = json.loads((INPUTS / "memory.facts.json").read_text())
FACTS = parse_facts(GOLDEN)
MODEL = load_asm_model()


def _resolved(*entries: str) -> SyscallSet:
    """The syscalls of ``entries`` and everything they reach (the fixture has no main)."""
    graph = build_call_graph(FACTS, MODEL, IndirectMode.SIGNATURE).graph
    live = set(entries)
    for entry in entries:
        live |= {n for n in graph.descendants([entry]) if not n.startswith("<")}
    return resolve_syscalls(FACTS, MODEL, graph, live, entries)


def test_the_pass_gives_the_golden_memory_facts() -> None:
    assert pass_facts(INPUTS / "memory.ll") == GOLDEN


def test_the_reference_extractor_gives_the_same_facts() -> None:
    assert canonical_facts(reference_facts(INPUTS / "memory.ll")) == canonical_facts(GOLDEN)


def test_a_number_loaded_from_a_field_is_a_field_fact_with_the_stores_into_it() -> None:
    fns = {f["name"]: f for f in GOLDEN["functions"]}
    assert fns["do_xid"]["syscalls"] == ["@ctx+12"]
    assert fns["set_xid"]["int_field_stores"] == [["ctx+12", "p0"]]
    assert fns["relay_copy"]["int_field_stores"] == [["relay+4", "@job+8"]]  # field to field
    # the initializer of `jobs`, and clang's constant copy source for set_fixed's struct
    assert GOLDEN["global_int_fields"] == {"ctx+12": [117], "job+8": [39]}


def test_every_write_into_an_object_of_the_struct_counts_whatever_its_tag() -> None:
    fns = {f["name"]: f for f in GOLDEN["functions"]}
    # a struct initialised from a constant (a memcpy of clang's __const copy) or, as in musl's
    # seteuid, by one SLP-vectorized <4 x i32> store tagged as a plain int
    assert fns["set_fixed"]["int_field_stores"] == [["ctx+12", 117]]
    assert fns["set_zeroed_getpid"]["int_field_stores"] == [["ctx+12", 39]]
    # bytes copied in from a struct nobody can know
    assert fns["set_copied"]["int_field_stores"] == [["ctx2+12", "?memcpy"]]
    # another `struct ctx` (same name, another layout) is no object of this one
    assert "int_field_stores" not in fns["other_ctx"]


def test_the_callers_constants_reach_the_site_through_the_struct() -> None:
    # set_uid -> set_xid(105) stores p0 into ctx.nr; do_xid (run by the callback) loads it.
    # 0 is always possible: zero-filled memory writes no store of its own.
    found = _resolved("set_uid", "set_gid", "do_xid")
    assert {0, 105, 106, 117, 39} == set(found.sites) and not found.unresolved


def test_an_initializer_and_a_copy_from_another_field_count() -> None:
    assert set(_resolved("run_job").sites) == {0, 39}
    found = _resolved("run_relay", "relay_copy")
    assert set(found.sites) == {0, 39} and not found.unresolved


def test_a_store_of_an_unknown_value_into_the_field_fails_closed() -> None:
    found = _resolved("run_req")
    assert [u.function for u in found.unresolved] == ["req_fill"]
    assert "stored into field req+0 is unknown" in found.unresolved[0].reason
    copied = _resolved("do_copied")
    assert [u.function for u in copied.unresolved] == ["set_copied"] and "memcpy" in copied.unresolved[0].reason


def test_a_field_nothing_visibly_writes_fails_closed() -> None:
    # the number was written by means the facts do not show (zero-fill alone proves nothing)
    without = parse_facts(
        {**GOLDEN, "functions": [{**f, "int_field_stores": []} for f in GOLDEN["functions"]], "global_int_fields": {}}
    )
    graph = build_call_graph(without, MODEL, IndirectMode.SIGNATURE).graph
    found = resolve_syscalls(without, MODEL, graph, {"do_xid"}, ("do_xid",))
    assert [u.function for u in found.unresolved] == ["do_xid"] and "nothing visibly writes" in found.unresolved[
        0
    ].reason


def test_stores_count_even_where_they_are_not_reachable_from_the_site() -> None:
    # a phase may load what an earlier phase stored: the stores come from the whole program
    found = _resolved("do_xid")
    assert {105, 106} <= set(found.sites)

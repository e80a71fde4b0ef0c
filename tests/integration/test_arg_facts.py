"""Argument facts (``syscall_args``) on the shared fixture passes/test/Inputs/args.ll: the pass and
the reference extractor state the same facts, and the analysis turns them into constraints."""

from __future__ import annotations

import json

from ccsandbox.analysis.argfacts import collect_arg_sites, resolve_arg_sites
from ccsandbox.analysis.constraints import derive_constraints
from ccsandbox.analysis.digraph import Digraph
from ccsandbox.facts.schema import canonical_facts, parse_facts

from .helpers import INPUTS, pass_facts, reference_facts

GOLDEN = json.loads((INPUTS / "args.facts.json").read_text())


def _entries(name: str) -> list[object]:
    return next(f for f in GOLDEN["functions"] if f["name"] == name).get("syscall_args", [])


def test_the_pass_gives_the_golden_argument_facts() -> None:
    assert pass_facts(INPUTS / "args.ll") == GOLDEN


def test_the_reference_extractor_gives_the_same_facts() -> None:
    assert canonical_facts(reference_facts(INPUTS / "args.ll")) == canonical_facts(GOLDEN)


def test_what_each_kind_of_value_becomes() -> None:
    assert _entries("wrapper") == [{"nr": "p0", "args": {"0": "p1", "1": "p2", "2": "p3"}}]  # parameters
    assert _entries("prot_of") == [{"nr": 10, "args": {"0": "p0", "1": 4096, "2": [3, 5]}}]  # select
    # a phi of flags built with |: every combination
    assert _entries("flags") == [{"nr": 41, "args": {"0": 1, "1": [1, 0x801, 0x80001, 0x80801], "2": 0}}]
    assert _entries("unknown") == [{"nr": 16, "args": {"0": 0, "2": 0}}]  # a loaded request: absent
    assert _entries("fancy") == [{"nr": "?asm", "args": {}}]  # asm that is not exactly `syscall`


def test_the_fixture_resolves_to_constraints() -> None:
    facts = parse_facts(GOLDEN)
    reachable = set(facts.functions)
    graph = Digraph([(f.name, c.callee) for f in facts.functions.values() for c in f.calls])
    sites, calls = collect_arg_sites(facts, {}, reachable)
    found = derive_constraints(resolve_arg_sites(sites, calls, graph, reachable, ("main",)), {10, 16, 41, 72})
    assert found.constraints[10].summary == ("prot never PROT_WRITE|PROT_EXEC (W^X)",)  # 3 or 5 (R|X)
    assert found.constraints[72].summary == ("cmd in {0x1}",)  # through the wrapper: fcntl(0, F_GETFD)
    assert found.constraints[41].summary == ("domain in {0x1}", "type in {0x1, 0x801, 0x80001, 0x80801}")
    assert 16 not in found.constraints
    assert [(u.nr, u.site) for u in found.unconstrained] == [(16, "unknown")]

"""`exec_calls`: each call into the exec family with where its program path comes from, stated
by the pass (lib/ExecFacts.cpp) and by the reference extractor (facts/irexec.py) alike, on the
shared fixture passes/test/Inputs/exec.c: one call per kind of path."""

from __future__ import annotations

import json

from ccsandbox.facts.schema import canonical_facts

from .helpers import INPUTS, pass_facts, reference_facts

GOLDEN = json.loads((INPUTS / "exec.facts.json").read_text())


def _exec_calls(facts: dict[str, object]) -> dict[str, list[list[str | None]]]:
    return {f["name"]: f["exec_calls"] for f in facts["functions"] if "exec_calls" in f}  # type: ignore[attr-defined]


def test_each_kind_of_path_is_stated() -> None:
    assert GOLDEN["exec_facts"] is True
    assert _exec_calls(GOLDEN) == {
        "from_environment": [["execv", "environment"]],
        "a_command_line": [["system", None]],
        "spawned": [["posix_spawn", "=/usr/bin/env"]],
        "itself": [["syscall", "=/proc/self/exe"]],
        "main": [["execl", "=/bin/true"], ["execv", "environment"], ["execvp", "argv"], ["system", None]],
    }


def test_the_pass_writes_the_golden_facts() -> None:
    assert pass_facts(INPUTS / "exec.ll") == GOLDEN


def test_the_reference_extractor_states_the_same_facts() -> None:
    assert canonical_facts(reference_facts(INPUTS / "exec.ll")) == canonical_facts(GOLDEN)

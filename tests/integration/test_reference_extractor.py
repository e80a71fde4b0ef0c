"""The llvmlite reference extractor states exactly the facts the C++ pass states.

Two independent implementations of the same rules (a C++ pass over the in-memory IR, Python over
the printed IR) agreeing on real modules is the check that neither silently misses a call,
a syscall site or an address-taken function.
"""

from __future__ import annotations

import json
from pathlib import Path

import llvmlite.binding as llvm
import pytest

from ccsandbox.facts.llvmlite_extract import LINKAGE_NAMES, extract_facts, extract_facts_from_text
from ccsandbox.facts.schema import canonical_facts
from ccsandbox.resources import repo_root

from .helpers import copy_example, run

INPUTS = repo_root() / "passes" / "test" / "Inputs"


def test_the_shared_fixture_gives_the_golden_facts() -> None:
    module = llvm.parse_assembly((INPUTS / "basic.ll").read_text(), context=llvm.create_context())
    functions = [
        (f.name, LINKAGE_NAMES.get(f.linkage.name, f.linkage.name), str(f.global_value_type), f.is_declaration)
        for f in module.functions
        if not f.name.startswith("llvm.")
    ]
    golden = json.loads((INPUTS / "basic.facts.json").read_text())
    assert canonical_facts(extract_facts_from_text(str(module), functions)) == canonical_facts(golden)


@pytest.mark.parametrize("example", ["hello", "echo-server", "workers"])
def test_examples_give_the_facts_the_link_wrote(
    example: str, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    work = copy_example(example, tmp_path / example)
    assert run([cc_sandbox, "make", "-C", str(work)], tool_env).returncode == 0
    facts_file = next(work.glob("*.facts"))
    in_link = json.loads(facts_file.read_text())
    reference = extract_facts(facts_file.with_suffix(".bc"))
    assert canonical_facts(reference) == canonical_facts(in_link)

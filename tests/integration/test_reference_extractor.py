"""The llvmlite reference extractor states exactly the facts the C++ pass states.

Two independent implementations of the same rules (a C++ pass over the in-memory IR, Python over
the printed IR) agreeing on real modules is the check that neither silently misses a call,
a syscall site or an address-taken function.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccsandbox.facts.llvmlite_extract import extract_facts
from ccsandbox.facts.schema import canonical_facts

from .builds import ExampleBuilds
from .helpers import INPUTS, reference_facts


def test_the_shared_fixture_gives_the_golden_facts() -> None:
    golden = json.loads((INPUTS / "basic.facts.json").read_text())
    assert canonical_facts(reference_facts(INPUTS / "basic.ll")) == canonical_facts(golden)


@pytest.mark.parametrize("example", ["hello", "echo-server", "workers"])
def test_examples_give_the_facts_the_link_wrote(
    example: str, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy(example, tmp_path / example)
    facts_file = next(work.glob("*.facts"))
    in_link = json.loads(facts_file.read_text())
    reference = extract_facts(facts_file.with_suffix(".bc"))
    assert canonical_facts(reference) == canonical_facts(in_link)

"""The policy each example gets is pinned: a redesign of the path from facts to policy must leave
every document byte for byte as it was (issue 19), apart from the measured analysis time.

The golden files were written by the code before the redesign; a change that is meant to alter
a policy regenerates them with CC_SANDBOX_REGENERATE_GOLDEN=1 and says why in its commit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from .builds import ExampleBuilds
from .helpers import run

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    # golden name: (example, program, options of cc-sandbox make)
    "hello": ("hello", "hello", ()),
    "echo-server": ("echo-server", "echo-server", ()),
    "workers": ("workers", "workers", ()),
    "echo-server-errno-one-kernel": (
        "echo-server",
        "echo-server",
        ("--policy-action", "errno", "--min-kernel", "none", "--deny", "getsockname"),
    ),
    "phased-two-transitions": ("phased", "phased", ("--phase-entry", "serve", "--phase-at", "serve:finish")),
}


def _normalised(document: dict[str, Any]) -> dict[str, Any]:
    """The document without what is measured (seconds), which no two runs share."""
    document["analysis"].pop("seconds", None)
    return document


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_policy_of_each_example_is_what_it_was(case: str, example_builds: ExampleBuilds) -> None:
    example, program, options = CASES[case]
    built = example_builds.build(example, *options)
    document = _normalised(json.loads((built / f"{program}.policy.json").read_text()))
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    golden = GOLDEN / f"{case}.policy.json"
    if os.environ.get("CC_SANDBOX_REGENERATE_GOLDEN") == "1":
        golden.write_text(text)
    assert text == golden.read_text(), f"the policy of {case} changed; see {golden}"


@pytest.mark.parametrize("example", ["workers", "echo-server"])
def test_the_policy_does_not_depend_on_the_hash_seed(
    example: str, example_builds: ExampleBuilds, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    """Set iteration order differs between runs (string hashes are randomised): no part of the
    policy, not even which site a reason names, may follow it."""
    binary = example_builds.build(example) / example
    documents = []
    for seed in ("1", "2", "3"):
        done = run([cc_sandbox, "analyze", "--json", str(binary)], {**tool_env, "PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        documents.append(_normalised(json.loads(done.stdout)))
    assert documents[0] == documents[1] == documents[2]

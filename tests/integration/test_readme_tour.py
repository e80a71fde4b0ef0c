"""The README's tour is true: each output line it shows comes from running its commands.

Lines are compared exactly where they do not depend on the machine (paths, times and addresses
are left out); each checked line must also appear in the README, so the two cannot drift apart.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from .builds import ExampleBuilds
from .helpers import REPO, run

README = (REPO / "README.md").read_text()


def _shown(output: str, *lines: str) -> None:
    """Each of ``lines`` is in the README's tour and in ``output``."""
    for line in lines:
        assert line in README, f"the README no longer shows {line!r}"
        assert line in output.splitlines(), f"{line!r} not in:\n{output}"


def test_analyze_explain_and_inspect_print_what_the_tour_shows(
    example_builds: ExampleBuilds, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    hello = example_builds.build("hello") / "hello"
    ran = run([str(hello)], tool_env)
    assert ran.returncode == 0 and "hello, world" in ran.stdout
    analyzed = run([cc_sandbox, "analyze", str(hello)], tool_env).stdout
    start = README.index("$ cc-sandbox analyze hello\n") + len("$ cc-sandbox analyze hello\n")
    shown = README[start : README.index("$ cc-sandbox explain hello clone")].splitlines()
    _shown(analyzed.replace(str(hello), "hello"), *shown)
    explained = run([cc_sandbox, "explain", str(hello), "clone"], tool_env).stdout
    _shown(
        explained,
        "clone (56) is made in __clone; shortest chain from an entry point:",
        "  main -> __pthread_create",
        "    __pthread_create -> __clone",
        "arguments: clone is allowed only with flags in {0x7d0f00}",
    )
    inspected = run([cc_sandbox, "inspect", str(hello)], tool_env).stdout
    _shown(inspected, "allowed      19 syscalls; otherwise kill", "check        filter matches its metadata")


@pytest.mark.parametrize("deny", ["writev"])
def test_the_negative_control_of_the_tour_dies_and_compare_names_the_call(
    deny: str, example_builds: ExampleBuilds, cc_sandbox: str, tool_env: dict[str, str], tmp_path: Path
) -> None:
    hello = example_builds.build("hello", "--deny", deny) / "hello"
    ran = run([str(hello)], tool_env)
    assert ran.returncode == -signal.SIGSYS and ran.stdout == ""  # the shell shows 128 + 31
    assert "exit status 159" in README and 128 + signal.SIGSYS == 159
    trace = tmp_path / "hello.trace.json"
    traced = run([cc_sandbox, "trace", "-o", str(trace), "--", str(hello)], tool_env)
    assert "killed by SIGSYS" in traced.stderr
    compared = run([cc_sandbox, "compare", str(hello), str(trace)], tool_env)
    assert compared.returncode == 1
    _shown(compared.stdout, f"UNSOUND (1): {deny}")

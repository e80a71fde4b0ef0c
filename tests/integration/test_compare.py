"""`cc-sandbox compare`: the static policy of a built program against traces of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .builds import ExampleBuilds
from .helpers import run


@pytest.fixture()
def hello(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> tuple[Path, Path]:
    work = example_builds.copy("hello", tmp_path / "hello")
    trace = tmp_path / "hello.trace.json"
    assert run([cc_sandbox, "trace", "-o", str(trace), "--", str(work / "hello")], tool_env).returncode == 0
    return work / "hello", trace


def test_a_sound_policy_compares_clean(
    hello: tuple[Path, Path], tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    binary, trace = hello
    figure = tmp_path / "fig.svg"
    done = run(
        [cc_sandbox, "compare", "--json", "--figure", str(figure), f"{binary}.policy.json", str(trace)], tool_env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["unsound"] == [] and "writev" not in result["over_approximation"]
    assert {"prctl", "seccomp"} <= set(result["before_filter"]), "the installer's calls are kept apart"
    assert result["rows"][0]["source"] == "static (cc-sandbox)" and result["table_size"] == 383
    svg = figure.read_text()
    assert svg.startswith("<svg") and "static (cc-sandbox)" in svg, "drawn by matplotlib, text kept as text"
    assert run([cc_sandbox, "compare", str(binary), str(trace)], tool_env).returncode == 0  # the binary itself


def test_a_syscall_missing_from_the_policy_is_unsound(
    hello: tuple[Path, Path], tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    binary, trace = hello
    data = json.loads(trace.read_text())
    data["programs"][0]["syscalls"].append("ptrace")
    bad = tmp_path / "bad.trace.json"
    bad.write_text(json.dumps(data))
    done = run([cc_sandbox, "compare", f"{binary}.policy.json", str(bad)], tool_env)
    assert done.returncode == 1
    assert done.stdout.splitlines()[3] == "UNSOUND (1): ptrace"


def test_inputs_that_are_not_traces_get_one_line(
    hello: tuple[Path, Path], tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    binary, _ = hello
    junk = tmp_path / "junk.json"
    junk.write_text("{}")
    done = run([cc_sandbox, "compare", f"{binary}.policy.json", str(junk)], tool_env)
    assert done.returncode == 3 and "not a cc-sandbox trace" in done.stderr


def test_trace_learns_a_policy_in_the_format_analyze_writes(
    hello: tuple[Path, Path], tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    binary, _ = hello
    learned = tmp_path / "learned.policy.json"
    assert run([cc_sandbox, "trace", "--learn", str(learned), "--", str(binary)], tool_env).returncode == 0
    policy = json.loads(learned.read_text())
    static = json.loads(Path(f"{binary}.policy.json").read_text())
    assert policy["format"] == static["format"] == "cc-sandbox-policy"
    names = {e["name"] for e in policy["allowed"]}
    assert {"writev", "exit_group", "restart_syscall"} <= names and names <= {e["name"] for e in static["allowed"]}
    exported = run([cc_sandbox, "export", str(learned), "--format", "systemd"], tool_env)
    assert exported.returncode == 0 and "writev" in exported.stdout


def test_phases_get_their_own_rows(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("hello", tmp_path / "h")
    trace = tmp_path / "t.json"
    done = run([cc_sandbox, "trace", "--phase-at", "main", "-o", str(trace), "--", str(work / "hello")], tool_env)
    assert done.returncode == 0, done.stderr
    result = json.loads(run([cc_sandbox, "compare", "--json", str(work / "hello"), str(trace)], tool_env).stdout)
    sources = [r["source"] for r in result["rows"]]
    assert sources[2:] == ["  phase 0 (start), cumulative", "  phase 1 (main), cumulative"]

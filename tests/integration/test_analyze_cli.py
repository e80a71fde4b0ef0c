"""`cc-sandbox analyze` and `explain` on real builds, and their one-line errors on bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ccsandbox.resources import repo_root

from .builds import ExampleBuilds
from .helpers import run

GOLDEN = repo_root() / "passes" / "test" / "Inputs" / "basic.facts.json"


def _one_line_error(done: subprocess.CompletedProcess[str], needle: str) -> None:
    assert done.returncode == 3, done.stdout + done.stderr
    assert needle in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_make_writes_a_policy_and_analyze_reproduces_it(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("echo-server", tmp_path / "echo")
    written = json.loads((work / "echo-server.policy.json").read_text())
    done = run([cc_sandbox, "analyze", "--json", str(work / "echo-server")], tool_env)
    assert done.returncode == 0, done.stderr
    fresh = json.loads(done.stdout)
    assert fresh["allowed"] == written["allowed"] and not fresh["allow_all"]
    names = {e["name"] for e in fresh["allowed"]}
    assert {"accept4", "poll", "socket", "bind", "listen", "rt_sigreturn", "exit_group"} <= names
    assert "execve" not in names and "fork" not in names
    assert fresh["blocked_count"] == fresh["table"]["size"] - fresh["allowed_count"]


def test_analyze_of_the_bare_module_equals_the_link_time_result(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("workers", tmp_path / "w")
    bare = tmp_path / "bare.bc"
    bare.write_bytes((work / "workers.bc").read_bytes())
    from_bc = json.loads(run([cc_sandbox, "analyze", "--json", str(bare)], tool_env).stdout)
    from_link = json.loads((work / "workers.policy.json").read_text())
    assert from_bc["allowed"] == from_link["allowed"]


def test_explain_shows_a_chain_and_suggests_names(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("echo-server", tmp_path / "echo")
    done = run([cc_sandbox, "explain", str(work / "echo-server"), "accept4"], tool_env)
    assert done.returncode == 0 and "serve_loop -> accept4" in done.stdout
    _one_line_error(run([cc_sandbox, "explain", str(work / "echo-server"), "acept4"], tool_env), "unknown syscall")
    _one_line_error(run([cc_sandbox, "explain", str(work / "echo-server"), "execve"], tool_env), "not allowed")


def test_corrupt_bitcode_is_one_clear_line(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    bad = tmp_path / "bad.bc"
    bad.write_bytes(b"BC\xc0\xde" + b"\x07" * 100)
    _one_line_error(run([cc_sandbox, "analyze", str(bad)], tool_env), "bad.bc")


def test_bitcode_for_another_target_is_refused(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    source = tmp_path / "arm.c"
    source.write_text("int main(void) { return 0; }\n")
    subprocess.run(
        ["clang-19", "--target=aarch64-linux-gnu", "-c", "-emit-llvm", str(source), "-o", str(tmp_path / "arm.bc")],
        check=True,
    )
    _one_line_error(run([cc_sandbox, "analyze", str(tmp_path / "arm.bc")], tool_env), "not x86_64 musl")


def test_facts_of_another_version_are_refused(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    future = tmp_path / "future.facts"
    future.write_text(json.dumps(json.loads(GOLDEN.read_text()) | {"version": 9}))
    _one_line_error(run([cc_sandbox, "analyze", str(future)], tool_env), "version 9")


def test_a_module_without_entry_points_is_refused(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    obj = json.loads(GOLDEN.read_text())
    obj["functions"] = [f for f in obj["functions"] if f["name"] != "main"]
    lib = tmp_path / "lib.facts"
    lib.write_text(json.dumps(obj))
    _one_line_error(run([cc_sandbox, "analyze", str(lib)], tool_env), "no entry point")


def test_refuse_mode_fails_on_unknown_numbers(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    obj = json.loads(GOLDEN.read_text())
    for fn in obj["functions"]:
        if fn["name"] == "main":
            fn["syscalls"] = ["?load"]
    facts = tmp_path / "unknown.facts"
    facts.write_text(json.dumps(obj))
    widened = run([cc_sandbox, "analyze", "--json", str(facts)], tool_env)
    assert widened.returncode == 0 and json.loads(widened.stdout)["allow_all"] is True
    _one_line_error(run([cc_sandbox, "analyze", "--unresolved", "refuse", str(facts)], tool_env), "unknown numbers")

"""Options where users look for them, probe links marked, and one-line errors for what the
commands cannot do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ccsandbox.carried import unpack

from .builds import ExampleBuilds
from .helpers import copy_example, run

ERRNO_ENOSYS = "--policy-action errno --errno ENOSYS"


def embedded(cc_sandbox: str, env: dict[str, str], binary: Path) -> dict[str, object]:
    done = run([cc_sandbox, "inspect", "--json", str(binary)], env)
    assert done.returncode == 0, done.stderr
    meta: dict[str, object] = json.loads(done.stdout)
    return meta


def test_make_help_shows_the_sandbox_options_and_how_to_reach_makes(cc_sandbox: str, tool_env: dict[str, str]) -> None:
    ours = run([cc_sandbox, "make", "--help"], tool_env)
    assert ours.returncode == 0
    for text in ("--policy-action", "--exec-allow", "cc-sandbox make -- --help", "CC_SANDBOX_OPTIONS"):
        assert text in ours.stdout
    makes = run([cc_sandbox, "make", "--", "--help"], tool_env)
    assert makes.returncode == 0 and "Usage: make" in makes.stdout
    build = run([cc_sandbox, "build", "--help"], tool_env)
    assert "--policy-action" in build.stdout and "CC_SANDBOX_OPTIONS" in build.stdout


def test_the_environment_carries_sandbox_options_to_plain_cc(
    tmp_path: Path, cc_sandbox: str, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    work = copy_example("hello", tmp_path / "hello")
    env = {**tool_env, "CC_SANDBOX_OPTIONS": ERRNO_ENOSYS}
    done = run([cc_sandbox_cc, "-O2", "-o", "hello", "hello.c", "-lpthread"], env, cwd=work)
    assert done.returncode == 0, done.stderr
    meta = embedded(cc_sandbox, tool_env, work / "hello")
    assert meta["action"] == "errno" and meta["errno"] == 38


def test_make_options_win_over_the_environment(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    work = copy_example("hello", tmp_path / "hello")
    env = {**tool_env, "CC_SANDBOX_OPTIONS": ERRNO_ENOSYS}
    assert run([cc_sandbox, "make", "--policy-action", "trap", "-C", str(work)], env).returncode == 0
    assert embedded(cc_sandbox, tool_env, work / "hello")["action"] == "trap"


def test_bad_environment_options_are_one_error_line(
    tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    work = copy_example("hello", tmp_path / "hello")
    env = {**tool_env, "CC_SANDBOX_OPTIONS": "--policy-action maybe"}
    done = run([cc_sandbox_cc, "-o", "hello", "hello.c"], env, cwd=work)
    assert done.returncode == 3 and done.stderr.count("\n") == 1 and "$CC_SANDBOX_OPTIONS" in done.stderr
    assert not (work / "hello").exists()


@pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not installed")
def test_a_cmake_project_gets_its_options_and_probe_links(
    tmp_path: Path, cc_sandbox: str, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    work = copy_example("hello", tmp_path / "hello")
    (work / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.13)\nproject(hello C)\nfind_package(Threads REQUIRED)\n"
        "add_executable(hello hello.c)\ntarget_link_libraries(hello Threads::Threads)\n"
    )
    env = {**tool_env, "CC": cc_sandbox_cc, "CC_SANDBOX_OPTIONS": ERRNO_ENOSYS}
    configured = run(["cmake", "-S", str(work), "-B", str(work / "build")], env)
    assert configured.returncode == 0, configured.stdout + configured.stderr
    built = run(["cmake", "--build", str(work / "build")], env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert run([str(work / "build" / "hello")], tool_env).returncode == 0
    assert embedded(cc_sandbox, tool_env, work / "build" / "hello")["errno"] == 38


def test_probe_links_are_marked_and_counted(
    tmp_path: Path, cc_sandbox: str, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    work = copy_example("hello", tmp_path / "hello")
    (work / "Makefile").write_text(
        "all: hello conftest\nhello conftest: hello.c\n\t$(CC) -O2 -o $@ hello.c -lpthread\n"
    )
    built = run([cc_sandbox, "make", "-C", str(work)], tool_env)
    assert built.returncode == 0, built.stderr
    assert "2 link(s): 1 sandboxed, 1 probe, 0 unsandboxed" in built.stderr
    assert not (work / "conftest.bc").exists(), "probe links stay cheap: no module"
    assert run([str(work / "conftest")], tool_env).returncode == 0
    inspected = run([cc_sandbox, "inspect", str(work / "conftest")], tool_env)
    assert inspected.returncode == 3 and "is a probe link (configure/CMake test program name)" in inspected.stderr
    env = {**tool_env, "CC_SANDBOX_PROBE": "1"}
    assert run([cc_sandbox_cc, "-o", "any", "hello.c"], env, cwd=work).returncode == 0
    assert "probe link (CC_SANDBOX_PROBE=1)" in run([cc_sandbox, "inspect", str(work / "any")], tool_env).stderr
    unsandboxed = run([cc_sandbox, "make", "-B", "--no-sandbox", "-C", str(work), "hello"], tool_env)
    assert "1 link(s): 0 sandboxed, 0 probe, 1 unsandboxed" in unsandboxed.stderr


def test_dash_output_means_stdout(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("hello", tmp_path / "hello")
    analysed = run([cc_sandbox, "analyze", "-o", "-", "hello"], tool_env, cwd=work)
    assert json.loads(analysed.stdout)["format"] == "cc-sandbox-policy"
    exported = run([cc_sandbox, "export", "--format", "systemd", "-o", "-", "hello"], tool_env, cwd=work)
    assert exported.stdout.startswith("# cc-sandbox")
    assert not (work / "-").exists()


def test_an_llvm_directory_that_does_not_exist_is_an_error(
    tmp_path: Path, cc_sandbox: str, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    work = copy_example("hello", tmp_path / "hello")
    env = {**tool_env, "CC_SANDBOX_LLVM_BIN": "/nonexistent"}
    for command in ([cc_sandbox_cc, "-c", "hello.c"], [cc_sandbox, "make", "-C", str(work)]):
        done = run(command, env, cwd=work)
        assert done.returncode != 0 and "CC_SANDBOX_LLVM_BIN=/nonexistent is not a directory" in done.stderr
    assert not (work / "hello").exists()


def test_exec_allow_takes_a_trace_of_the_child(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    hello = example_builds.copy("hello", tmp_path / "hello")
    trace = tmp_path / "hello.trace.json"
    assert run([cc_sandbox, "trace", "-o", str(trace), "--", str(hello / "hello")], tool_env).returncode == 0
    work = copy_example("workers", tmp_path / "w")
    built = run([cc_sandbox, "make", f"--exec-allow={trace}", "-C", str(work)], tool_env)
    assert built.returncode == 0, built.stderr
    done = run([str(work / "workers"), str(hello / "hello")], tool_env)
    assert done.returncode == 0 and "child exit 0" in done.stdout, done.stdout + done.stderr


def test_links_without_the_in_link_pass_still_embed_the_same_filter(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    plain = example_builds.copy("hello", tmp_path / "plain")
    work = copy_example("hello", tmp_path / "hello")
    done = run([cc_sandbox, "make", "-C", str(work)], {**tool_env, "CC_SANDBOX_NO_PLUGIN": "1"})
    assert done.returncode == 0, done.stderr
    assert run([str(work / "hello")], tool_env).returncode == 0
    ours, reference = (embedded(cc_sandbox, tool_env, d / "hello") for d in (work, plain))
    assert ours["allowed"] == reference["allowed"] and ours["problems"] == []
    module = (work / "hello.bc").read_bytes()
    assert module[:4] == b"BC\xc0\xde" and unpack(module).facts is None, "no facts to carry: lld's module as it is"


def test_analyze_and_explain_say_what_is_wrong_in_one_line(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("hello", tmp_path / "hello")
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(work / "hello", moved / "hello")
    cases = [
        (["analyze", str(work)], "is a directory"),
        (["analyze", str(moved / "hello")], "was built by cc-sandbox (sandboxed,"),
        (["explain", str(work / "hello"), "99999"], "unknown syscall number 99999"),
    ]
    for args, message in cases:
        done = run([cc_sandbox, *args], tool_env)
        assert done.returncode == 3 and done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert "hello.bc is not beside it" in run([cc_sandbox, "analyze", str(moved / "hello")], tool_env).stderr

"""The ptrace tracer against strace -f (the independent oracle) on real programs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ccsandbox.trace.recording import Stops
from ccsandbox.trace.tracer import run_trace

from .builds import ExampleBuilds
from .helpers import copy_example, run

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
PROGRAMS = Path(__file__).parent / "programs"


def strace_names(command: list[str], log: Path) -> set[str]:
    """Every syscall name strace -f saw, in every process (its own first execve included)."""
    subprocess.run(["strace", "-f", "-qq", "-o", str(log), *command], capture_output=True, timeout=120)
    return {m[1] for line in log.read_text().splitlines() if (m := re.match(r"^\d+\s+(\w+)\(", line))}


def traced_names(command: list[str], stops: Stops | None = None) -> set[str]:
    return {name for program in run_trace(command, stops=stops).programs for name in program.all_calls}


@pytest.mark.parametrize("stops", ["seccomp", "syscall"])
def test_a_dynamic_glibc_program(tmp_path: Path, stops: Stops) -> None:
    command = ["/bin/ls", "-la", "/"]
    assert traced_names(command, stops) == strace_names(command, tmp_path / "log")


@pytest.mark.parametrize("stops", ["seccomp", "syscall"])
def test_threads_vfork_and_exec_are_followed(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], stops: Stops, example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("workers", tmp_path / "w", "--no-sandbox")
    command = [str(work / "workers"), "/bin/true"]
    trace = run_trace(command, stops=stops)
    images = {Path(p.image).name: p for p in trace.programs}
    assert set(images) == {"workers", "true"}, "the exec'd child is recorded under its own image"
    assert len(images["workers"].pids) >= 9, "8 threads and the vfork child are followed"
    assert trace.exit_status == 0
    assert {n for p in trace.programs for n in p.calls + p.unfiltered} == strace_names(command, tmp_path / "log")


def test_exit_status_passes_through() -> None:
    assert run_trace(["sh", "-c", "exit 7"]).exit_status == 7
    killed = run_trace(["sh", "-c", "kill -9 $$"])
    assert killed.exit_status == 128 + 9 and killed.signal == 9 and killed.to_json()["signal"] == "SIGKILL"


def test_the_cli_exits_like_strace(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    """127 not found, 126 not executable, and the tracee's fatal signal raised again."""
    missing = run([cc_sandbox, "trace", "--", "no-such-command-here"], tool_env)
    assert missing.returncode == 127 and "command not found" in missing.stderr
    data = tmp_path / "data.txt"
    data.write_text("not a program\n")
    assert run([cc_sandbox, "trace", "--", str(data)], tool_env).returncode == 126
    assert run([cc_sandbox, "trace", "--", str(tmp_path)], tool_env).returncode == 126
    assert run([cc_sandbox, "trace", "--", "sh", "-c", "kill -TERM $$"], tool_env).returncode == -15
    segv = run([cc_sandbox, "trace", "--", "sh", "-c", "kill -SEGV $$"], tool_env)
    assert segv.returncode == -11 and "killed by SIGSEGV" in segv.stderr


@pytest.mark.parametrize("action", ["kill", "errno"])
def test_a_call_the_programs_own_filter_denies_is_seen_in_one_stop_mode(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], action: str
) -> None:
    """A call the program's own filter denies never reaches the tracer's RET_TRACE stop. A filter
    that only kills: the call is read at the task's exit. Otherwise: the process is traced with
    entry stops (which come before seccomp) from its install on. (clone is denied: hello makes it
    while single-threaded, so no other thread races the kill.)"""
    work = copy_example("hello", tmp_path / "hello")
    built = run([cc_sandbox, "make", "--policy-action", action, "--deny", "clone", "-C", str(work)], tool_env)
    assert built.returncode == 0, built.stderr
    trace = run_trace([str(work / "hello")], stops="seccomp")
    if action == "kill":
        assert trace.signal == 31, "the kill-mode negative control dies of SIGSYS"
    else:
        assert trace.signal is None and trace.exit_status == 1, "pthread_create fails, hello returns 1"
    assert "clone" in trace.programs[0].after_filter
    assert traced_names([str(work / "hello")], "seccomp") == strace_names([str(work / "hello")], tmp_path / "log")


def test_i386_calls_are_labelled_not_misnamed(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    work = tmp_path / "int80"
    work.mkdir()
    shutil.copy(PROGRAMS / "int80.c", work)
    (work / "Makefile").write_text("int80: int80.c\n\t$(CC) -O2 -o $@ $<\n")
    assert run([cc_sandbox, "make", "--no-sandbox", "-C", str(work)], tool_env).returncode == 0
    calls = traced_names([str(work / "int80")])
    assert "i386:20" in calls and "writev" not in calls


def test_the_cli_reports_and_keeps_the_exit_status(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    out = tmp_path / "t.json"
    done = run([cc_sandbox, "trace", "-o", str(out), "--", "sh", "-c", "exit 3"], tool_env)
    assert done.returncode == 3 and "exit status 3" in done.stderr
    assert '"format": "cc-sandbox-trace"' in out.read_text()


def test_the_hello_example(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("hello", tmp_path / "hello")
    command = [str(work / "hello")]
    assert traced_names(command, "seccomp") == strace_names(command, tmp_path / "log")
    assert traced_names(command, "syscall") == strace_names(command, tmp_path / "log")

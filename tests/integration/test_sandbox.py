"""Binaries built by cc-sandbox install their filter: live in every thread, killed for a denied
syscall, never run unsandboxed by accident; exec is explicit (exports: test_exports.py)."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from ccsandbox.section import FILTER_SECTION, _section

from .builds import ExampleBuilds
from .helpers import copy_example, run

PROGRAMS = Path(__file__).parent / "programs"
SIGSYS_EXIT = -signal.SIGSYS


def _build_c(source: Path, work: Path, cc_sandbox: str, env: dict[str, str], *options: str) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, work)
    (work / "Makefile").write_text(f"{source.stem}: {source.name}\n\t$(CC) -O2 -o $@ $< -lpthread\n")
    done = run([cc_sandbox, "make", *options, "-C", str(work)], env)
    assert done.returncode == 0, done.stderr
    return work / source.stem


def test_the_filter_is_installed_before_main(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("echo-server", tmp_path / "echo")
    server = subprocess.Popen([str(work / "echo-server"), "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().rsplit(":", 1)[1])
        status = Path(f"/proc/{server.pid}/status").read_text()
        assert "Seccomp:\t2" in status and "NoNewPrivs:\t1" in status
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"ping\n")
            assert client.recv(10) == b"ping\n"
            client.sendall(b"SHUTDOWN\n")
        assert server.wait(timeout=10) == 0
    finally:
        server.kill()


def test_inspect_shows_a_filter_that_matches_its_metadata(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("hello", tmp_path / "hello")
    done = run([cc_sandbox, "inspect", "--json", str(work / "hello")], tool_env)
    assert done.returncode == 0, done.stdout + done.stderr
    meta = json.loads(done.stdout)
    assert meta["problems"] == [] and meta["action"] == "kill" and "writev" in meta["allowed"]
    policy = json.loads((work / "hello.policy.json").read_text())
    assert policy["enforcement"]["filter_sha256"] == meta["filter_sha256"]


@pytest.mark.parametrize(("deny", "expect"), [((), "getppid ok"), (("getppid",), None)])
def test_a_thread_started_in_the_constructor_phase_is_filtered(
    deny: tuple[str, ...], expect: str | None, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    options = [f"--deny={d}" for d in deny]
    prog = _build_c(PROGRAMS / "ctor_thread.c", tmp_path / "t", cc_sandbox, tool_env, *options)
    done = run([str(prog)], tool_env, timeout=30)
    if expect is None:
        assert done.returncode == SIGSYS_EXIT, (done.returncode, done.stdout)
    else:
        assert done.returncode == 0 and done.stdout.strip() == expect


def test_errno_action_fails_the_call_instead(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    prog = _build_c(
        PROGRAMS / "ctor_thread.c",
        tmp_path / "t",
        cc_sandbox,
        tool_env,
        "--policy-action",
        "errno",
        "--errno",
        "ENOSYS",
        "--deny",
        "getppid",
    )
    done = run([str(prog)], tool_env)
    assert done.returncode == 0 and "getppid failed: -38" in done.stdout


@pytest.mark.parametrize(
    ("example", "deny", "argv"),
    [
        ("hello", "writev", []),
        ("workers", "gettid", ["-"]),
        ("echo-server", "accept4", ["0"]),
    ],
)
def test_negative_controls_die_where_the_denied_syscall_is_made(
    example: str,
    deny: str,
    argv: list[str],
    tmp_path: Path,
    cc_sandbox: str,
    tool_env: dict[str, str],
    example_builds: ExampleBuilds,
) -> None:
    work = example_builds.copy(example, tmp_path / example, f"--deny={deny}")
    proc = subprocess.Popen([str(work / example), *argv], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if example == "echo-server":
        assert proc.stdout is not None
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        # the server dies in accept4 while we connect: a reset or refused connection is expected
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    assert proc.wait(timeout=30) == SIGSYS_EXIT


def test_denying_what_the_program_cannot_do_is_refused(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    work = copy_example("hello", tmp_path / "hello")
    done = run([cc_sandbox, "make", "--deny=execve", "-C", str(work)], tool_env)
    assert done.returncode != 0 and "not in the analysed policy" in done.stderr
    assert not (work / "hello").exists(), "nothing is published when the policy cannot be embedded"


def test_a_binary_whose_filter_was_never_written_refuses_to_run(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("hello", tmp_path / "hello")
    binary = work / "hello"
    place = _section(binary, FILTER_SECTION)
    assert place is not None
    with open(binary, "r+b") as stream:  # state field back to NOT_WRITTEN
        stream.seek(place[0] + 20)
        stream.write(b"\x00\x00\x00\x00")
    done = run([str(binary)], tool_env)
    assert done.returncode == 127 and "refusing to run" in done.stderr and "hello, world" not in done.stdout
    assert run([cc_sandbox, "inspect", str(binary)], tool_env).returncode == 1


def test_no_sandbox_embeds_nothing_but_still_writes_the_policy(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("hello", tmp_path / "hello", "--no-sandbox")
    assert run([str(work / "hello")], tool_env).returncode == 0
    assert (work / "hello.policy.json").is_file() and "enforcement" not in json.loads(
        (work / "hello.policy.json").read_text()
    )
    done = run([cc_sandbox, "inspect", str(work / "hello")], tool_env)
    assert done.returncode == 3 and "carries no cc-sandbox policy" in done.stderr


def test_exec_is_blocked_by_default_and_never_kills(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    work = copy_example("workers", tmp_path / "w")
    built = run([cc_sandbox, "make", "-C", str(work)], tool_env)
    assert "can exec" in built.stderr and "EPERM" in built.stderr
    done = run([str(work / "workers"), "/bin/true"], tool_env)
    assert done.returncode == 1 and "child exit -1" in done.stdout  # posix_spawn failed, nothing killed


def test_exec_allow_extends_the_filter_with_the_child_policy(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    hello = example_builds.copy("hello", tmp_path / "hello")
    work = copy_example("workers", tmp_path / "w")
    built = run([cc_sandbox, "make", f"--exec-allow={hello / 'hello.policy.json'}", "-C", str(work)], tool_env)
    assert built.returncode == 0, built.stderr
    done = run([str(work / "workers"), str(hello / "hello")], tool_env)
    assert done.returncode == 0 and "child exit 0" in done.stdout, done.stdout + done.stderr

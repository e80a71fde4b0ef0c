"""Soundness of the static policy on our examples, with strace -f as the oracle.

Each example is built by `cc-sandbox make` (which writes PROG.policy.json), run under strace,
and every syscall its code made must be in the policy. The examples cover function pointers in
structs, signal handlers, threads, syscall(SYS_x) with a constant, posix_spawn (clone+exec) and
atexit.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from .helpers import copy_example, run
from .tracing import parse_strace, run_traced, traced_child, unsound

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")


def _build(name: str, tmp_path: Path, cc_sandbox: str, env: dict[str, str]) -> Path:
    work = copy_example(name, tmp_path / name)
    done = run([cc_sandbox, "make", "-C", str(work)], env)
    assert done.returncode == 0, done.stderr
    policy = next(work.glob("*.policy.json"))
    return policy


def test_strace_log_rules() -> None:
    log = (
        '100 execve("./prog", ["./prog"], 0x7ffd /* 1 var */) = 0\n'
        "100 arch_prctl(ARCH_SET_FS, 0x4043b8) = 0\n"
        "100 clone(child_stack=0x1, flags=CLONE_VM|CLONE_VFORK|SIGCHLD <unfinished ...>\n"
        '101 execve("/bin/true", ["/bin/true"], 0x7ffd /* 1 var */) = 0\n'
        "101 brk(NULL)                         = 0x55d\n"
        "100 <... clone resumed>)              = 101\n"
        "100 wait4(101,  <unfinished ...>\n"
        "101 +++ exited with 0 +++\n"
        "100 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101\n"
        "100 exit_group(0)                     = ?\n"
    )
    assert parse_strace(log) == {"arch_prctl", "clone", "execve", "wait4", "exit_group"}


def test_strace_log_separates_what_happens_before_the_filter_is_installed() -> None:
    log = (
        "7 arch_prctl(ARCH_SET_FS, 0x4043b8) = 0\n"
        "7 prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0\n"
        "7 seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, 0x7ffd) = 0\n"
        '7 writev(1, [{iov_base="hi", iov_len=2}], 1) = 2\n'
    )
    assert parse_strace(log) == {"writev"}


def test_hello_makes_only_allowed_syscalls(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    policy = _build("hello", tmp_path, cc_sandbox, tool_env)
    observed = run_traced([str(policy.parent / "hello")], tmp_path / "trace", stdout=subprocess.DEVNULL)
    assert {"writev", "clone", "exit_group"} <= observed
    assert unsound(observed, policy) == []


def test_workers_with_threads_signals_spawn_and_atexit(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    policy = _build("workers", tmp_path, cc_sandbox, tool_env)
    observed = run_traced(
        [str(policy.parent / "workers"), "/bin/true"],
        tmp_path / "trace",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert {"rt_sigaction", "rt_sigreturn", "gettid", "execve", "wait4"} <= observed
    assert unsound(observed, policy) == []


def test_echo_server_through_a_client_session(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    policy = _build("echo-server", tmp_path, cc_sandbox, tool_env)

    def drive(proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        for message in (b"hello\n", b"QUIT\n"):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
                client.sendall(message)
                client.recv(100)
        os.kill(traced_child(proc.pid), signal.SIGTERM)  # the handler runs, then rt_sigreturn

    observed = run_traced(
        [str(policy.parent / "echo-server"), "0"], tmp_path / "trace", drive=drive, stdout=subprocess.PIPE
    )
    assert {"accept4", "poll", "rt_sigreturn"} <= observed
    assert unsound(observed, policy) == []

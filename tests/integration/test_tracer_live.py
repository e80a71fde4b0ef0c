"""The tracer as a tool to live with: interrupted traces, attaching to running processes, and the
``--summary`` table."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import REPO, copy_example, run

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
PROGRAMS = Path(__file__).parent / "programs"


def validate(document: dict[str, object], kind: str) -> None:
    """``document`` is valid under schemas/KIND.schema.json."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)


@pytest.fixture(scope="module")
def echo_server(tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, sysroot: object) -> Path:
    """examples/echo-server built through cc-sandbox, with its embedded filter."""
    env = {**os.environ, "PATH": f"{Path(cc_sandbox).parent}:{os.environ['PATH']}"}
    work = copy_example("echo-server", tmp_path_factory.mktemp("echo") / "src")
    assert run([cc_sandbox, "make", "-C", str(work)], env).returncode == 0
    return work / "echo-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def echo(port: int, message: bytes = b"hi\n", timeout: float = 10) -> bytes:
    """Send ``message`` once the server accepts connections; what it echoed back."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as client:
                client.sendall(message)
                return client.recv(100) if not message.startswith(b"SHUTDOWN") else b""
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def accepting(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture()
def tracer(tmp_path: Path, cc_sandbox: str) -> Iterator[list[subprocess.Popen[str]]]:
    """Started tracers, ended (and their server) when the test is done."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_an_interrupted_trace_keeps_what_it_saw_and_ends_the_server(
    echo_server: Path, tmp_path: Path, cc_sandbox: str, tracer: list[subprocess.Popen[str]]
) -> None:
    port, out, learned = free_port(), tmp_path / "t.json", tmp_path / "learned.policy.json"
    proc = subprocess.Popen(
        [cc_sandbox, "trace", "-o", str(out), "--learn", str(learned), "--", str(echo_server), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    tracer.append(proc)
    assert echo(port) == b"hi\n"
    proc.send_signal(signal.SIGINT)  # to the tracer only (a terminal's Ctrl-C would reach both)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGINT, stderr
    assert "interrupted by SIGINT" in stderr and "ended the tracees" in stderr
    document = json.loads(out.read_text())  # complete, valid JSON
    assert document["interrupted"] == "SIGINT" and document["detached"] is False
    validate(document, "trace")
    served = set(document["programs"][0]["syscalls"])
    assert {"poll", "accept4", "read", "write"} <= served, served
    assert not accepting(port), "the server was ended"
    assert {e["name"] for e in json.loads(learned.read_text())["allowed"]} >= {"accept4", "read", "write"}


def test_detach_on_interrupt_leaves_the_server_running(
    echo_server: Path, tmp_path: Path, cc_sandbox: str, tracer: list[subprocess.Popen[str]]
) -> None:
    port, out, log = free_port(), tmp_path / "t.json", tmp_path / "stderr.txt"
    with open(log, "w") as stderr_file:  # not a pipe: the server that lives on would hold it open
        proc = subprocess.Popen(
            [cc_sandbox, "trace", "--on-interrupt", "detach", "-o", str(out), "--", str(echo_server), str(port)],
            stdout=subprocess.DEVNULL,
            stderr=stderr_file,
            text=True,
        )
    tracer.append(proc)
    assert echo(port) == b"hi\n"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    stderr = log.read_text()
    assert proc.returncode == 128 + signal.SIGTERM and "detached" in stderr, stderr
    document = json.loads(out.read_text())
    assert document["detached"] is True and document["stops"] == "syscall" and document["exit_status"] is None
    validate(document, "trace")
    assert echo(port, b"again\n") == b"again\n", "the untraced server still serves"
    echo(port, b"SHUTDOWN\n")


def test_attach_to_a_running_server(
    echo_server: Path, tmp_path: Path, cc_sandbox: str, tracer: list[subprocess.Popen[str]]
) -> None:
    port, out = free_port(), tmp_path / "t.json"
    server = subprocess.Popen([str(echo_server), str(port)], stdout=subprocess.DEVNULL)
    tracer.append(server)  # type: ignore[arg-type]
    assert echo(port) == b"hi\n"  # serving before the tracer comes
    proc = subprocess.Popen(
        [cc_sandbox, "trace", "-p", str(server.pid), "-o", str(out)], stderr=subprocess.PIPE, text=True
    )
    tracer.append(proc)
    time.sleep(1.0)  # let it attach (nothing to wait on: the server is blocked in poll)
    assert echo(port, b"traced\n") == b"traced\n"
    echo(port, b"SHUTDOWN\n")  # the server ends, and with it the trace
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert server.wait(timeout=10) == 0
    record = json.loads(out.read_text())["programs"][0]
    assert Path(record["image"]).name == "echo-server"
    assert {"accept4", "read", "write", "close", "exit_group"} <= set(record["syscalls"])
    assert "socket" not in record["syscalls"], "made before the attach"


def test_attach_follows_every_thread_and_detaches_on_interrupt(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], tracer: list[subprocess.Popen[str]]
) -> None:
    work = tmp_path / "spinners"
    work.mkdir()
    shutil.copy(PROGRAMS / "spinners.c", work)
    (work / "Makefile").write_text("spinners: spinners.c\n\t$(CC) -O2 -pthread -o $@ $<\n")
    assert run([cc_sandbox, "make", "-C", str(work)], tool_env).returncode == 0
    target = subprocess.Popen([str(work / "spinners")])
    tracer.append(target)  # type: ignore[arg-type]
    time.sleep(0.3)
    out = tmp_path / "t.json"
    proc = subprocess.Popen(
        [cc_sandbox, "trace", "-p", str(target.pid), "-o", str(out)], stderr=subprocess.PIPE, text=True
    )
    tracer.append(proc)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    record = json.loads(out.read_text())["programs"][0]
    assert {"getpid", "gettid", "nanosleep"} <= set(record["syscalls"]), record["syscalls"]
    assert target.poll() is None, "detached, not killed"
    time.sleep(0.3)
    state = Path(f"/proc/{target.pid}/stat").read_text().split(")")[1].split()[0]
    assert state in ("S", "R"), f"left running, not stopped ({state})"
    tasks = len(os.listdir(f"/proc/{target.pid}/task"))
    assert tasks == 4


def test_attach_to_a_missing_process_is_one_line(cc_sandbox: str, tool_env: dict[str, str]) -> None:
    done = run([cc_sandbox, "trace", "-p", "999999999"], tool_env)
    assert done.returncode == 3 and done.stderr.startswith("cc-sandbox: error:") and "999999999" in done.stderr


def test_the_summary_table_counts_calls_and_errors_like_strace_c(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    command = ["/bin/ls", "/no/such/dir", "/"]
    ours = run([cc_sandbox, "trace", "--summary", "--", *command], tool_env)
    assert ours.returncode == 2, ours.stderr  # ls' own status
    rows = {
        m[3]: (int(m[1]), int(m[2] or 0)) for m in re.finditer(r"^ +[\d.]+ +(\d+) +(\d*) (\w+)$", ours.stderr, re.M)
    }
    log = tmp_path / "c.txt"
    subprocess.run(["strace", "-f", "-c", "-U", "calls,errors,name", "-o", str(log), *command], capture_output=True)
    theirs = {m[3]: (int(m[1]), int(m[2] or 0)) for m in re.finditer(r"^ +(\d+) +(\d*) (\w+)$", log.read_text(), re.M)}
    theirs.pop("total")
    assert rows.pop("total")[1] == sum(e for _, e in theirs.values())
    rows.pop("exit_group")  # strace -c counts a call at its exit, and exit_group has none
    assert rows == theirs


def test_output_to_a_device_or_fifo_is_written_in_place_not_replaced(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    """`-o /dev/null` must never replace /dev/null with a file (a FIFO stands in for it here)."""
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    done = run([cc_sandbox, "trace", "-o", str(fifo), "--", "/bin/true"], tool_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(reader.communicate(timeout=10)[0])["format"] == "cc-sandbox-trace"
    assert fifo.is_fifo()


BUSY = "while :; do : >/dev/null; done"  # open, dup2, close... until stopped


def _processes_with(argument: str) -> list[int]:
    """The shells (not the tracer, whose command line holds the same words) given ``argument``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                if argv[0] == b"sh" and argument.encode() in argv:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("mode", ["kill", "detach"])
def test_a_busy_command_interrupted_mid_run_leaves_a_complete_trace(
    tmp_path: Path, cc_sandbox: str, mode: str, tracer: list[subprocess.Popen[str]]
) -> None:
    """Interrupted while the tracee makes thousands of calls a second (a stop may be in flight)."""
    out, marker, log = tmp_path / "t.json", str(tmp_path / "marker-dir"), tmp_path / "stderr.txt"
    Path(marker).mkdir()
    with open(log, "w") as stderr_file:  # not a pipe: a detached tracee would hold it open
        proc = subprocess.Popen(
            [cc_sandbox, "trace", "--on-interrupt", mode, "-o", str(out), "--", "sh", "-c", BUSY, "sh", marker],
            stdout=subprocess.DEVNULL,
            stderr=stderr_file,
            text=True,
        )
    tracer.append(proc)
    deadline = time.monotonic() + 30
    while not _processes_with(marker) and time.monotonic() < deadline:  # the tracee runs: tracing has begun
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode == 130, log.read_text()
    document = json.loads(out.read_text())
    assert document["interrupted"] == "SIGINT" and document["detached"] is (mode == "detach")
    assert sum(document["programs"][0]["counts"].values()) > 100
    assert {"openat", "dup2", "close"} <= set(document["programs"][0]["syscalls"])
    time.sleep(0.3)
    left = _processes_with(marker)
    try:
        if mode == "kill":
            assert left == [], "the tracee was ended"
        else:
            assert len(left) == 1, "the detached tracee runs on"
            state = Path(f"/proc/{left[0]}/stat").read_text().split(")")[1].split()[0]
            assert state in ("R", "S", "D", "Z"), state  # not stopped, not traced
            assert "TracerPid:\t0" in Path(f"/proc/{left[0]}/status").read_text()
    finally:
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

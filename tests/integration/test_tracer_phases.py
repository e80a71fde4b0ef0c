"""Phase transition points in the tracer: by symbol and by offset, non-PIE and PIE, per thread."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from ccsandbox.errors import CcSandboxError
from ccsandbox.trace.phases import resolve_points
from ccsandbox.trace.recording import Stops
from ccsandbox.trace.tracer import run_trace

from .builds import ExampleBuilds

PROGRAMS = Path(__file__).parent / "programs"


def _phases(trace, image_name: str) -> list[set[str]]:  # type: ignore[no-untyped-def]
    record = next(p for p in trace.programs if Path(p.image).name == image_name)
    return [set(p["syscalls"]) for p in trace.phase_report(record)]


@pytest.fixture(scope="module")
def pie(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    out = tmp_path_factory.mktemp("pie") / "phases"
    subprocess.run(["gcc", "-O1", "-fPIE", "-pie", "-pthread", str(PROGRAMS / "phases.c"), "-o", str(out)], check=True)
    return out


@pytest.mark.parametrize("stops", ["seccomp", "syscall"])
def test_a_pie_program_splits_at_a_symbol_and_threads_inherit_the_phase(pie: Path, stops: Stops) -> None:
    trace = run_trace([str(pie)], ["work"], stops=stops)
    assert trace.stops == stops
    start, work = _phases(trace, "phases")
    assert "getpid" in start and "getppid" not in start
    assert {"getppid", "gettid", "exit_group"} <= work and "getpid" not in work
    cumulative = trace.phase_report(trace.programs[0])
    assert set(cumulative[0]["cumulative"]) >= start | work, "phase 0 must also allow what phase 1 does"


def test_an_offset_gives_the_same_split_as_the_symbol(pie: Path) -> None:
    offset = resolve_points(pie, ["work"])[0].offset
    by_symbol = _phases(run_trace([str(pie)], ["work"]), "phases")
    by_offset = _phases(run_trace([str(pie)], [hex(offset)]), "phases")
    # whether joining the thread has to wait (futex) depends on scheduling, not on the split
    timing = {"futex"}
    assert [p - timing for p in by_offset] == [p - timing for p in by_symbol]


def test_our_static_echo_server_splits_at_its_serving_loop(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("echo-server", tmp_path / "echo", "--no-sandbox")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def client() -> None:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
                    c.sendall(b"hi\n")
                    c.recv(10)
                    c.sendall(b"SHUTDOWN\n")
                return
            except OSError:
                time.sleep(0.05)

    threading.Thread(target=client, daemon=True).start()
    init, serving = _phases(run_trace([str(work / "echo-server"), str(port)], ["serve_loop"]), "echo-server")
    assert {"socket", "bind", "listen"} <= init and not {"socket", "bind", "listen"} & serving
    assert {"poll", "accept4", "read", "write"} <= serving


def test_unknown_symbols_suggest_close_names(pie: Path) -> None:
    with pytest.raises(CcSandboxError, match="did you mean work"):
        resolve_points(pie, ["wrok"])


def test_offsets_outside_the_text_segment_are_refused(pie: Path) -> None:
    with pytest.raises(CcSandboxError, match="outside the text segment"):
        resolve_points(pie, ["0x7fffffff"])

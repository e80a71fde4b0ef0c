"""`phasecut` on the real programs at the study's hand-picked transition points, and against
what the tracer sees after a point at or after each transition while the workloads run."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ccsandbox.trace.tracer import run_trace
from ccsandbox.trace.workload import load_workload

from .helpers import EXAMPLES, run
from .test_real_programs import build

POINTS = {
    "redis": ["--entry", "aeMain"],
    "sqlite3": ["--entry", "shell_exec"],
    "coreutils-ls": ["--at", "main:clear_files"],
}


@pytest.mark.real_programs
@pytest.mark.parametrize("name", sorted(POINTS))
def test_phases_at_the_studys_points_narrow_the_whole_program_filter(
    name: str,
    real_work: Path,
    tool_env: dict[str, str],
    cc_sandbox: str,
) -> None:
    binary = build(name, real_work, tool_env)
    started = time.monotonic()
    done = run([cc_sandbox, "phasecut", "--json", *POINTS[name], str(binary)], tool_env)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    zero, one = json.loads(done.stdout)["phases"]
    policy = json.loads(Path(f"{binary}.policy.json").read_text())
    assert [a["nr"] for a in zero["allowed"]] == [a["nr"] for a in policy["allowed"]], "phase 0 is the policy"
    assert {a["nr"] for a in one["allowed"]} <= {a["nr"] for a in zero["allowed"]}
    assert seconds < 10, f"phasecut took {seconds:.1f} s"


def _after_point(trace: Any, image: str) -> set[str]:
    record = next(p for p in trace.programs if Path(p.image).name == image)
    report = trace.phase_report(record)
    return set(report[1]["syscalls"]) if len(report) > 1 else set()


def _phase_one(cc_sandbox: str, env: dict[str, str], *args: str) -> set[str]:
    done = run([cc_sandbox, "phasecut", "--json", *args], env)
    assert done.returncode == 0, done.stderr
    return {a["name"] for a in json.loads(done.stdout)["phases"][1]["allowed"]}


@pytest.mark.real_programs
def test_ls_after_clear_files_does_nothing_outside_phase_one(
    real_work: Path,
    tool_env: dict[str, str],
    cc_sandbox: str,
    tmp_path: Path,
) -> None:
    binary = build("coreutils-ls", real_work, tool_env)
    allowed = _phase_one(cc_sandbox, tool_env, "--at", "main:clear_files", str(binary))
    workload = load_workload(EXAMPLES / "real" / "coreutils-ls" / "workload.json")
    seen: set[str] = set()
    for case in workload["cases"]:  # the tracer splits at gobble_file, first called after clear_files
        argv = [str(a).format(binary=binary, dir=binary.parent, tmp=tmp_path, port=0) for a in case["argv"]]
        seen |= _after_point(run_trace(argv, ["gobble_file"], cwd=str(tmp_path), quiet=True), "ls")
    assert len(seen) > 10 and seen <= allowed, sorted(seen - allowed)


@pytest.mark.real_programs
def test_redis_serving_does_nothing_outside_phase_one(
    real_work: Path,
    tool_env: dict[str, str],
    cc_sandbox: str,
    tmp_path: Path,
) -> None:
    binary = build("redis", real_work, tool_env)
    allowed = _phase_one(cc_sandbox, tool_env, "--entry", "aeMain", str(binary))
    server = load_workload(EXAMPLES / "real" / "redis" / "workload.json")["server"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def fill(arg: object) -> str:
        return str(arg).format(binary=binary, dir=binary.parent, tmp=tmp_path, port=port)

    def clients() -> None:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        for argv in server["clients"]:
            subprocess.run([fill(a) for a in argv], capture_output=True, timeout=60)
        subprocess.run([str(binary.parent / "redis-cli"), "-p", str(port), "SHUTDOWN", "NOSAVE"], capture_output=True)

    threading.Thread(target=clients, daemon=True).start()
    # aeMain is inlined into main; its loop calls aeProcessEvents, where the tracer splits
    trace = run_trace([fill(a) for a in server["argv"]], ["aeProcessEvents"], cwd=str(tmp_path), quiet=True)
    seen = _after_point(trace, "redis-server")
    assert len(seen) > 15 and seen <= allowed, sorted(seen - allowed)

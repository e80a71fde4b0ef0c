"""Workload files: a declarative way to exercise a program under the tracer.

Format (JSON, ``"format": "cc-sandbox-workload"``, version 1)::

    {"format": "cc-sandbox-workload", "version": 1, "program": "sqlite3",
     "cases": [{"name": "...", "argv": ["{binary}", "{tmp}/db", "select 1;"],
                "stdin": "optional text", "env": {"K": "V"}, "expect_exit": 0}],
     "server": {"argv": ["{binary}", "--port", "{port}"], "ready_timeout": 10,
                "clients": [["{dir}/redis-cli", "-p", "{port}", "PING"]],
                "stop": ["{dir}/redis-cli", "-p", "{port}", "SHUTDOWN", "NOSAVE"]}}

Placeholders: ``{binary}`` (the program given on the command line), ``{dir}`` (its directory),
``{tmp}`` (a fresh directory per run), ``{port}`` (a free TCP port on 127.0.0.1). In server mode
the traced server is started, the clients run once the port accepts connections, then ``stop``
runs (or, without it, the server gets SIGTERM). Every case's trace is merged per program image.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import WorkloadError
from .recording import Stops, Trace
from .tracer import run_trace

__all__ = ["load_workload", "merge_traces", "run_workload", "run_workload_plain"]


def load_workload(path: Path) -> dict[str, Any]:
    """Read and check a workload file; every problem is reported with where it is."""
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise WorkloadError(f"{path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise WorkloadError(f"{path}:{err.lineno}:{err.colno}: {err.msg}") from None
    problems = []
    if not isinstance(data, dict) or data.get("format") != "cc-sandbox-workload" or data.get("version") != 1:
        problems.append('not a workload: "format" must be "cc-sandbox-workload" and "version" 1')
    else:
        for i, case in enumerate(data.get("cases", [])):
            if not isinstance(case, dict) or not isinstance(case.get("argv"), list) or not case["argv"]:
                problems.append(f'cases[{i}]: needs a non-empty "argv" list')
        server = data.get("server")
        if server is not None and (not isinstance(server, dict) or not isinstance(server.get("argv"), list)):
            problems.append('server: needs an "argv" list')
        if not data.get("cases") and server is None:
            problems.append('nothing to run: give "cases" or "server"')
    if problems:
        raise WorkloadError(f"{path}: " + "; ".join(problems))
    checked: dict[str, Any] = data
    return checked


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fill(items: list[str], values: dict[str, str]) -> list[str]:
    return [str(item).format(**values) for item in items]


def _run_case(case: dict[str, Any], values: dict[str, str], stops: Stops | None, phase_at: list[str]) -> Trace:
    env = {**os.environ, **{k: str(v) for k, v in case.get("env", {}).items()}}
    with tempfile.TemporaryFile() as stdin:
        stdin.write(str(case.get("stdin", "")).encode())
        stdin.seek(0)
        trace = run_trace(
            _fill(case["argv"], values),
            phase_at if case["argv"][0] == "{binary}" else None,
            stdin=stdin.fileno(),
            env=env,
            cwd=values["tmp"],
            quiet=True,
            stops=stops,
        )
    expected = case.get("expect_exit")
    if expected is not None and trace.exit_status != expected:
        raise WorkloadError(f"case {case.get('name', case['argv'])!r} exited {trace.exit_status}, expected {expected}")
    return trace


def _wait_for_port(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def _run_server(server: dict[str, Any], values: dict[str, str], stops: Stops | None, phase_at: list[str]) -> Trace:
    started: list[int] = []
    result: list[Trace] = []
    runner = threading.Thread(
        target=lambda: result.append(
            run_trace(
                _fill(server["argv"], values),
                phase_at,
                on_start=started.append,
                cwd=values["tmp"],
                quiet=True,
                stops=stops,
            )
        ),
        daemon=True,
    )
    runner.start()
    if not _wait_for_port(int(values["port"]), float(server.get("ready_timeout", 10))):
        if started:
            os.kill(started[0], signal.SIGKILL)
        raise WorkloadError(f"the server did not accept connections on port {values['port']}")
    for client in server.get("clients", []):
        subprocess.run(_fill(client, values), capture_output=True, timeout=120, cwd=values["tmp"])
    if server.get("stop"):
        subprocess.run(_fill(server["stop"], values), capture_output=True, timeout=60, cwd=values["tmp"])
    elif started:
        os.kill(started[0], signal.SIGTERM)
    runner.join(timeout=60)
    if not result:
        raise WorkloadError("the server did not stop within 60 s")
    return result[0]


def merge_traces(traces: list[Trace]) -> dict[str, Any]:
    """One trace document: per program image, the union of every run's sets and the summed counts."""
    programs: dict[str, dict[str, Any]] = {}
    for trace in traces:
        for record in trace.to_json()["programs"]:
            merged = programs.setdefault(
                record["image"],
                {
                    "image": record["image"],
                    "processes": 0,
                    "filtered": False,
                    "syscalls": set(),
                    "before_filter": set(),
                    "counts": {},
                },
            )
            merged["processes"] += record["processes"]
            merged["filtered"] |= record["filtered"]
            merged["syscalls"] |= set(record["syscalls"])
            merged["before_filter"] |= set(record["before_filter"])
            for name, count in record["counts"].items():
                merged["counts"][name] = merged["counts"].get(name, 0) + count
            for phase in record.get("phases", []):
                into = merged.setdefault("phases", {}).setdefault(
                    phase["phase"], {"phase": phase["phase"], "at": phase["at"], "syscalls": set(), "cumulative": set()}
                )
                into["syscalls"] |= set(phase["syscalls"])
                into["cumulative"] |= set(phase["cumulative"])
    return {
        "format": "cc-sandbox-trace",
        "version": 1,
        "runs": len(traces),
        "seconds": round(sum(t.seconds for t in traces), 3),
        "programs": [
            {
                **p,
                "syscalls": sorted(p["syscalls"]),
                "before_filter": sorted(p["before_filter"]),
                **(
                    {
                        "phases": [
                            {**ph, "syscalls": sorted(ph["syscalls"]), "cumulative": sorted(ph["cumulative"])}
                            for _, ph in sorted(p["phases"].items())
                        ]
                    }
                    if "phases" in p
                    else {}
                ),
            }
            for p in programs.values()
        ],
    }


def run_workload_plain(workload: dict[str, Any], binary: Path) -> list[dict[str, Any]]:
    """Run the workload without the tracer (the binary's own filter is all there is): per run,
    its name and exit status, negative when a signal ended it (-31: killed by its filter)."""
    results = []
    with tempfile.TemporaryDirectory(prefix="cc-sandbox-workload.") as tmp:
        values = {"binary": str(binary), "dir": str(binary.parent), "tmp": tmp, "port": str(_free_port())}
        for case in workload.get("cases", []):
            env = {**os.environ, **{k: str(v) for k, v in case.get("env", {}).items()}}
            done = subprocess.run(
                _fill(case["argv"], values),
                input=str(case.get("stdin", "")).encode(),
                env=env,
                cwd=tmp,
                capture_output=True,
                timeout=300,
            )
            results.append(
                {
                    "name": case.get("name", " ".join(case["argv"])),
                    "status": done.returncode,
                    "expected": case.get("expect_exit"),
                    "stderr": done.stderr.decode(errors="replace")[-2000:],
                }
            )
        server = workload.get("server")
        if server:
            proc = subprocess.Popen(
                _fill(server["argv"], values), cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                if _wait_for_port(int(values["port"]), float(server.get("ready_timeout", 10))):
                    for client in server.get("clients", []):
                        subprocess.run(_fill(client, values), capture_output=True, timeout=120, cwd=tmp)
                    if server.get("stop"):
                        subprocess.run(_fill(server["stop"], values), capture_output=True, timeout=60, cwd=tmp)
                    else:
                        proc.terminate()
                status = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                status = proc.wait()
            results.append({"name": "server", "status": status})
    return results


def run_workload(
    workload: dict[str, Any],
    binary: Path,
    progress: Callable[[str], None],
    phase_at: list[str] | None = None,
    stops: Stops | None = None,
) -> dict[str, Any]:
    """Run every case (and the server part) of ``workload`` against ``binary``; the merged trace."""
    traces = []
    cases = workload.get("cases", [])
    total = len(cases) + (1 if workload.get("server") else 0)
    with tempfile.TemporaryDirectory(prefix="cc-sandbox-workload.") as tmp:
        values = {"binary": str(binary), "dir": str(binary.parent), "tmp": tmp, "port": str(_free_port())}
        for i, case in enumerate(cases, start=1):
            progress(f"[{i}/{total}] {case.get('name', ' '.join(case['argv']))}")
            traces.append(_run_case(case, values, stops, phase_at or []))
        if workload.get("server"):
            progress(f"[{total}/{total}] server")
            traces.append(_run_server(workload["server"], values, stops, phase_at or []))
    return merge_traces(traces)

"""Specification of evaluate's comparisons (from the documents it writes, no programs run): the
per-phase rows take the phasecut document of the contract and the traced phases, and a traced
syscall outside a static set is UNSOUND."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccsandbox.evaluate.run import _compare
from ccsandbox.evaluate.subjects import select


def _phasecut(*phases: list[str]) -> dict[str, Any]:
    return {
        "format": "cc-sandbox-phasecut",
        "version": 1,
        "program": "prog",
        "table": {"kernel": "6.18", "size": 383},
        "transitions": ["serve"],
        "phases": [
            {
                "index": k,
                "allowed_count": len(names),
                "blocked_count": 383 - len(names),
                "allowed": [{"nr": 0, "name": n, "why": ""} for n in names],
                "removed": [],
            }
            for k, names in enumerate(phases)
        ],
        "analysis_seconds": 0.1,
    }


def _trace(phases: list[list[str]], before: list[str]) -> dict[str, Any]:
    every = sorted({n for p in phases for n in p})
    return {
        "format": "cc-sandbox-trace",
        "version": 1,
        "programs": [
            {
                "image": "/x/prog",
                "syscalls": [n for n in every if n not in ("prctl", "seccomp")],
                "before_filter": before,
                "phases": [
                    {"phase": k, "at": "start", "syscalls": p, "cumulative": sorted({n for q in phases[k:] for n in q})}
                    for k, p in enumerate(phases)
                ],
            }
        ],
    }


@pytest.fixture()
def out(tmp_path: Path) -> Path:
    (tmp_path / "prog").mkdir()
    return tmp_path


def _result(out: Path, static: list[str], cut: dict[str, Any], traced: dict[str, Any]) -> dict[str, Any]:
    for name, doc in (("phasecut", cut), ("trace", traced), ("trace_phases", traced)):
        (out / "prog" / f"{name}.json").write_text(json.dumps(doc))
    result: dict[str, Any] = {
        "static": {"allowed": static},
        "artifacts": {k: f"prog/{k}.json" for k in ("phasecut", "trace", "trace_phases")} | {"policy": "p"},
    }
    _compare(result, Path("/x/prog"), out)
    return result


def test_phases_compare_each_traced_phase_with_its_static_set(out: Path) -> None:
    static = ["read", "write", "socket", "exit_group"]
    cut = _phasecut(static, ["read", "write", "exit_group"])
    traced = _trace([["prctl", "seccomp", "socket", "read"], ["read", "exit_group"]], ["prctl", "seccomp"])
    result = _result(out, static, cut, traced)
    assert result["unsound"] == [] and result["over_approximation"] == ["write"]
    phases = result["phases"]
    assert [p["allowed_count"] for p in phases["static"]] == [4, 3]
    assert [p["syscalls"] for p in phases["traced"]] == [["exit_group", "read", "socket"], ["exit_group", "read"]]
    assert phases["unsound"] == [[], []], "calls made only before the filter are not counted"
    assert phases["over_approximation"] == [["write"], ["write"]]


def test_a_phase_that_misses_a_traced_call_is_unsound(out: Path) -> None:
    static = ["read", "socket", "exit_group"]
    cut = _phasecut(static, ["read", "exit_group"])
    traced = _trace([["socket"], ["read", "socket", "exit_group"]], [])
    assert _result(out, static, cut, traced)["phases"]["unsound"] == [[], ["socket"]]


def test_program_selection() -> None:
    assert [s.name for s in select(None, quick=True)] == ["hello", "echo-server", "workers", "sqlite3"]
    assert [s.name for s in select(None, quick=False)] == ["ls", "sqlite3", "redis-server"]
    assert [s.name for s in select("sqlite3, hello,sqlite3", quick=False)] == ["sqlite3", "hello"]

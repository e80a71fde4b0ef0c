"""Specification of workload files: bad ones are refused with where and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccsandbox.errors import WorkloadError
from ccsandbox.resources import repo_root
from ccsandbox.trace.workload import load_workload


def test_the_bundled_workloads_load() -> None:
    for name in ("sqlite3", "coreutils-ls", "redis"):
        workload = load_workload(repo_root() / "examples" / "real" / name / "workload.json")
        assert workload.get("cases") or workload.get("server")
    assert len(load_workload(repo_root() / "examples/real/sqlite3/workload.json")["cases"]) == 23


def test_syntax_errors_name_the_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "w.json"
    bad.write_text('{"format": "cc-sandbox-workload",\n "version": 1,\n "cases": [}\n')
    with pytest.raises(WorkloadError, match=r"w\.json:3:\d+: "):
        load_workload(bad)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    bad = tmp_path / "w.json"
    bad.write_text(json.dumps({"format": "cc-sandbox-workload", "version": 1, "cases": [{"argv": []}, {"name": "x"}]}))
    with pytest.raises(WorkloadError, match=r"cases\[0\].*cases\[1\]"):
        load_workload(bad)


def test_other_documents_are_not_workloads(tmp_path: Path) -> None:
    other = tmp_path / "w.json"
    other.write_text("{}")
    with pytest.raises(WorkloadError, match="not a workload"):
        load_workload(other)

"""`cc-sandbox evaluate`: the report's numbers are those of the policies and traces it was made
from, the study's rows are marked as quoted, and failures make a partial report, never a
complete-looking one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccsandbox.embed.source import read_policy_source
from ccsandbox.evaluate import study

from .helpers import run

EXAMPLES = ["hello", "echo-server", "workers"]


def evaluate(cc_sandbox: str, env: dict[str, str], out: Path, work: Path, *args: str) -> Any:
    done = run([cc_sandbox, "evaluate", "-o", str(out), "--work", str(work), *args], env, timeout=3600)
    return done


def check_report(out: Path) -> dict[str, Any]:
    """Recompute every number of results.json and of the main table from the files beside it."""
    results = json.loads((out / "results.json").read_text())
    assert results["format"] == "cc-sandbox-evaluation" and results["version"] == 1
    size = results["table"]["size"]
    assert size == 383
    markdown = (out / "report.md").read_text()
    for program in results["programs"]:
        name = program["name"]
        policy = json.loads((out / program["artifacts"]["policy"]).read_text())
        embedded = set(read_policy_source(Path(program["binary"])).allowed)
        static = set(program["static"]["allowed"])
        assert static == {e["name"] for e in policy["allowed"]}, name
        assert sorted(static - embedded) == program["static"]["not_in_embedded_filter"] and embedded <= static
        assert program["static"]["allowed_count"] == len(static) == policy["allowed_count"]
        assert program["static"]["blocked_count"] == size - len(static) == policy["blocked_count"]
        trace = json.loads((out / program["artifacts"]["trace"]).read_text())
        record = next(p for p in trace["programs"] if Path(p["image"]).name == Path(program["binary"]).name)
        traced = set(record["syscalls"])
        assert set(program["traced"]["syscalls"]) == traced and program["traced"]["allowed_count"] == len(traced)
        assert program["unsound"] == sorted(traced - static) == [], f"{name}: UNSOUND {traced - static}"
        assert program["over_approximation"] == sorted(static - traced)
        assert program["steps"]["filters"]["kills"] == 0
        row = f"| cc-sandbox static (whole program) | ours | {program['version']} | {size} | {len(static)} | "
        assert row + f"{size - len(static)} |" in markdown, row
        assert f"| cc-sandbox tracer, one phase | ours | {program['version']} | {size} | {len(traced)} |" in markdown
        if "trace_phases" in program["artifacts"]:
            phased = json.loads((out / program["artifacts"]["trace_phases"]).read_text())
            record = next(p for p in phased["programs"] if Path(p["image"]).name == Path(program["binary"]).name)
            only_before = set(record["before_filter"]) - set(record["syscalls"])
            expected = [sorted(set(p["cumulative"]) - only_before) for p in record["phases"]]
            assert [p["syscalls"] for p in program["phases"]["traced"]] == expected
            assert len(expected) == 2 and set(expected[1]) <= set(expected[0])
        if "phasecut" in program["artifacts"]:
            cut = json.loads((out / program["artifacts"]["phasecut"]).read_text())
            assert [p["allowed_count"] for p in program["phases"]["static"]] == [
                p["allowed_count"] for p in cut["phases"]
            ]
            assert all(not u for u in program["phases"]["unsound"]), program["phases"]["unsound"]
        for figure in ("blocked", "time"):
            assert (out / "figures" / f"{figure}-{name}.svg").read_text().startswith("<svg")
    page = (out / "report.html").read_text()
    assert page.count("<svg") >= 2 * len(results["programs"]) and "src=" not in page, "one self-contained file"
    return results


def test_evaluate_the_examples(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    out = tmp_path / "report"
    done = evaluate(cc_sandbox, tool_env, out, tmp_path / "work", "--programs", ",".join(EXAMPLES))
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"report: {out / 'report.html'}" in done.stdout
    assert "echo-server: tracing the workload (phases at serve_loop)" in done.stderr, "progress names program and step"
    results = check_report(out)
    assert [p["name"] for p in results["programs"]] == EXAMPLES
    if not results["complete"]:  # only the per-phase static rows may be missing (phasecut merged separately)
        assert all("phasecut" in m for m in results["missing"]), results["missing"]
        assert "PARTIAL REPORT" in (out / "report.md").read_text()
    again = evaluate(cc_sandbox, tool_env, tmp_path / "again", tmp_path / "work", "--programs", "hello")
    assert again.returncode == 0
    assert json.loads((tmp_path / "again/results.json").read_text())["programs"][0]["steps"]["build"]["cached"]


def test_unknown_programs_are_one_line(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    done = evaluate(cc_sandbox, tool_env, tmp_path / "r", tmp_path / "w", "--programs", "hello,nginx")
    assert done.returncode == 3 and done.stderr.strip().splitlines() == [
        "cc-sandbox: error: unknown program nginx; known: ls, sqlite3, redis-server, hello, echo-server, workers"
    ]


def test_a_failed_build_gives_a_partial_report(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    out = tmp_path / "r"
    done = evaluate(cc_sandbox, tool_env, out, blocker / "work", "--programs", "hello")
    assert done.returncode == 3
    assert "cc-sandbox: error: hello: build: hello: cannot create the build directory" in done.stderr
    results = json.loads((out / "results.json").read_text())
    assert not results["complete"] and results["missing"][0].startswith("hello: build:")
    assert (out / "report.md").read_text().count("PARTIAL REPORT") == 1


@pytest.mark.real_programs
def test_evaluate_quick_with_sqlite3(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], real_work: Path
) -> None:
    """--quick: the examples plus sqlite3, built by its recipe in a kept tree of its own (evaluate
    links it again only when the toolchain key changed)."""
    work = real_work / "evaluate"
    out = tmp_path / "report"
    done = evaluate(cc_sandbox, tool_env, out, work, "--quick")
    assert done.returncode == 0, done.stderr[-3000:]
    results = check_report(out)
    assert [p["name"] for p in results["programs"]] == [*EXAMPLES, "sqlite3"]
    sqlite = results["programs"][-1]
    assert sqlite["phases"]["traced"][0]["allowed_count"] >= sqlite["phases"]["traced"][1]["allowed_count"]
    markdown = (out / "report.md").read_text()
    for row in study.ROWS:  # the study's rows, marked as quoted, with its program version and table size
        if row.phases is None and row.blocked["sqlite"] is not None:
            assert (
                f"| *{row.tool}* | *quoted, table {row.table}* | *sqlite 3.22 (shell)* | *373* | "
                f"*{373 - row.blocked['sqlite']}* | *{row.blocked['sqlite']}* |" in markdown
            ), row.tool


def test_a_failing_workload_run_names_the_step_and_its_log(tmp_path: Path) -> None:
    from ccsandbox.errors import CcSandboxError
    from ccsandbox.evaluate.run import _plain

    workload = {"cases": [{"name": "false", "argv": ["{binary}"], "expect_exit": 0}]}
    log = tmp_path / "filters.log"
    with pytest.raises(CcSandboxError, match=rf"run 'false' exited 1, expected 0 \(1 failed\); log: {log}"):
        _plain(workload, Path("/bin/false"), log)
    assert "false: exit 1" in log.read_text()

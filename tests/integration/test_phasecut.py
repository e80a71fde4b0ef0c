"""`phasecut` on programs built by cc-sandbox, checked against what the tracer sees per phase.

The tracer marks a task's phase when it executes the transition (threads started earlier stay in
their phase), so every syscall it records in phase k must be allowed by the static phase k; the
static set must also hold what the tracer cannot attribute: other threads, handlers, exit paths.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ccsandbox.trace.tracer import run_trace

from .helpers import run

PROGRAMS = Path(__file__).parent / "programs"


def _one_line_error(done: subprocess.CompletedProcess[str], needle: str) -> None:
    assert done.returncode == 3, done.stdout + done.stderr
    assert needle in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def _build(source: str, out: Path, cc: str, env: dict[str, str], *flags: str) -> Path:
    done = run([cc, "-O2", *flags, str(PROGRAMS / source), "-o", str(out), "-lpthread"], env)
    assert done.returncode == 0, done.stderr
    return out


def _phasecut(cc_sandbox: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    done = run([cc_sandbox, "phasecut", "--json", *args], env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture()
def rules(tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]) -> Path:
    return _build("phase_rules.c", tmp_path / "phase_rules", cc_sandbox_cc, tool_env)


def test_every_rule_keeps_what_really_runs_after_the_transition(
    rules: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    doc = _phasecut(cc_sandbox, tool_env, "--entry", "work", str(rules))
    allowed = [{a["name"] for a in phase["allowed"]} for phase in doc["phases"]]
    assert doc["transitions"] == ["work"] and allowed[0] >= allowed[1]
    assert {"getuid", "geteuid", "gettid", "getppid", "getpgrp", "rt_sigreturn"} <= allowed[1], (
        "work, the rest of main, the thread, the handler and the atexit handler"
    )
    assert "getpid" not in allowed[1] and "getpid" in {r["name"] for r in doc["phases"][1]["removed"]}
    trace = run_trace([str(rules)], ["work"])
    record = next(p for p in trace.programs if Path(p.image).name == "phase_rules")
    before_filter = set(record.before_filter)  # the start-up and the installer, before any filter
    for traced, static in zip(trace.phase_report(record), allowed, strict=True):
        missing = set(traced["syscalls"]) - static - (before_filter if traced["phase"] == 0 else set())
        assert not missing, f"phase {traced['phase']}: {missing}"
    assert "geteuid" in trace.phase_report(record)[1]["syscalls"], "the tracer saw the cleanup after work"


def test_the_console_script_and_explain_per_phase(rules: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    script = str(Path(cc_sandbox).with_name("phasecut"))
    done = run([script, "--entry", "work", str(rules)], tool_env)
    assert done.returncode == 0 and "phase 1     after work:" in done.stdout and "removes" in done.stdout
    why = run([cc_sandbox, "explain", "--phase", "1", "--entry", "work", str(rules), "tkill"], tool_env)
    assert why.returncode == 0 and "entered at the transition work" in why.stdout, why.stdout
    assert "work -> raise" in why.stdout, why.stdout
    _one_line_error(
        run([cc_sandbox, "explain", "--phase", "1", "--entry", "work", str(rules), "getpid"], tool_env),
        "not allowed in phase 1",
    )


def test_bad_transitions_are_one_line_each(rules: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    _one_line_error(run([cc_sandbox, "phasecut", "--entry", "wrok", str(rules)], tool_env), "did you mean work")
    _one_line_error(run([cc_sandbox, "phasecut", "--at", "main:wrok", str(rules)], tool_env), "did you mean work")
    _one_line_error(
        run([cc_sandbox, "phasecut", "--at", "work:helper", str(rules)], tool_env), "never calls helper directly"
    )


def test_an_entry_inlined_by_lto_needs_debug_info(
    tmp_path: Path, cc_sandbox: str, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    with_g = _build("phase_inlined.c", tmp_path / "with_g", cc_sandbox_cc, tool_env, "-g")
    doc = _phasecut(cc_sandbox, tool_env, "--entry", "serve", str(with_g))
    names = {a["name"] for a in doc["phases"][1]["allowed"]}
    assert "getppid" in names and "getpid" not in names, "found the inlined serve() through debug info"
    without = _build("phase_inlined.c", tmp_path / "without", cc_sandbox_cc, tool_env)
    _one_line_error(run([cc_sandbox, "phasecut", "--entry", "serve", str(without)], tool_env), "--phase-entry serve")


def test_suggest_ranks_the_end_of_set_up(rules: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    done = run([cc_sandbox, "phasecut", "--suggest", "-n", "3", "--json", str(rules)], tool_env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert 1 <= len(found) <= 3 and all(s["allowed_count"] > 0 for s in found)
    assert found[0]["transition"] in ("work", "main:work"), found[0]


def test_two_transitions_in_order_each_cover_what_the_tracer_sees(
    rules: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    doc = _phasecut(cc_sandbox, tool_env, "--entry", "work", "--at", "main:__pthread_join", str(rules))
    assert doc["transitions"] == ["work", "main:__pthread_join"]
    allowed = [{a["name"] for a in phase["allowed"]} for phase in doc["phases"]]
    assert allowed[0] >= allowed[1] >= allowed[2] and "getuid" in allowed[1] - allowed[2]
    trace = run_trace([str(rules)], ["work", "__pthread_join"])
    record = next(p for p in trace.programs if Path(p.image).name == "phase_rules")
    for traced, static in list(zip(trace.phase_report(record), allowed, strict=True))[1:]:
        assert set(traced["syscalls"]) <= static, f"phase {traced['phase']}: {set(traced['syscalls']) - static}"


def test_a_transition_reached_first_by_a_thread_keeps_what_main_still_does(
    tmp_path: Path, cc_sandbox: str, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    binary = _build("phase_thread.c", tmp_path / "phase_thread", cc_sandbox_cc, tool_env)
    doc = _phasecut(cc_sandbox, tool_env, "--entry", "work", str(binary))
    zero, one = ({a["name"] for a in phase["allowed"]} for phase in doc["phases"])
    assert {"getpid", "clone"} <= one and one == zero, "main may be anywhere in its set-up"


def test_facts_of_an_older_format_beside_a_binary_are_rebuilt_from_its_module(
    rules: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    sidecar = Path(f"{rules}.facts")
    old = json.loads(sidecar.read_text()) | {"version": 1}
    sidecar.write_text(json.dumps(old))
    assert _phasecut(cc_sandbox, tool_env, "--entry", "work", str(rules))["phases"][1]["allowed_count"] > 0
    _one_line_error(run([cc_sandbox, "phasecut", "--entry", "work", str(sidecar)], tool_env), "version 1")

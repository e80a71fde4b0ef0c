"""Phase enforcement (--phase-entry / --phase-at): one filter per phase, installed once at the
transition in every thread, refused transitions, and the per-phase inspect/export/compare.

The program (programs/phased) makes getppid only in its set-up; after the transition the serving
phase's filter no longer allows it, so running the set-up again then must kill the process.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
from pathlib import Path

import pytest

from ccsandbox.embed.options import ENV, PolicyOptions
from ccsandbox.section import FILTER_SECTION, POOL_OFFSET, _section, read_embedded
from ccsandbox.trace.tracer import run_trace

from .helpers import run

PROGRAMS = Path(__file__).parent / "programs"
SIGSYS_EXIT = -signal.SIGSYS


def _build(work: Path, cc_sandbox: str, env: dict[str, str], *options: str) -> Path:
    if not work.exists():
        shutil.copytree(PROGRAMS / "phased", work)
    done = run([cc_sandbox, "make", "-B", *options, "-C", str(work)], env)
    assert done.returncode == 0, done.stderr
    return work / "phased"


@pytest.fixture(scope="module")
def one_transition(tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, session_env: dict[str, str]) -> Path:
    return _build(tmp_path_factory.mktemp("one") / "phased", cc_sandbox, session_env, "--phase-entry", "serve")


@pytest.fixture(scope="module")
def two_transitions(tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, session_env: dict[str, str]) -> Path:
    work = tmp_path_factory.mktemp("two") / "phased"
    return _build(work, cc_sandbox, session_env, "--phase-entry", "serve", "--phase-at", "serve:finish")


def test_the_transition_installs_the_next_filter_in_every_thread(one_transition: Path) -> None:
    done = run([str(one_transition)], {})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:4] == ["main 1", "main 2", "main 2", "thread 2"]  # Seccomp_filters


@pytest.mark.parametrize("where", ["late", "thread"])
def test_a_set_up_only_syscall_after_the_transition_is_killed(where: str, one_transition: Path) -> None:
    """Negative controls: main, and a thread started before the transition (TSYNC), die."""
    done = run([str(one_transition), where], {})
    assert done.returncode == SIGSYS_EXIT, (done.returncode, done.stdout, done.stderr)
    assert done.stdout.startswith("main 1\nmain 2\n")


def test_the_policy_records_each_phase_and_phases_only_tighten(one_transition: Path) -> None:
    policy = json.loads(Path(f"{one_transition}.policy.json").read_text())
    start, serving = policy["phases"]
    assert start["transition"] is None and serving["transition"] == "serve"
    assert start["allowed"] == [entry["nr"] for entry in policy["allowed"]]
    assert set(serving["allowed"]) < set(start["allowed"])
    assert 110 in start["allowed"] and 110 not in serving["allowed"]  # getppid: set-up only
    assert 317 in start["allowed"] and 317 not in serving["allowed"]  # seccomp: the transition's own


def test_two_transitions_give_three_filters(two_transitions: Path, cc_sandbox: str) -> None:
    done = run([str(two_transitions)], {})
    assert done.returncode == 0 and done.stdout.split("\n")[:4] == ["main 1", "main 2", "main 3", "thread 3"]
    inspected = run([cc_sandbox, "inspect", "--json", str(two_transitions)], {})
    meta = json.loads(inspected.stdout)
    assert inspected.returncode == 0 and meta["problems"] == []
    assert [p["transition"] for p in meta["phases"]] == [None, "serve", "serve:finish"]
    text = run([cc_sandbox, "inspect", str(two_transitions)], {}).stdout
    assert "phase 1" in text and "drops" in text and "getppid" in text


def test_inspect_checks_every_phase_filter(tmp_path: Path, one_transition: Path, cc_sandbox: str) -> None:
    tampered = tmp_path / "phased"
    shutil.copy(one_transition, tampered)
    place = _section(tampered, FILTER_SECTION)
    assert place is not None
    embedded = read_embedded(tampered)
    pool = place[0] + POOL_OFFSET  # header, index, then the filters
    last = pool + 8 * (len(embedded.programs[0]) + len(embedded.programs[1]) - 1)  # phase 1's last
    with open(tampered, "r+b") as stream:  # swap its verdict: allow <-> kill
        stream.seek(last + 4)
        verdict = int.from_bytes(stream.read(4), "little")
        stream.seek(last + 4)
        stream.write((0x80000000 if verdict == 0x7FFF0000 else 0x7FFF0000).to_bytes(4, "little"))
    done = run([cc_sandbox, "inspect", str(tampered)], {})
    assert done.returncode == 1 and "phase 1 filter" in done.stdout, done.stdout


def test_export_gives_one_phase(one_transition: Path, cc_sandbox: str) -> None:
    start = run([cc_sandbox, "export", str(one_transition), "--format", "systemd"], {})
    serving = run([cc_sandbox, "export", str(one_transition), "--format", "systemd", "--phase", "1"], {})
    assert "getppid" in start.stdout and "getppid" not in serving.stdout
    missing = run([cc_sandbox, "export", str(one_transition), "--format", "oci", "--phase", "2"], {})
    assert (
        missing.returncode == 3 and missing.stderr.startswith("cc-sandbox: error: ") and "no phase 2" in missing.stderr
    )


def test_compare_sets_each_phase_against_the_traced_phases(
    tmp_path: Path, two_transitions: Path, cc_sandbox: str
) -> None:
    trace = tmp_path / "trace.json"
    points = ["--phase-at", "serve", "--phase-at", "serve:finish"]
    traced = run([cc_sandbox, "trace", "-o", str(trace), *points, "--", str(two_transitions)], {})
    assert traced.returncode == 0, traced.stderr
    done = run([cc_sandbox, "compare", "--json", str(two_transitions), str(trace)], {})
    result = json.loads(done.stdout)
    assert done.returncode == 0 and result["unsound"] == []
    assert [p["unsound"] for p in result["phases"]] == [[], [], []] and result["phases"][2]["dynamic"] > 0


def _one_error_line(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("cc-sandbox: error:")]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--phase-entry", "serv"], "has no function 'serv'; did you mean serve?"),
        (["--phase-at", "main:finish"], "'main' never calls 'finish' directly"),
        (["--phase-at", "mian:serve"], "did you mean main"),
        (["--phase-entry", "never_called"], "LTO removed 'never_called'"),
    ],
)
def test_a_transition_that_does_not_exist_is_refused_and_nothing_is_written(
    options: list[str], message: str, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    binary = _build(tmp_path / "phased", cc_sandbox, tool_env)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in binary.parent.glob("phased*")}
    done = run([cc_sandbox, "make", "-B", *options, "-C", str(binary.parent)], tool_env)
    assert done.returncode != 0
    errors = _one_error_line(done.stderr)
    assert len(errors) == 1 and message in errors[0], done.stderr
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in binary.parent.glob("phased*")}
    assert after == before, "a refused link must leave the previous outputs as they were"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([f"--phase-entry=f{i}" for i in range(9)], "the runtime supports at most 8"),
        (["--phase-entry", "serve", "--no-sandbox"], "cannot be combined with --no-sandbox"),
        (["--phase-at", "a:b:c"], "not a function name"),
    ],
)
def test_bad_phase_options_are_refused_before_building(
    options: list[str], message: str, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    shutil.copytree(PROGRAMS / "phased", tmp_path / "w")
    done = run([cc_sandbox, "make", *options, "-C", str(tmp_path / "w")], tool_env)
    assert done.returncode == 3 and _one_error_line(done.stderr) == [done.stderr.strip()]
    assert message in done.stderr and not (tmp_path / "w" / "main.o").exists()


def test_plain_cc_takes_the_transitions_from_the_environment_and_refuses_a_signal_handler(
    tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    shutil.copy(PROGRAMS / "phase_handler.c", tmp_path)
    env = {**tool_env, ENV: PolicyOptions(phases=("on_signal",)).to_env()}
    done = run([cc_sandbox_cc, "-O2", "-o", "h", "phase_handler.c"], env, cwd=tmp_path)
    assert done.returncode == 3 and len(_one_error_line(done.stderr)) == 1
    assert "may run as a signal handler" in done.stderr and not (tmp_path / "h").exists()
    env = {**tool_env, ENV: PolicyOptions(phases=("main:pause",)).to_env()}
    done = run([cc_sandbox_cc, "-O2", "-o", "h", "phase_handler.c"], env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "h.policy.json").read_text())["phases"][1]["transition"] == "main:pause"
    assert run([str(tmp_path / "h")], {}, timeout=30).returncode == 0


def test_the_tracer_moves_every_thread_of_the_process_into_the_phase(one_transition: Path) -> None:
    """As TSYNC does: the thread started before the transition ends (SYS_exit) in phase 1."""
    trace = run_trace([str(one_transition)], ["serve"])
    start, serving = trace.phase_report(trace.programs[0])
    assert "exit" in serving["syscalls"] and "exit" not in start["syscalls"]

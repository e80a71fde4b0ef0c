"""Specification of phase enforcement's pure parts: options, transition specs, one filter per
phase (run on the BPF interpreter), and the per-phase comparison with traces."""

from __future__ import annotations

import pytest

from ccsandbox.analysis.policy import Policy
from ccsandbox.analysis.transitions import Transition
from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.vm import run
from ccsandbox.embed.enforce import enforce
from ccsandbox.embed.options import PolicyOptions
from ccsandbox.embed.phases import check_specs, marker_transitions, option_of
from ccsandbox.errors import CcSandboxError
from ccsandbox.trace.compare import compare_phases

READ, WRITE, GETPPID, EXECVE, EXIT_GROUP, SECCOMP = 0, 1, 110, 59, 231, 317


def _policy(*allowed: int) -> Policy:
    return Policy(program="p", allowed={nr: "site" for nr in allowed}, unresolved=(), allow_all=False)


def test_transitions_keep_their_order_and_reach_only_the_named_programs() -> None:
    options = PolicyOptions(phases=("serve", "serve:finish"), phase_programs=("server",))
    assert options.phases_for("server") == ("serve", "serve:finish")
    assert options.phases_for("client") == ()
    assert PolicyOptions(sandbox=False, phases=("serve",)).phases_for("server") == ()


def test_a_spec_is_an_entry_or_a_call_site() -> None:
    assert Transition.parse("aeMain") == Transition(entry="aeMain")
    assert Transition.parse("main:clear_files") == Transition(caller="main", callee="clear_files")
    assert option_of("main:clear_files") == "--phase-at main:clear_files" and option_of("f") == "--phase-entry f"
    assert marker_transitions(2) == [Transition(entry="__cc_sandbox_phase_1"), Transition(entry="__cc_sandbox_phase_2")]


@pytest.mark.parametrize(
    ("specs", "message"),
    [([f"f{i}" for i in range(9)], "at most 8"), (["a:b:c"], "not a function name"), (["a b"], "not a function")],
)
def test_bad_specs_are_refused(specs: list[str], message: str) -> None:
    with pytest.raises(CcSandboxError, match=message):
        check_specs(specs)


def test_each_phase_gets_its_own_filter_built_by_the_same_rules() -> None:
    policy = _policy(READ, WRITE, GETPPID, EXECVE, EXIT_GROUP, SECCOMP)
    phases = [("serve", frozenset({READ, WRITE, EXECVE, EXIT_GROUP}))]
    result = enforce(policy, PolicyOptions(deny=("write",)), "p", phases)
    start, serving = result.programs
    assert run(start, GETPPID) == bpf.RET_ALLOW and run(serving, GETPPID) == bpf.RET_KILL_PROCESS
    assert run(serving, READ) == bpf.RET_ALLOW
    assert run(start, WRITE) == run(serving, WRITE) == bpf.RET_KILL_PROCESS, "--deny holds in every phase"
    assert run(start, EXECVE) == run(serving, EXECVE) == bpf.RET_ERRNO | 1, "blocked exec never kills"
    assert [p["transition"] for p in result.info["phases"]] == [None, "serve"]
    assert result.info["filter_sha256"] == result.info["phases"][0]["filter_sha256"]


def test_a_phase_never_allows_what_the_start_up_filter_does_not() -> None:
    result = enforce(_policy(READ, EXIT_GROUP), PolicyOptions(), "p", [("f", frozenset({READ, GETPPID}))])
    assert run(result.programs[1], GETPPID) == bpf.RET_KILL_PROCESS


def test_without_phases_there_is_one_filter_and_no_phase_metadata() -> None:
    result = enforce(_policy(READ, EXIT_GROUP), PolicyOptions(), "p")
    assert len(result.programs) == 1 and "phases" not in result.info


def _trace(*phases: list[str]) -> dict[str, object]:
    rows = [{"phase": k, "at": "x", "syscalls": names, "cumulative": names} for k, names in enumerate(phases)]
    return {"programs": [{"image": "/bin/p", "phases": rows}]}


def test_each_static_phase_is_set_against_the_traced_phase() -> None:
    static: list[tuple[str | None, list[str]]] = [(None, ["read", "seccomp", "getppid"]), ("serve", ["read"])]
    fine = compare_phases(static, [_trace(["read", "getppid"], ["read", "seccomp"])], "p")
    assert [p.unsound for p in fine] == [[], []], "the transition's own seccomp runs under the phase before"
    caught = compare_phases(static, [_trace(["read"], ["read", "getppid"])], "p")
    assert caught[1].unsound == ["getppid"]
    assert compare_phases(static, [_trace(["read"])], "p")[1].dynamic is None, "not traced at that point"

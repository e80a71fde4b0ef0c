"""Programs that run other programs: what the module says they can exec, and each exec mode
(block, allow, floor, none) doing what it promises with real binaries, filters and execs."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ccsandbox.embed.floor import PROFILE

from .helpers import run

PROGRAMS = Path(__file__).parent / "programs"
SIGSYS_EXIT = -signal.SIGSYS
needs_profile = pytest.mark.skipif(not PROFILE.is_file(), reason="golang-github-containers-common is not installed")


def _build(
    name: str, work: Path, cc_sandbox: str, env: dict[str, str], *options: str
) -> subprocess.CompletedProcess[str]:
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROGRAMS / f"{name}.c", work)
    (work / "Makefile").write_text(f"{name}: {name}.c\n\t$(CC) -O2 -o $@ $<\n")
    (work / name).unlink(missing_ok=True)
    return run([cc_sandbox, "make", *options, "-C", str(work)], env)


def _built(name: str, work: Path, cc_sandbox: str, env: dict[str, str], *options: str) -> Path:
    done = _build(name, work, cc_sandbox, env, *options)
    assert done.returncode == 0, done.stderr
    return work / name


def _policy(binary: Path) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(binary.with_name(binary.name + ".policy.json").read_text())
    return policy


def _exec_mode(binary: Path) -> dict[str, Any]:
    """The exec mode a binary's filter enforces, with why (``exec_rule``)."""
    enforcement = _policy(binary)["enforcement"]
    return {"mode": enforcement["exec"], **enforcement["exec_rule"]}


def test_the_policy_says_how_a_launcher_execs_and_where_the_path_comes_from(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    launcher = _built("launcher", tmp_path, cc_sandbox, tool_env)
    facts = _policy(launcher)["exec"]
    assert facts["reachable"] is True and "execvp" in facts["functions"] and facts["self_only"] is False
    assert {"kind": "argv", "value": "main", "via": "execvp"} in facts["paths"]


def test_a_program_that_cannot_exec_says_so(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    filters = _built("filters", tmp_path, cc_sandbox, tool_env)
    assert _policy(filters)["exec"] == {"reachable": False, "functions": [], "paths": [], "self_only": False}
    assert _policy(filters)["enforcement"]["exec"] is None


def test_block_is_the_default_and_exec_fails_with_eperm(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    done = _build("launcher", tmp_path, cc_sandbox, tool_env)
    assert "exec mode block" in done.stderr and "exec-capable programs" in done.stderr
    ran = run([str(tmp_path / "launcher"), "/bin/true"], tool_env)
    assert ran.returncode == 127 and "Operation not permitted" in ran.stderr
    assert _exec_mode(tmp_path / "launcher")["mode"] == "block"


def test_a_program_that_execs_only_itself_needs_nothing_beyond_its_own_set(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    selfexec = _built("selfexec", tmp_path, cc_sandbox, tool_env)
    facts = _policy(selfexec)["exec"]
    assert facts["self_only"] is True
    assert facts["paths"] == [{"kind": "constant", "value": "/proc/self/exe", "via": "syscall"}]
    mode = _exec_mode(selfexec)
    assert mode["mode"] == "allow" and mode["policies"] == [] and "itself" in str(mode["why"])
    allowed = _policy(selfexec)["enforcement"]["allowed"]
    assert set(allowed) - {name["name"] for name in _policy(selfexec)["allowed"]} <= {"uname", "prctl", "seccomp"}
    ran = run([str(selfexec)], tool_env)
    assert ran.returncode == 0 and ran.stdout == "child ran\n", ran.stderr


def test_allow_stacks_the_filters_of_a_launcher_and_the_sandboxed_program_it_runs(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    child = _built("filters", tmp_path / "child", cc_sandbox, tool_env)
    policy = child.with_name("filters.policy.json")
    launcher = _built("launcher", tmp_path / "l", cc_sandbox, tool_env, f"--exec-mode=launcher=allow:{policy}")
    assert _exec_mode(launcher)["policies"] == [str(policy)]
    ran = run([str(launcher), str(child)], tool_env)
    assert ran.returncode == 0 and ran.stdout == "Seccomp_filters:\t2\n", ran.stderr
    # something outside both sets dies: the launcher's filter still holds in the child
    host = run([str(launcher), "/bin/true"], tool_env)
    assert host.returncode == SIGSYS_EXIT


@needs_profile
def test_floor_runs_arbitrary_host_commands(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    launcher = _built("launcher", tmp_path, cc_sandbox, tool_env, "--exec-mode=launch*=floor")
    mode = _exec_mode(launcher)
    assert mode["mode"] == "floor" and mode["floor"]["profile"] == str(PROFILE)
    script = "ls / | wc -l; (echo sub) ; cat <<EOF\nhere\nEOF\ngrep Seccomp_filters /proc/self/status"
    ran = run([str(launcher), "/bin/sh", "-c", script], tool_env)
    assert ran.returncode == 0, ran.stderr
    assert "sub\nhere\nSeccomp_filters:\t1\n" in ran.stdout


@needs_profile
def test_floor_negative_control_a_syscall_outside_the_profile_kills(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    outside = tmp_path / "outside_floor"
    subprocess.run(["gcc", "-O2", "-o", str(outside), str(PROGRAMS / "outside_floor.c")], check=True)
    assert run([str(outside)], tool_env).returncode == 0  # unsandboxed, it runs
    launcher = _built("launcher", tmp_path / "l", cc_sandbox, tool_env, "--exec", "floor")
    assert run([str(launcher), str(outside)], tool_env).returncode == SIGSYS_EXIT


def test_none_allows_everything_and_says_so_loudly(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    outside = tmp_path / "outside_floor"
    subprocess.run(["gcc", "-O2", "-o", str(outside), str(PROGRAMS / "outside_floor.c")], check=True)
    done = _build("launcher", tmp_path / "l", cc_sandbox, tool_env, "--exec-mode=launcher=none")
    assert done.returncode == 0 and "UNSANDBOXED" in done.stderr
    assert _policy(tmp_path / "l" / "launcher")["enforcement"]["action"] == "allow-all"
    ran = run([str(tmp_path / "l" / "launcher"), str(outside)], tool_env)
    assert ran.returncode == 0 and "userfaultfd returned" in ran.stdout


def test_modes_come_from_a_config_file_in_the_source_tree(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    (tmp_path / "cc-sandbox.conf").write_text("# exec modes\nexec launcher floor\nexec never-linked none\n")
    done = _build("launcher", tmp_path / "sub", cc_sandbox, tool_env)
    assert done.returncode == 0, done.stderr
    assert _exec_mode(tmp_path / "sub" / "launcher")["why"] == f"{tmp_path / 'cc-sandbox.conf'}:2: launcher=floor"
    assert "cc-sandbox.conf:2: launcher=floor" in done.stderr
    warning = (
        f"warning: {tmp_path / 'cc-sandbox.conf'}:3: exec mode for 'never-linked', but the build linked no such program"
    )
    assert warning in done.stderr
    table = done.stderr[done.stderr.index("exec-capable programs:") :].splitlines()
    assert table[2].split()[1:3] == ["launcher", "floor"]


def test_a_malformed_config_file_stops_the_build_before_it_starts(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    (tmp_path / "cc-sandbox.conf").write_text("exec launcher floor\nexec launcher sometimes\n")
    done = _build("launcher", tmp_path, cc_sandbox, tool_env)
    assert done.returncode == 3 and not (tmp_path / "launcher").exists()
    where = tmp_path / "cc-sandbox.conf"
    assert done.stderr.strip().splitlines() == [
        f"cc-sandbox: error: {where}:2: unknown exec mode 'sometimes' (choose block, allow, floor, none)"
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [("", "which does not exist"), ('{"format": "something else"}', "which is not a policy")],
)
def test_allow_naming_a_missing_or_bogus_policy_is_one_error_line(
    content: str, problem: str, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    policy = tmp_path / "child.policy.json"
    if content:
        policy.write_text(content)
    done = _build("launcher", tmp_path, cc_sandbox, tool_env, f"--exec-mode=launcher=allow:{policy}")
    assert done.returncode == 3 and len(done.stderr.strip().splitlines()) == 1 and problem in done.stderr


@needs_profile
def test_plain_cc_takes_exec_modes_from_the_environment(
    tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    shutil.copy(PROGRAMS / "launcher.c", tmp_path)
    env = {**tool_env, "CC_SANDBOX_OPTIONS": "--exec-mode launcher=floor"}
    done = run([cc_sandbox_cc, "-O2", "-o", "launcher", "launcher.c"], env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _exec_mode(tmp_path / "launcher")["mode"] == "floor"
    assert run([str(tmp_path / "launcher"), "/bin/true"], tool_env).returncode == 0

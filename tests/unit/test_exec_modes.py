"""Exec modes: rules from the command line and the config file, which rule applies, the floor read
from the containers' profile, and the table printed after a build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccsandbox.embed.exec_modes import (
    ExecRule,
    absolute_rules,
    build_report,
    build_rules,
    exec_table,
    make_directory,
    parse_config,
    parse_rule,
    resolve,
    unused_rules,
)
from ccsandbox.embed.floor import PROFILE, floor_from_profile
from ccsandbox.embed.options import PolicyOptions
from ccsandbox.errors import CcSandboxError
from ccsandbox.syscalls import SYSCALL_NUMBERS

POLICY = {"format": "cc-sandbox-policy", "allowed": [{"nr": 0, "name": "read", "why": "site"}]}


def _policy(tmp_path: Path, name: str = "child.policy.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(POLICY))
    return path


def test_a_config_file_gives_one_rule_a_line_with_policies_relative_to_it(tmp_path: Path) -> None:
    _policy(tmp_path)
    config = tmp_path / "cc-sandbox.conf"
    config.write_text("# modes\n\nexec xargs floor\nexec 'test-*' allow child.policy.json  # helpers\n")
    rules = parse_config(config)
    assert rules == [
        ExecRule("xargs", "floor", (), f"{config}:3"),
        ExecRule("test-*", "allow", (str(tmp_path / "child.policy.json"),), f"{config}:4"),
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("exec xargs", "expected: exec PROGRAM MODE [POLICY...]"),
        ("mode xargs floor", "unknown setting 'mode'"),
        ("exec xargs sometimes", "unknown exec mode 'sometimes' (choose block, allow, floor, none)"),
        ("exec xargs floor extra.json", "only allow takes policies"),
        ("exec sort allow missing.json", "which does not exist"),
        ("exec 'sort allow", "No closing quotation"),
    ],
)
def test_a_malformed_config_line_is_reported_as_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    config = tmp_path / "cc-sandbox.conf"
    config.write_text(f"exec find floor\n{line}\n")
    with pytest.raises(CcSandboxError, match=f"^{config}:2: ") as err:
        parse_config(config)
    assert problem in str(err.value)


def test_allow_naming_a_file_that_is_not_a_policy_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text('{"hello": 1}')
    with pytest.raises(CcSandboxError, match="which is not a policy"):
        parse_rule("sort=allow:notes.json", base=tmp_path)


def test_command_line_rules_name_a_program_and_a_mode(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    assert parse_rule("env=floor") == ExecRule("env", "floor", (), "--exec-mode")
    assert parse_rule("nohup=inherit").mode == "allow"  # the earlier name of allow
    assert parse_rule(f"sort=allow:{policy}").policies == (str(policy),)
    with pytest.raises(CcSandboxError, match="expected PROGRAM=MODE"):
        parse_rule("env")


def test_command_line_rules_come_before_the_config_file_found_upward(tmp_path: Path) -> None:
    (tmp_path / "cc-sandbox.conf").write_text("exec env none\n")
    (tmp_path / "src").mkdir()
    rules = build_rules(["env=floor"], tmp_path / "src")
    assert [rule.origin for rule in rules] == ["--exec-mode", f"{tmp_path / 'cc-sandbox.conf'}:1"]
    assert resolve("env", rules, None, (), False).mode == "floor"


def test_the_first_matching_rule_wins_then_the_global_options_then_self_exec_then_block() -> None:
    rules = [ExecRule("test-*", "floor", (), "f:1"), ExecRule("test-fcntl", "none", (), "f:2")]
    assert resolve("test-fcntl", rules, None, (), True).why == "f:1: test-*=floor"
    assert resolve("ls", rules, "floor", (), False).mode == "floor"
    assert resolve("ls", rules, None, ("/p.json",), False).policies == ("/p.json",)
    assert resolve("selfexec", rules, None, (), True).mode == "allow"
    assert resolve("env", rules, None, (), False).mode == "block"
    assert resolve("selfexec", rules, "block", (), True).mode == "block"  # an explicit --exec wins


def test_a_rule_that_matches_no_linked_program_is_reported() -> None:
    rules = [ExecRule("xargs", "floor", (), "f:1"), ExecRule("nothing", "none", (), "f:2")]
    assert unused_rules(rules, ["xargs", "find"]) == [rules[1]]


def test_policies_of_command_line_rules_become_absolute_for_links_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _policy(tmp_path)
    monkeypatch.chdir(tmp_path)
    options = absolute_rules(PolicyOptions(exec_rules=("sort=allow:child.policy.json", "env=floor")))
    assert options.exec_rules == (f"sort=allow:{tmp_path / 'child.policy.json'}", "env=floor")


def test_make_directory_follows_dash_c() -> None:
    assert make_directory(["-C", "sub", "all"], Path("/w")) == Path("/w/sub")
    assert make_directory(["-Csub"], Path("/w")) == Path("/w/sub")
    assert make_directory(["--directory=/abs"], Path("/w")) == Path("/abs")


def test_the_floor_keeps_unconditional_and_argument_conditional_allows_for_x86_64() -> None:
    profile = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [
            {"names": ["read", "write", "nosuchcall"], "action": "SCMP_ACT_ALLOW", "args": []},
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 16, "op": "NE"}]},
            {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}},
            {"names": ["set_tls"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm"]}},
            {"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_CHROOT"]}},
            {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"},
        ],
    }
    floor = floor_from_profile(profile)
    names = {"read", "write", "arch_prctl"}
    assert floor.unconditional == {SYSCALL_NUMBERS[n] for n in names}
    assert floor.conditional == {SYSCALL_NUMBERS["socket"]}
    assert "chroot" in floor.blocked_names() and "kexec_load" in floor.blocked_names()


def test_a_file_that_is_not_a_profile_is_refused() -> None:
    with pytest.raises(CcSandboxError, match="not a seccomp profile"):
        floor_from_profile({"hello": 1}, "x.json")


@pytest.mark.skipif(not PROFILE.is_file(), reason="golang-github-containers-common is not installed")
def test_the_installed_profile_allows_what_launchers_and_shells_need_and_blocks_the_rest() -> None:
    floor = floor_from_profile(json.loads(PROFILE.read_text()), str(PROFILE))
    needed = {"execve", "clone", "fork", "wait4", "pipe2", "dup2", "openat", "prctl", "seccomp", "socket"}
    assert {SYSCALL_NUMBERS[n] for n in needed} <= floor.allowed
    blocked = set(floor.blocked_names())
    assert {"kexec_load", "init_module", "bpf", "perf_event_open", "userfaultfd", "chroot", "swapon"} <= blocked
    assert 250 < len(floor.allowed) < 383


def test_the_table_lists_exec_capable_programs_and_shouts_about_none() -> None:
    def document(mode: str, allowed: list[str], paths: list[dict[str, str]]) -> dict[str, object]:
        return {
            "exec": {"reachable": True, "functions": ["execvp"], "paths": paths, "self_only": False},
            "enforcement": {"exec": mode, "exec_rule": {"why": "f:1: x=" + mode}, "allowed": allowed},
        }

    lines = exec_table(
        [
            (
                "ls",
                {"exec": {"reachable": False}, "enforcement": {"exec": None, "exec_rule": None, "allowed": ["read"]}},
            ),
            ("env", document("floor", ["read", "write"], [{"kind": "argv", "value": "main", "via": "execvp"}])),
            ("sh", document("none", [], [{"kind": "constant", "value": "/bin/sh", "via": "system"}])),
        ]
    )
    assert lines[0] == "exec-capable programs:"
    assert [line.split()[:3] for line in lines[2:4]] == [["env", "floor", "2"], ["sh", "none", "ALL"]]
    assert lines[2].endswith("argv") and "UNSANDBOXED" in lines[-1]


def test_a_build_that_linked_no_program_warns_about_nothing() -> None:
    rules = [ExecRule("xargs", "floor", (), "f:1")]
    assert build_report([], rules) == []
    assert build_report(["/nonexistent/find"], rules) == [
        "warning: f:1: exec mode for 'xargs', but the build linked no such program"
    ]

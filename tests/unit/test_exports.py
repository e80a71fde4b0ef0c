"""Exports for other enforcers (pure): what each format carries, and what it refuses."""

from __future__ import annotations

import json

import pytest

from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.insn import unpack
from ccsandbox.bpf.vm import run
from ccsandbox.embed.exports import (
    LAUNCHERS,
    STARTUP,
    ExportError,
    ExportSubject,
    export_policy,
    plan_export,
    syscall_names,
)
from ccsandbox.syscalls import SYSCALL_NUMBERS

HELLO = ("write", "writev", "exit_group", "exit", "restart_syscall")
SANDBOXED = ExportSubject(allowed=HELLO, sandboxed=True)


def verdict(subject: ExportSubject, name: str) -> int:
    return run(unpack(export_policy(subject, "bpf")), SYSCALL_NUMBERS[name])


def oci(subject: ExportSubject) -> dict[str, object]:
    return json.loads(export_policy(subject, "oci"))


def systemd(subject: ExportSubject) -> list[str]:
    return export_policy(subject, "systemd").decode().splitlines()


def test_a_sandboxed_binary_may_install_its_own_filter_under_the_export() -> None:
    assert STARTUP == ("prctl", "seccomp")
    assert verdict(SANDBOXED, "seccomp") == bpf.RET_ALLOW and verdict(SANDBOXED, "prctl") == bpf.RET_ALLOW
    unsandboxed = ExportSubject(allowed=HELLO, sandboxed=False)
    assert verdict(unsandboxed, "seccomp") == bpf.RET_KILL_PROCESS


@pytest.mark.parametrize("fmt", ["bpf", "oci", "docker"])
def test_launchers_that_exec_the_program_get_execve(fmt: str) -> None:
    assert "execve" in plan_export(SANDBOXED, fmt).allow
    assert "execve" in LAUNCHERS[fmt].needs


def test_runc_gets_what_its_init_does_after_loading_the_profile() -> None:
    allowed = set(plan_export(SANDBOXED, "oci").allow)
    assert {"execve", "openat", "write", "close", "getdents64", "capset", "setgroups", "futex"} <= allowed


def test_the_exec_rule_is_eperm_not_kill_and_the_launchers_execve_stays_allowed() -> None:
    blocked = ExportSubject(allowed=HELLO, exec_mode="block", sandboxed=True)
    assert verdict(blocked, "execveat") == bpf.RET_ERRNO | 1
    assert verdict(blocked, "execve") == bpf.RET_ALLOW
    rules = oci(blocked)["syscalls"]
    assert {"names": ["execveat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1} in rules  # type: ignore[operator]
    assert any("execveat" in line for line in systemd(blocked) if line.startswith("SystemCallFilter="))


def test_allow_all_allows_everything_in_every_format() -> None:
    everything = ExportSubject(allowed=(), action="allow-all", exec_mode="block", sandboxed=True)
    assert verdict(everything, "ptrace") == bpf.RET_ALLOW
    assert verdict(everything, "execveat") == bpf.RET_ERRNO | 1
    assert oci(everything)["defaultAction"] == "SCMP_ACT_ALLOW"
    assert not any(line.startswith(("SystemCallFilter=", "SystemCallLog=")) for line in systemd(everything))


def test_log_allows_and_logs_what_is_outside_the_policy() -> None:
    logged = ExportSubject(allowed=HELLO, action="log", sandboxed=True)
    assert verdict(logged, "ptrace") == bpf.RET_LOG
    assert oci(logged)["defaultAction"] == "SCMP_ACT_LOG"
    lines = systemd(logged)
    assert not any(line.startswith("SystemCallFilter=") for line in lines)
    assert any(line.startswith("SystemCallLog=~") and "writev" in line for line in lines)


def test_errno_and_trap_keep_their_action() -> None:
    failing = ExportSubject(allowed=HELLO, action="errno", errno=38, sandboxed=True)
    assert verdict(failing, "ptrace") == bpf.RET_ERRNO | 38
    assert oci(failing)["defaultErrnoRet"] == 38
    assert "SystemCallErrorNumber=ENOSYS" in systemd(failing)
    trapping = ExportSubject(allowed=HELLO, action="trap", sandboxed=True)
    assert verdict(trapping, "ptrace") == bpf.RET_TRAP
    assert oci(trapping)["defaultAction"] == "SCMP_ACT_TRAP"
    with pytest.raises(ExportError, match="systemd cannot express --policy-action trap"):
        export_policy(trapping, "systemd")


def test_allow_takes_names_and_numbers_and_refuses_anything_else() -> None:
    assert syscall_names(["39", "getppid"]) == ("getpid", "getppid")
    for bogus in ("bogus", "99999", "-1", ""):
        with pytest.raises(ExportError, match="not an x86_64 syscall"):
            syscall_names([bogus])
    assert "getpid" in plan_export(SANDBOXED, "systemd", ["39"]).allow

"""Exports for other enforcers (pure): what each format carries, and what it refuses."""

from __future__ import annotations

import json

import pytest

from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.args import ArgCmp
from ccsandbox.bpf.insn import unpack
from ccsandbox.bpf.vm import run
from ccsandbox.embed.exports import (
    LAUNCHERS,
    STARTUP,
    ExportSubject,
    export_policy,
    plan_export,
    syscall_names,
)
from ccsandbox.errors import ExportError
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
    assert STARTUP == ("uname", "prctl", "seccomp")
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


# --- argument constraints ----------------------------------------------------------------------

NO_EXEC = ((ArgCmp(2, 0x4, 0),),)
REQUESTS = ((ArgCmp.eq(1, 0x5401, 32),), (ArgCmp.eq(1, 0x5413, 32),))
THREADS = ((ArgCmp.eq(0, 0x7D0F00),),)
CONSTRAINED = ExportSubject(
    allowed=(*HELLO, "mprotect", "ioctl", "clone"),
    sandboxed=True,
    args={"mprotect": NO_EXEC, "ioctl": REQUESTS, "clone": THREADS},
)


def test_oci_carries_one_rule_per_alternative_with_eq_and_masked_eq() -> None:
    rules = oci(CONSTRAINED)["syscalls"]
    assert isinstance(rules, list)
    plain = rules[0]["names"]
    assert "write" in plain and not {"mprotect", "ioctl", "clone"} & set(plain)
    by_name: dict[str, list[object]] = {}
    for rule in rules[1:]:
        by_name.setdefault(rule["names"][0], []).append(rule["args"])
    assert by_name["clone"] == [[{"index": 0, "value": 0x7D0F00, "op": "SCMP_CMP_EQ"}]]
    assert by_name["mprotect"] == [[{"index": 2, "value": 4, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]]
    assert {"index": 1, "value": 0xFFFFFFFF, "valueTwo": 0x5413, "op": "SCMP_CMP_MASKED_EQ"} in [
        a[0] for a in by_name["ioctl"]
    ]


def test_the_bpf_export_checks_the_arguments() -> None:
    prog = unpack(export_policy(CONSTRAINED, "bpf"))
    mprotect, ioctl = SYSCALL_NUMBERS["mprotect"], SYSCALL_NUMBERS["ioctl"]
    assert run(prog, mprotect, args=(0, 0, 3, 0, 0, 0)) == bpf.RET_ALLOW
    assert run(prog, mprotect, args=(0, 0, 7, 0, 0, 0)) == bpf.RET_KILL_PROCESS
    assert run(prog, ioctl, args=(0, 0x5413, 0, 0, 0, 0)) == bpf.RET_ALLOW
    assert run(prog, ioctl, args=(0, 0x5412, 0, 0, 0, 0)) == bpf.RET_KILL_PROCESS


def test_systemd_cannot_check_arguments_so_it_allows_by_name_and_says_so() -> None:
    plan = plan_export(CONSTRAINED, "systemd")
    assert plan.args == {} and plan.unchecked == ("clone", "ioctl", "mprotect")
    lines = systemd(CONSTRAINED)
    assert any("mprotect" in line and line.startswith("SystemCallFilter=") for line in lines)
    assert any(line.startswith("# argument checks not expressible here") for line in lines)


def test_what_the_launcher_needs_is_exported_unconstrained() -> None:
    with_runc_needs = ExportSubject(
        allowed=(*HELLO, "fcntl", "mmap"), args={"fcntl": ((ArgCmp.eq(1, 1, 32),),), "mmap": NO_EXEC}
    )
    plan = plan_export(with_runc_needs, "oci")
    assert plan.args == {} and plan.unchecked == ("fcntl", "mmap")
    assert set(plan_export(with_runc_needs, "bpf").args) == {"fcntl", "mmap"}  # bwrap only execs

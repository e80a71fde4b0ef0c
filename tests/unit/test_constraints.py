"""Specification of argument constraints: from the values reachable sites pass to the rule the
filter enforces, and the filter built from it (run on the BPF interpreter)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccsandbox.analysis.constraints import SPECS, ConstraintSet, SiteArgs, derive_constraints
from ccsandbox.analysis.policy import Policy
from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.args import matches
from ccsandbox.bpf.compile import Action, build_filter
from ccsandbox.bpf.vm import run
from ccsandbox.embed.enforce import enforce
from ccsandbox.embed.options import PolicyOptions
from ccsandbox.syscalls import SYSCALL_NUMBERS

NR = SYSCALL_NUMBERS
R, W, X = 0x1, 0x2, 0x4
THREAD_FLAGS = 0x7D0F00  # musl pthread_create: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|...


def site(name: str, where: str, **args: set[int] | None) -> SiteArgs:
    return SiteArgs(NR[name], where, {int(k[1:]): None if v is None else frozenset(v) for k, v in args.items()})


def _args(index: int, value: int) -> tuple[int, ...]:
    return tuple(value if i == index else 0 for i in range(6))


def test_every_checked_argument_says_why() -> None:
    assert all(len(s.reason) > 30 for s in SPECS)
    checked = {s.syscall for s in SPECS}
    assert {
        "mmap",
        "mprotect",
        "pkey_mprotect",
        "ioctl",
        "socket",
        "clone",
        "prctl",
        "fcntl",
        "kill",
        "tkill",
    } <= checked


def test_no_site_passes_prot_exec_so_none_may() -> None:
    found = derive_constraints([site("mprotect", "__expand_heap", a2={R | W}), site("mprotect", "f", a2={R})], {10})
    rule = found.constraints[NR["mprotect"]].rule
    assert matches(rule, _args(2, R | W)) and matches(rule, _args(2, 0))
    assert not matches(rule, _args(2, R | X)) and not matches(rule, _args(2, R | W | X))
    assert found.constraints[NR["mprotect"]].summary == ("prot never has PROT_EXEC",)


def test_a_site_passing_exec_still_gets_w_xor_x() -> None:
    found = derive_constraints([site("mmap", "jit", a2={R | X}), site("mmap", "malloc", a2={R | W})], {9})
    rule = found.constraints[NR["mmap"]].rule
    assert matches(rule, _args(2, R | X)) and matches(rule, _args(2, R | W))
    assert not matches(rule, _args(2, W | X)) and not matches(rule, _args(2, R | W | X))


def test_a_site_passing_w_and_x_gets_exactly_the_values_passed() -> None:
    found = derive_constraints([site("mmap", "jit", a2={R | W | X}), site("mmap", "malloc", a2={R | W})], {9})
    rule = found.constraints[NR["mmap"]].rule
    assert matches(rule, _args(2, R | W | X)) and not matches(rule, _args(2, R | X))


def test_one_unknown_site_leaves_the_argument_unchecked_and_names_the_site() -> None:
    found = derive_constraints([site("mprotect", "a", a2={R}), site("mprotect", "dlopen_like", a2=None)], {10})
    assert NR["mprotect"] not in found.constraints
    (why,) = found.unconstrained
    assert why.site == "dlopen_like" and why.spec.name == "prot"


def test_ioctl_requests_are_the_union_over_sites_on_the_low_half() -> None:
    found = derive_constraints(
        [
            site("ioctl", "isatty", a1={0x5413}),
            site("ioctl", "tcgetattr", a1={0x5401}),
            site("ioctl", "ptsname", a1={-0x7FFBABD0}),
        ],
        {16},
    )
    rule = found.constraints[NR["ioctl"]].rule
    assert len(rule) == 3
    assert matches(rule, _args(1, 0xFFFFFFFF80045430)) and matches(
        rule, _args(1, 0x80045430)
    )  # TIOCGPTN, sign-extended
    assert not matches(rule, _args(1, 0x5412))  # TIOCSTI


def test_clone_flags_compare_the_low_half_the_kernel_reads() -> None:
    found = derive_constraints([site("clone", "pthread_create", a0={THREAD_FLAGS})], {56})
    rule = found.constraints[NR["clone"]].rule
    assert matches(rule, _args(0, THREAD_FLAGS)) and matches(rule, _args(0, THREAD_FLAGS | 1 << 32))
    assert not matches(rule, _args(0, 17))  # fork: SIGCHLD alone
    assert not matches(rule, _args(0, THREAD_FLAGS | 0x20000000))  # CLONE_NEWNET


def test_socket_sites_give_domain_type_pairs_and_an_unknown_type_frees_only_the_type() -> None:
    found = derive_constraints(
        [site("socket", "unix_listen", a0={1}, a1={1, 0x80001}), site("socket", "resolver", a0={2, 10}, a1=None)],
        {41},
    )
    rule = found.constraints[NR["socket"]].rule
    assert matches(rule, (1, 0x80001, 0, 0, 0, 0)) and matches(rule, (10, 3, 0, 0, 0, 0))
    assert not matches(rule, (1, 3, 0, 0, 0, 0)) and not matches(rule, (16, 3, 0, 0, 0, 0))  # AF_NETLINK
    assert [(u.spec.name, u.site) for u in found.unconstrained] == [("type", "resolver")]


def test_allowed_without_a_site_or_not_allowed_gets_no_constraint() -> None:
    found = derive_constraints([site("fcntl", "f", a1={1})], {NR["prctl"]})
    assert found.constraints == {} and [u.site for u in found.unconstrained] == ["(no site)"]


def test_too_many_combinations_stay_unchecked() -> None:
    found = derive_constraints([site("ioctl", "many", a1=set(range(300)))], {16})
    assert found.constraints == {} and "more than" in found.unconstrained[0].why


def test_the_policy_json_round_trips_to_the_same_filter() -> None:
    found = derive_constraints(
        [site("mprotect", "m", a2={R}), site("ioctl", "i", a1={0x5401}), site("clone", "c", a0={THREAD_FLAGS})],
        {10, 16, 56},
    )
    back = ConstraintSet.from_json(found.to_json())
    assert back.rules == found.rules and found.to_json()["constrained_count"] == 3


@pytest.mark.parametrize(
    ("nr", "args", "verdict"),
    [
        (10, _args(2, R | W), bpf.RET_ALLOW),
        (10, _args(2, R | X), bpf.RET_KILL_PROCESS),
        (16, _args(1, 0x5401), bpf.RET_ALLOW),
        (16, _args(1, 0x5412), bpf.RET_KILL_PROCESS),
        (56, _args(0, THREAD_FLAGS), bpf.RET_ALLOW),
        (56, _args(0, 17), bpf.RET_KILL_PROCESS),
        (0, _args(2, 12345), bpf.RET_ALLOW),
    ],
)
def test_the_filter_enforces_the_derived_constraints(nr: int, args: tuple[int, ...], verdict: int) -> None:
    found = derive_constraints(
        [site("mprotect", "m", a2={R | W}), site("ioctl", "i", a1={0x5401}), site("clone", "c", a0={THREAD_FLAGS})],
        {0, 10, 16, 56},
    )
    assert run(build_filter({0, 10, 16, 56}, Action("kill"), args=found.rules), nr, args=args) == verdict


def _enforced(tmp_path: Path, **options: object) -> tuple[list[bpf.Insn], dict[str, object]]:
    found = derive_constraints(
        [site("mprotect", "m", a2={R | W}), site("ioctl", "i", a1={0x5401}), site("execve", "e")], {10, 16, 59}
    )
    policy = Policy("p", {0: "site", 10: "site", 16: "site", 59: "site"}, (), False)
    enforcement = enforce(policy, PolicyOptions(**options), "p", constraints=found)  # type: ignore[arg-type]
    return enforcement.program, enforcement.info


def test_the_embedded_filter_checks_the_constraints_and_its_metadata_lists_them(tmp_path: Path) -> None:
    prog, info = _enforced(tmp_path)
    assert (
        run(prog, 10, args=_args(2, R | X)) == bpf.RET_KILL_PROCESS
        and run(prog, 16, args=_args(1, 0x5401)) == bpf.RET_ALLOW
    )
    assert [c["name"] for c in info["constraints"]["constraints"]] == ["mprotect", "ioctl"]  # type: ignore[index]


def test_syscalls_added_for_an_exec_d_program_keep_no_check(tmp_path: Path) -> None:
    child = tmp_path / "child.policy.json"
    child.write_text(json.dumps({"allowed": [{"nr": 10, "name": "mprotect"}]}))
    prog, info = _enforced(tmp_path, exec_allow=(str(child),))
    assert run(prog, 10, args=_args(2, R | X)) == bpf.RET_ALLOW  # the child may map code
    assert run(prog, 16, args=_args(1, 0x5412)) == bpf.RET_KILL_PROCESS  # ioctl: still ours alone
    assert [c["name"] for c in info["constraints"]["constraints"]] == ["ioctl"]  # type: ignore[index]


def test_a_prctl_constraint_still_lets_the_runtime_set_no_new_privs(tmp_path: Path) -> None:
    found = derive_constraints([site("prctl", "pthread_setname", a0={15})], {157})
    enforcement = enforce(Policy("p", {157: "site"}, (), False), PolicyOptions(), "p", constraints=found)
    assert run(enforcement.program, 157, args=_args(0, 38)) == bpf.RET_ALLOW  # PR_SET_NO_NEW_PRIVS
    assert run(enforcement.program, 157, args=_args(0, 15)) == bpf.RET_ALLOW
    assert run(enforcement.program, 157, args=_args(0, 35)) == bpf.RET_KILL_PROCESS  # PR_SET_MM


def test_every_phase_filter_keeps_the_argument_checks() -> None:
    found = derive_constraints([site("mprotect", "m", a2={R | W})], {10})
    policy = Policy("p", {0: "site", 10: "site"}, (), False)
    enforcement = enforce(policy, PolicyOptions(), "p", [("worker", frozenset({10}))], constraints=found)
    later = enforcement.programs[1]
    assert run(later, 10, args=_args(2, R | W)) == bpf.RET_ALLOW and run(later, 0) == bpf.RET_KILL_PROCESS
    assert run(later, 10, args=_args(2, R | X)) == bpf.RET_KILL_PROCESS

"""Specification of the generated seccomp filters, run on the BPF interpreter (no kernel)."""

from __future__ import annotations

import random

import pytest

from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.compile import Action, build_filter
from ccsandbox.bpf.disasm import disassemble
from ccsandbox.bpf.insn import pack, unpack
from ccsandbox.bpf.vm import run
from ccsandbox.syscalls import SYSCALL_NAMES

ALLOW, KILL = bpf.RET_ALLOW, bpf.RET_KILL_PROCESS
ALLOWED = {0, 1, 3, 9, 60, 231, 435}

# (syscall number, arch, expected verdict) for a filter allowing ALLOWED and killing the rest
CASES = [
    (0, bpf.AUDIT_ARCH_X86_64, ALLOW),
    (435, bpf.AUDIT_ARCH_X86_64, ALLOW),
    (2, bpf.AUDIT_ARCH_X86_64, KILL),
    (436, bpf.AUDIT_ARCH_X86_64, KILL),
    (1023, bpf.AUDIT_ARCH_X86_64, KILL),
    (0, bpf.AUDIT_ARCH_I386, KILL),  # i386 int $0x80: another table
    (bpf.X32_SYSCALL_BIT | 0, bpf.AUDIT_ARCH_X86_64, KILL),  # x32 read
    (bpf.X32_SYSCALL_BIT | 60, bpf.AUDIT_ARCH_X86_64, KILL),
]


@pytest.mark.parametrize(("nr", "arch", "verdict"), CASES)
def test_verdicts(nr: int, arch: int, verdict: int) -> None:
    assert run(build_filter(ALLOWED, Action("kill")), nr, arch) == verdict


def test_minus_one_gets_the_default_action_not_the_bad_arch_kill() -> None:
    prog = build_filter(ALLOWED, Action("errno", 38))
    assert run(prog, 0xFFFFFFFF) == bpf.RET_ERRNO | 38
    assert run(prog, bpf.X32_SYSCALL_BIT | 1) == KILL


@pytest.mark.parametrize(
    ("action", "value"),
    [
        (Action("kill"), KILL),
        (Action("trap"), bpf.RET_TRAP),
        (Action("log"), bpf.RET_LOG),
        (Action("errno", 1), bpf.RET_ERRNO | 1),
        (Action("errno", 38), bpf.RET_ERRNO | 38),
    ],
)
def test_the_default_action_is_selectable(action: Action, value: int) -> None:
    assert run(build_filter(ALLOWED, action), 2) == value


def test_special_returns_for_single_numbers() -> None:
    prog = build_filter(ALLOWED, Action("kill"), {59: bpf.RET_ERRNO | 1})
    assert run(prog, 59) == bpf.RET_ERRNO | 1 and run(prog, 0) == ALLOW and run(prog, 58) == KILL


def test_oracle_sweep_over_random_policies() -> None:
    rng = random.Random(1234)
    for size in (0, 1, 2, 5, 17, 64, 150, 300):
        allowed = set(rng.sample(sorted(SYSCALL_NAMES), size))
        prog = build_filter(allowed, Action("kill"))
        for nr in range(1024):
            assert (run(prog, nr) == ALLOW) == (nr in allowed), (size, nr)


def test_every_syscall_allowed_needs_long_jumps_and_still_works() -> None:
    prog = build_filter(set(SYSCALL_NAMES), Action("kill"))
    assert any(i.code == bpf.JMP | bpf.JA for i in prog), "the tree is too big for 8-bit jumps alone"
    assert all(i.jt <= 255 and i.jf <= 255 for i in prog)
    assert all(run(prog, nr) == ALLOW for nr in SYSCALL_NAMES)
    assert run(prog, 400) == KILL and len(prog) < bpf.MAX_INSNS


def test_verdicts_never_read_arguments_so_the_kernel_can_cache_them() -> None:
    prog = build_filter(set(range(0, 300, 3)), Action("kill"))
    assert {i.k for i in prog if i.code == bpf.LD_W_ABS} == {bpf.OFFSET_NR, bpf.OFFSET_ARCH}


def test_binary_round_trip_and_listing() -> None:
    prog = build_filter(ALLOWED, Action("kill"))
    assert unpack(pack(prog)) == prog and len(pack(prog)) == 8 * len(prog)
    listing = disassemble(prog)
    assert listing[0].endswith("ld [4]  (arch)") and "ret KILL_PROCESS" in listing[2]
    assert any("jeq 0x3c (exit)" in line for line in listing)

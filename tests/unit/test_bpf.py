"""Specification of the generated seccomp filters, run on the BPF interpreter (no kernel)."""

from __future__ import annotations

import random

import pytest

from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.args import FULL32, FULL64, ArgCmp, ArgRule, matches
from ccsandbox.bpf.compile import Action, build_filter
from ccsandbox.bpf.disasm import disassemble
from ccsandbox.bpf.insn import pack, unpack
from ccsandbox.bpf.vm import reads_arguments, run
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


def test_every_syscall_allowed_is_a_few_spans() -> None:
    prog = build_filter(set(SYSCALL_NAMES), Action("kill"))
    assert all(run(prog, nr) == ALLOW for nr in SYSCALL_NAMES)
    assert run(prog, 400) == KILL and run(prog, 470) == KILL and len(prog) < 20


def test_a_filter_past_the_8_bit_jumps_still_works() -> None:
    every_other = set(range(0, 470, 2))
    requests: ArgRule = tuple((ArgCmp.eq(1, 0x5400 + v, 32),) for v in range(300))
    prog = build_filter(every_other, Action("kill"), args={16: requests, 200: requests})
    assert any(i.code == bpf.JMP | bpf.JA for i in prog), "the filter is too big for 8-bit jumps alone"
    assert all(i.jt <= 255 and i.jf <= 255 for i in prog)
    assert all((run(prog, nr) == ALLOW) == (nr in every_other - {16, 200}) for nr in range(1024))
    assert run(prog, 200, args=_args(a1=0x5400 + 299)) == ALLOW and run(prog, 16, args=_args(a1=0x5400 + 300)) == KILL


def test_verdicts_never_read_arguments_so_the_kernel_can_cache_them() -> None:
    prog = build_filter(set(range(0, 300, 3)), Action("kill"))
    assert {i.k for i in prog if i.code == bpf.LD_W_ABS} == {bpf.OFFSET_NR, bpf.OFFSET_ARCH}


def test_binary_round_trip_and_listing() -> None:
    prog = build_filter(ALLOWED, Action("kill"))
    assert unpack(pack(prog)) == prog and len(pack(prog)) == 8 * len(prog)
    listing = disassemble(prog)
    assert listing[0].endswith("ld [4]  (arch)") and listing[2].endswith("ld [0]  (nr)")
    assert "ret KILL_PROCESS" in listing[-1]
    assert any("jeq 0x3c (exit)" in line for line in listing)


# --- argument checks -------------------------------------------------------------------------

PROT_W, PROT_X = 0x2, 0x4
NO_EXEC: ArgRule = ((ArgCmp(2, PROT_X, 0),),)  # prot & PROT_EXEC == 0
W_XOR_X: ArgRule = ((ArgCmp(2, PROT_X, 0),), (ArgCmp(2, PROT_W, 0),))  # never both
IOCTL_REQUESTS: ArgRule = tuple((ArgCmp.eq(1, v, 32),) for v in (0x5401, 0x80045430, 0x541B))
CLONE_THREAD_FLAGS = 0x7D0F00
CLONE_FLAGS: ArgRule = ((ArgCmp.eq(0, CLONE_THREAD_FLAGS),),)  # 64-bit: both halves


def _args(**by_index: int) -> tuple[int, ...]:
    return tuple(by_index.get(f"a{i}", 0) for i in range(6))


def test_prot_without_exec_allows_read_write_and_kills_exec() -> None:
    prog = build_filter({9, 10}, Action("kill"), args={10: NO_EXEC})
    assert run(prog, 10, args=_args(a2=0x3)) == ALLOW
    assert run(prog, 10, args=_args(a2=0x5)) == KILL  # PROT_READ|PROT_EXEC
    assert run(prog, 9, args=_args(a2=0x7)) == ALLOW  # mmap is not constrained here


def test_w_xor_x_allows_either_but_not_both() -> None:
    prog = build_filter({10}, Action("kill"), args={10: W_XOR_X})
    verdicts = {prot: run(prog, 10, args=_args(a2=prot)) for prot in range(8)}
    assert [p for p, v in verdicts.items() if v == KILL] == [0x6, 0x7]


def test_a_32_bit_argument_ignores_the_sign_extended_upper_half() -> None:
    prog = build_filter({16}, Action("errno", 1), args={16: IOCTL_REQUESTS})
    assert run(prog, 16, args=_args(a1=0x80045430)) == ALLOW
    assert run(prog, 16, args=_args(a1=0xFFFFFFFF80045430)) == ALLOW  # musl's int -> long
    assert run(prog, 16, args=_args(a1=0x5402)) == bpf.RET_ERRNO | 1


def test_a_64_bit_argument_compares_both_halves() -> None:
    prog = build_filter({56}, Action("kill"), args={56: CLONE_FLAGS})
    assert run(prog, 56, args=_args(a0=CLONE_THREAD_FLAGS)) == ALLOW
    assert run(prog, 56, args=_args(a0=(1 << 32) | CLONE_THREAD_FLAGS)) == KILL  # e.g. CLONE_INTO_CGROUP
    assert run(prog, 56, args=_args(a0=0x11)) == KILL  # fork: SIGCHLD only


def test_a_conjunction_over_several_arguments() -> None:
    socket_unix_stream: ArgRule = ((ArgCmp.eq(0, 1, 32), ArgCmp(1, 0xF, 1)),)
    prog = build_filter({41}, Action("kill"), args={41: socket_unix_stream})
    assert run(prog, 41, args=_args(a0=1, a1=0x80001)) == ALLOW  # SOCK_STREAM|SOCK_CLOEXEC
    assert run(prog, 41, args=_args(a0=2, a1=1)) == KILL and run(prog, 41, args=_args(a0=1, a1=2)) == KILL


def test_only_constrained_syscalls_read_arguments() -> None:
    """The tree never loads an argument, so every unconstrained syscall stays in the kernel's
    constant-action bitmap."""
    allowed = set(range(0, 300, 3)) | {9, 10, 16, 56}
    prog = build_filter(allowed, Action("kill"), args={10: W_XOR_X, 16: IOCTL_REQUESTS, 56: CLONE_FLAGS})
    assert {nr for nr in range(1024) if reads_arguments(prog, nr)} == {10, 16, 56}


def test_a_rule_for_a_syscall_that_is_not_allowed_changes_nothing() -> None:
    prog = build_filter({0, 1}, Action("kill"), {59: bpf.RET_ERRNO | 1}, args={10: NO_EXEC, 59: NO_EXEC})
    assert run(prog, 10) == KILL and run(prog, 59, args=_args(a2=4)) == bpf.RET_ERRNO | 1


def _random_rule(rng: random.Random) -> ArgRule:
    """Alternatives of masked/plain comparisons, 32- and 64-bit, with values near the masks."""
    alts = []
    for _ in range(rng.choice([1, 1, 2, 3, 12])):
        alt = []
        for index in rng.sample(range(6), rng.choice([1, 1, 2])):
            mask = rng.choice([FULL64, FULL32, 0x4, 0x6, 0xFFFF_0000_0000_0000, rng.getrandbits(64)])
            alt.append(ArgCmp(index, mask, rng.getrandbits(64) & mask))
        alts.append(tuple(alt))
    return tuple(alts)


def _random_args(rng: random.Random, rule: ArgRule) -> tuple[int, ...]:
    """Arguments that often satisfy one comparison of the rule, and flip bits in either half."""
    args = [rng.getrandbits(64) for _ in range(6)]
    for cmp in rng.choice(rule):
        args[cmp.index] = (args[cmp.index] & ~cmp.mask) | cmp.value
        if rng.random() < 0.3:
            args[cmp.index] ^= 1 << rng.randrange(64)
    return tuple(args)


def test_oracle_sweep_over_random_argument_rules() -> None:
    rng = random.Random(99)
    for _ in range(60):
        allowed = set(rng.sample(sorted(SYSCALL_NAMES), rng.choice([3, 20, 120])))
        rules = {nr: _random_rule(rng) for nr in rng.sample(sorted(allowed), min(len(allowed), rng.choice([1, 3, 9])))}
        prog = build_filter(allowed, Action("kill"), args=rules)
        assert all(i.jt <= 255 and i.jf <= 255 for i in prog)
        for nr in allowed:
            for _ in range(20):
                args = _random_args(rng, rules[nr]) if nr in rules else tuple(rng.getrandbits(64) for _ in range(6))
                expected = nr not in rules or matches(rules[nr], args)
                assert (run(prog, nr, args=args) == ALLOW) == expected, (nr, rules.get(nr), args)


def test_a_large_value_set_still_fits_the_jump_limits() -> None:
    requests: ArgRule = tuple((ArgCmp.eq(1, 0x5400 + v, 32),) for v in range(600))
    prog = build_filter(set(SYSCALL_NAMES), Action("kill"), args={16: requests})
    assert run(prog, 16, args=_args(a1=0x5400 + 599)) == ALLOW and run(prog, 16, args=_args(a1=0x5400 + 600)) == KILL
    assert all(run(prog, nr) == ALLOW for nr in SYSCALL_NAMES if nr != 16)


def test_the_listing_names_argument_halves() -> None:
    listing = disassemble(build_filter({56}, Action("kill"), args={56: CLONE_FLAGS}))
    assert any("(arg0 lo)" in line for line in listing) and any("(arg0 hi)" in line for line in listing)
    assert not any("jeq 0x7d0f00 (" in line for line in listing), "an argument value is no syscall name"


def test_comparisons_that_can_never_hold_are_refused() -> None:
    with pytest.raises(ValueError):
        ArgCmp(0, 0x4, 0x8)
    with pytest.raises(ValueError):
        ArgCmp(6, FULL64, 0)

"""The filter layout against the kernel's action cache (ccsandbox/bpf/cache.py, a model of
seccomp_is_const_allow): every allowed syscall without an argument rule is cached, a checked one
is not and reaches its check in O(log n) jumps, and every verdict is the one the layout before
gave (tests/unit/bpf_layout_before.py), on the BPF interpreter."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.args import ArgCmp, ArgRule
from ccsandbox.bpf.assemble import assemble
from ccsandbox.bpf.cache import COMPAT_NR, NATIVE_NR, PASSTHROUGH, Cache, const_allow, install
from ccsandbox.bpf.compile import Action, build_filter, spans
from ccsandbox.bpf.dispatch import Span, depths, plan
from ccsandbox.bpf.insn import Insn
from ccsandbox.bpf.vm import reads_arguments, run
from ccsandbox.syscalls import SYSCALL_NAMES

_spec = importlib.util.spec_from_file_location("bpf_layout_before", Path(__file__).with_name("bpf_layout_before.py"))
assert _spec is not None and _spec.loader is not None
_before = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_before)
build_before = _before.build_filter

ALLOW, KILL = bpf.RET_ALLOW, bpf.RET_KILL_PROCESS
FLOOR = [bpf.load(bpf.OFFSET_ARCH), bpf.jump(bpf.JEQ, bpf.AUDIT_ARCH_X86_64, 1, 0), bpf.ret(KILL), bpf.ret(ALLOW)]
#: numbers whose verdicts must not change: the table and past it, the x32 bit's edges, -1
NUMBERS = [*range(1101), 0x3FFFFFFF, 0x40000000, 0x40000001, 0x4000003B, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF]
RULES: list[ArgRule] = [
    ((ArgCmp(2, 0x4, 0),),),  # W^X
    tuple((ArgCmp.eq(1, 0x5400 + v, 32),) for v in range(3)),  # ioctl requests
    ((ArgCmp.eq(0, 0x7D0F00),),),  # clone flags, both halves
    ((ArgCmp.eq(0, 1, 32), ArgCmp(1, 0xF, 1)),),  # socket: a conjunction
]


# --- the model ---------------------------------------------------------------------------------


def test_the_table_sizes_are_the_kernels() -> None:
    assert NATIVE_NR == 470 == max(SYSCALL_NAMES) + 1 and COMPAT_NR == 470


def test_the_floor_filter_caches_every_native_number_and_walks_three_instructions() -> None:
    cache = install(FLOOR)
    assert cache.native == frozenset(range(NATIVE_NR)) and cache.compat == frozenset()
    assert cache.native_steps == 3 * (NATIVE_NR - len(PASSTHROUGH)) and cache.compat_steps == 3 * COMPAT_NR


def test_one_ret_allow_caches_both_arches() -> None:
    cache = install([bpf.ret(ALLOW)])
    assert len(cache.native) == NATIVE_NR and len(cache.compat) == COMPAT_NR and cache.compat_steps == COMPAT_NR


def test_what_the_emulator_does_not_know_is_not_cached() -> None:
    ip = [bpf.load(8), bpf.ret(ALLOW)]  # the instruction pointer
    ret_a = [bpf.load(bpf.OFFSET_NR), Insn(bpf.RET | 0x10, 0, 0, 0)]  # ret A
    x_jump = [bpf.load(bpf.OFFSET_NR), Insn(bpf.JMP | bpf.JEQ | 0x08, 0, 0, 0), bpf.ret(ALLOW)]  # jeq X
    for program in (ip, ret_a, x_jump):
        assert install(program).native == PASSTHROUGH, program
    assert const_allow(ip, 0) == (False, 1)


def test_the_kernels_own_exceptions_are_cached_whatever_the_filter() -> None:
    assert install([bpf.ret(KILL)]).native == PASSTHROUGH == {335, 336}
    assert const_allow([bpf.ret(KILL)], 335, bpf.AUDIT_ARCH_I386) == (False, 1)


def test_a_filter_on_top_emulates_only_what_the_one_below_still_caches() -> None:
    below = Cache(frozenset({0, 1, 2}), frozenset(), 0, 0)
    on_top = install(build_filter({0, 1, 60}, Action("kill")), below)
    assert on_top.native == {0, 1} and on_top.compat == frozenset()
    assert on_top.native_steps == sum(const_allow(build_filter({0, 1, 60}, Action("kill")), n)[1] for n in (0, 1, 2))


# --- the layout ---------------------------------------------------------------------------------


def _rules(draw: st.DrawFn, allowed: list[int]) -> dict[int, ArgRule]:
    checked = draw(st.lists(st.sampled_from(allowed), max_size=12, unique=True)) if allowed else []
    return {nr: draw(st.sampled_from(RULES)) for nr in checked}


@st.composite
def policies(draw: st.DrawFn) -> tuple[set[int], Action, dict[int, int], dict[int, ArgRule]]:
    """Allowed sets as they come (scattered, in runs, nearly everything), a default action, an
    execve special, argument rules on some allowed syscalls."""
    table = sorted(SYSCALL_NAMES)
    kind = draw(st.sampled_from(["scattered", "runs", "most"]))
    if kind == "scattered":
        allowed = set(draw(st.lists(st.sampled_from(table), max_size=150)))
    elif kind == "runs":
        starts = draw(st.lists(st.tuples(st.sampled_from(table), st.integers(1, 12)), max_size=20))
        allowed = {n for s, length in starts for n in range(s, s + length) if n in SYSCALL_NAMES}
    else:
        allowed = set(table) - set(draw(st.lists(st.sampled_from(table), max_size=40)))
    action = draw(
        st.sampled_from([Action("kill"), Action("errno", 38), Action("trap"), Action("log"), Action("allow")])
    )
    special = {59: bpf.RET_ERRNO | 1} if draw(st.booleans()) else {}
    allowed -= set(special)
    return allowed, action, special, _rules(draw, sorted(allowed - PASSTHROUGH))


def _verdict(nr: int, special: dict[int, int], allowed: set[int], default: int) -> int:
    return special.get(nr, ALLOW if nr in allowed else default)


@settings(max_examples=120, deadline=None)
@given(policies())
def test_allowed_syscalls_without_a_rule_are_cached_and_checked_ones_are_not(
    policy: tuple[set[int], Action, dict[int, int], dict[int, ArgRule]],
) -> None:
    allowed, action, special, rules = policy
    prog = build_filter(allowed, action, special, rules)
    plain = {nr for nr in range(NATIVE_NR) if _verdict(nr, special, allowed, action.value) == ALLOW}
    assert install(prog).native == (plain - set(rules)) | PASSTHROUGH
    assert all(reads_arguments(prog, nr) for nr in rules)


@settings(max_examples=120, deadline=None)
@given(policies())
def test_every_verdict_is_the_one_the_layout_before_gave(
    policy: tuple[set[int], Action, dict[int, int], dict[int, ArgRule]],
) -> None:
    allowed, action, special, rules = policy
    new, old = build_filter(allowed, action, special, rules), build_before(allowed, action, special, rules)
    assert all(i.jt <= 255 and i.jf <= 255 for i in new) and len(new) <= len(old) + 4
    for arch in (bpf.AUDIT_ARCH_X86_64, bpf.AUDIT_ARCH_I386, 0xC00000B7):
        for nr in NUMBERS if arch == bpf.AUDIT_ARCH_X86_64 else range(0, 1101, 7):
            assert run(new, nr, arch) == run(old, nr, arch), (hex(arch), nr)
    for nr, rule in rules.items():  # each alternative's values, and a miss in either half
        probes = [tuple(c.value if c.index == i else 0 for i in range(6)) for alt in rule for c in alt]
        probes += [tuple(v ^ (1 << 33) for v in p) for p in probes] + [(0x4,) * 6, (0,) * 6]
        for args in probes:
            assert run(new, nr, args=args) == run(old, nr, args=args), (nr, args)


def _jumps_to_check(prog: list[Insn], nr: int) -> int:
    """Jumps walked from ``ld [nr]`` to the first load of an argument."""
    pc, jumps, seen_nr = 0, 0, False
    while True:
        code, jt, jf, k = prog[pc]
        if code == bpf.LD_W_ABS:
            if k >= 16:
                return jumps
            seen_nr |= k == bpf.OFFSET_NR
        elif code & 0x07 == bpf.JMP:
            jumps += seen_nr
            data = nr if seen_nr else bpf.AUDIT_ARCH_X86_64
            if code == bpf.JMP | bpf.JA:
                pc += k
            else:
                op = code & 0xF0
                taken = data == k if op == bpf.JEQ else data >= k if op == bpf.JGE else data > k
                pc += jt if taken else jf
        pc += 1


@settings(max_examples=120, deadline=None)
@given(policies())
def test_a_checked_call_reaches_its_check_in_logarithmic_jumps(
    policy: tuple[set[int], Action, dict[int, int], dict[int, ArgRule]],
) -> None:
    allowed, action, special, rules = policy
    prog = build_filter(allowed, action, special, rules)
    n = max(2, len(allowed) + len(special))
    for nr in rules:
        assert _jumps_to_check(prog, nr) <= math.ceil(math.log2(n)) + 4, nr


def test_the_plan_keeps_checks_within_a_level_of_a_balanced_tree() -> None:
    block = (bpf.load(16), bpf.ret(ALLOW))
    for gap in (1, 2, 5, 40):
        found = [
            Span(i * gap, i * gap + gap - 1, ALLOW if i % 2 else KILL, block if i % 7 == 3 else ()) for i in range(60)
        ]
        depth = depths(plan(found))
        assert all(depth[i] <= math.ceil(math.log2(len(found))) + 1 for i, s in enumerate(found) if s.checks)


def test_spans_merge_neighbours_and_cover_the_number_line() -> None:
    found = spans({0: ALLOW, 1: ALLOW, 3: ALLOW, 59: bpf.RET_ERRNO | 1}, KILL, {3: [bpf.ret(ALLOW)]})
    assert [(s.lo, s.hi, s.value, bool(s.checks)) for s in found] == [
        (0, 1, ALLOW, False),
        (2, 2, KILL, False),
        (3, 3, ALLOW, True),
        (4, 58, KILL, False),
        (59, 59, bpf.RET_ERRNO | 1, False),
        (60, 0xFFFFFFFF, KILL, False),  # the x32 numbers and -1 are killed too under kill
    ]
    assert [s.value for s in spans({}, bpf.RET_ERRNO | 1, {})] == [bpf.RET_ERRNO | 1, KILL, bpf.RET_ERRNO | 1]


def test_assemble_shares_returns_and_bridges_long_jumps() -> None:
    """A program written with offsets past 255 and a ret per jump: the same verdicts, within
    the kernel's limits, with one ret per value in reach."""
    far = [bpf.load(bpf.OFFSET_NR)]  # jeq i -> block i (4 instructions each, after the ret KILL)
    far += [Insn(bpf.JMP | bpf.JEQ | bpf.K, (602 + 4 * i) - (1 + i) - 1, 0, i) for i in range(600)]
    far += [bpf.ret(KILL)]
    for i in range(600):  # allowed when args[0] == i
        far += [bpf.load(16), bpf.jump(bpf.JEQ, i, 0, 1), bpf.ret(ALLOW), bpf.ret(KILL)]
    prog = assemble(far)
    assert all(i.jt <= 255 and i.jf <= 255 for i in prog) and any(i.code == bpf.JMP | bpf.JA for i in prog)
    for nr in (0, 1, 300, 599, 600, 5000):
        for arg in (0, nr, 599):
            assert run(prog, nr, args=(arg, 0, 0, 0, 0, 0)) == run(far, nr, args=(arg, 0, 0, 0, 0, 0)), (nr, arg)

"""Specification of how syscall sites are read from assembly text (the reference copy of the
pass's rules; the integration tests check that both extractors agree)."""

from __future__ import annotations

import pytest

from ccsandbox.facts.asmscan import RaxState, asm_makes_calls, constraint_operands, scan_asm

OPERAND0 = RaxState("operand", 0)


def states(text: str, templated: bool = True, entry: RaxState = OPERAND0) -> list[tuple[bool, str, int]]:
    return [(s.int80, s.state.kind, s.state.value) for s in scan_asm(text, templated, entry)]


@pytest.mark.parametrize(
    "text", ["syscall", "SYSCALL", "\tSysCall", ".byte 0x0f, 0x05", ".byte 15\n.byte 5", ".word 0x050f"]
)
def test_every_spelling_of_the_instruction_is_a_site(text: str) -> None:
    assert states(text) == [(False, "operand", 0)]


def test_a_constant_moved_into_eax_is_the_number() -> None:
    assert states("movl $$60, %eax\n\tnop\n\tsyscall") == [(False, "const", 60)]
    assert states("mov $110,%eax; syscall; ret", templated=False) == [(False, "const", 110)]
    assert states("xor %eax, %eax; syscall") == [(False, "const", 0)]


def test_a_template_operand_moved_into_rax_is_that_operand() -> None:
    assert states("mov $1, %rax; .byte 0x0f, 0x05") == [(False, "operand", 1)]


@pytest.mark.parametrize(
    "text", ["cpuid; syscall", "call f; syscall", "1: syscall", "pop %rax; syscall", "mulq %rbx; syscall"]
)
def test_anything_that_may_change_rax_makes_the_number_unknown(text: str) -> None:
    assert states(text)[0][1] == "unknown"


def test_the_syscall_result_is_not_the_next_number() -> None:
    assert [s[1] for s in states("syscall; syscall")] == ["operand", "unknown"]


@pytest.mark.parametrize("text", ["int $$0x80", "sysenter", ".byte 0xcd, 0x80"])
def test_i386_entries_are_recorded_as_such(text: str) -> None:
    assert states(text)[0][0] is True


def test_other_interrupts_and_data_are_not_sites() -> None:
    assert states("int $$3; .long 5; .quad sym") == []


def test_module_asm_sites_belong_to_the_function_label_they_follow() -> None:
    sites = scan_asm(".globl f\nf: mov $39, %eax; syscall; ret", False, RaxState(), labels={"f"})
    assert [(s.function, s.state.value) for s in sites] == [("f", 39)]


def test_the_operand_bound_to_rax_is_found_by_its_constraint() -> None:
    # musl: "=a"(ret) : "a"(n), "D"(a1)
    assert constraint_operands("={ax},{ax},{di},~{rcx},~{r11},~{memory}") == (
        [-1, 0, 1],
        [True, True, False],
        [-1, -1, -1],
    )
    # "+a"(nr) : "D"(a): clang puts the tied input last
    arg_of, rax, tied = constraint_operands("={ax},{di},0,~{dirflag}")
    assert arg_of == [-1, 0, 1] and rax == [True, False, True] and tied == [1, -1, -1]
    # an "r" operand may be any register, so it is not the number
    assert constraint_operands("={ax},r,{di}")[1] == [True, False, False]


@pytest.mark.parametrize(
    ("text", "calls"),
    [("call ${0:P}", True), ("1: callq *$0", True), ("jmp *%rax", True), ("jmp 1f", False), ("syscall", False)],
)
def test_asm_that_calls_may_reach_any_address_taken_function(text: str, calls: bool) -> None:
    assert asm_makes_calls(text) is calls


def test_module_asm_sites_under_another_symbol_belong_to_no_function() -> None:
    text = "f: ret\nhelper: mov $39, %eax\n.Lx: nop\n1: syscall"
    sites = scan_asm(text, False, RaxState(), labels={"f"})
    assert [s.function for s in sites] == [""]


def test_module_asm_calls_through_pointers_are_told_from_calls_by_name() -> None:
    assert asm_makes_calls("call _start_c", pointers_only=True) is False
    assert asm_makes_calls("call *%rdi", pointers_only=True) is True

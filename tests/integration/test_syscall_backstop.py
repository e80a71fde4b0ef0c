"""Specification of the syscall-instruction backstop's shortcut: it finds trap bytes first and
disassembles only the code units holding bytes outside every function with a site, with the
same verdict as disassembling the whole binary. The binaries are assembled and linked here with
clang-19 and ld.lld-19, so every byte is known."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from ccsandbox.embed.instructions import check_syscall_instructions, trap_byte_addresses, trap_owners_without_sites
from ccsandbox.errors import LinkError
from ccsandbox.facts.schema import FORMAT, parse_facts

#: f hides trap bytes in immediates (not instructions), then an interior label starts code that
#: the disassembler decodes anew: a real syscall, which only `inner`'s unit shows
PROGRAM = """
.text
.globl _start
.type _start,@function
_start: ret
.size _start, .-_start
.globl f
.type f,@function
f:
  movabs $0x050f050f050f050f, %rax
  .byte 0x48, 0xb8
.globl inner
inner:
  syscall
  nop; nop; nop; nop; nop; nop
  ret
.size f, .-f
.globl g
.type g,@function
g:
  mov $0x80cd340f, %eax
  ret
.size g, .-g
"""


def _facts(with_sites: set[str]):  # type: ignore[no-untyped-def]
    functions = [
        {"name": n, "linkage": "external", "type": "void ()", "syscalls": [39] if n in with_sites else []}
        for n in ("_start", "f", "inner", "g")
    ]
    return parse_facts({"format": FORMAT, "version": 2, "triple": "x86_64-unknown-linux-musl", "functions": functions})


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("backstop")
    (work / "p.s").write_text(PROGRAM)
    subprocess.run(["clang-19", "-c", str(work / "p.s"), "-o", str(work / "p.o")], check=True)
    subprocess.run(["ld.lld-19", str(work / "p.o"), "-o", str(work / "p")], check=True)
    return work / "p"


def _symbols(binary: Path) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """(function symbols, every symbol in code), as the start-up check reads them from a
    cc-sandbox link (this binary has no musl start-up for check_startup to accept)."""
    with open(binary, "rb") as stream:
        symtab = ELFFile(stream).get_section_by_name(".symtab")
        symbols = [(s.name, s["st_value"], s["st_size"], s["st_info"]["type"]) for s in symtab.iter_symbols()]
    functions = [(n, a, z) for n, a, z, kind in symbols if kind == "STT_FUNC"]
    return functions, [(n, a, z) for n, a, z, kind in symbols if kind in ("STT_FUNC", "STT_NOTYPE") and n and a]


def _check(binary: Path, with_sites: set[str]) -> None:
    functions, labels = _symbols(binary)
    check_syscall_instructions(binary, functions, _facts(with_sites), {}, "p", labels=labels)


def test_every_place_of_trap_bytes_is_found() -> None:
    code = b"\x90\x0f\x05\x0f\x05\xcd\x80\x0f\x34"
    assert trap_byte_addresses([(0x1000, code), (0x2000, b"\x0f\x05")]) == [0x1001, 0x1003, 0x1005, 0x1007, 0x2000]


def test_trap_bytes_inside_immediates_are_not_instructions(binary: Path) -> None:
    _check(binary, {"inner"})  # f's and g's bytes are immediates: nothing to refuse


def test_a_real_syscall_after_an_interior_label_is_found(binary: Path) -> None:
    with pytest.raises(LinkError, match="did not read, in f"):
        _check(binary, set())


def test_the_function_covering_it_explains_it(binary: Path) -> None:
    _check(binary, {"f"})  # inner's code lies inside f's symbol range


def test_the_shortcut_disassembles_only_the_units_with_unexplained_bytes(binary: Path) -> None:
    functions, labels = _symbols(binary)
    # with every function sited, nothing is disassembled at all; with none, only units f, inner, g
    assert trap_owners_without_sites(binary, functions, labels, _facts({"f", "inner", "g"}), {}) == []
    found = trap_owners_without_sites(binary, functions, labels, _facts(set()), {})
    assert found == [frozenset({"f", "inner"})]

"""Checking a linked binary's start-up: the filter must be installed before any program code runs.

The filter installer is the runtime's priority-101 constructor, run by musl's ``__libc_start_init``
from ``_start`` (crt1). Program code could still run first through another entry point or a
constructor ordered before it (priority 0-100, or 101 placed earlier). Rather than trusting the
command line, this reads the linked ELF: its entry must be ``_start``, and the first
``.init_array`` entry must be the installer. musl's static start-up runs no ``.preinit_array``,
so only ``.init_array`` matters; the ``.init`` section (run before it) must hold only crti's and
crtn's code. And the functions on the way from ``_start`` to the installer must be musl's own:
several are weak in musl (``__libc_start_init``, ``__init_tls``, ``__init_ssp``), so a program
defining one would replace the loop that runs the installer. lld's ``-y`` trace says which file
defined each. Any other layout fails the link with one line.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import NamedTuple

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from ..analysis.roots import is_installer
from ..elfsyms import SHF_EXECINSTR, STT_FUNC, STT_NOTYPE, table_symbols
from ..errors import LinkError

__all__ = [
    "STARTUP_SYMBOLS",
    "FiniEntry",
    "FunctionSymbol",
    "LinkedLayout",
    "check_startup",
    "check_startup_symbols",
    "trace_flags",
    "trace_line",
]

#: A .fini_array entry: its address and the function symbols defined there.
FiniEntry = tuple[int, frozenset[str]]
#: A function symbol of the binary: name, start address, size.
FunctionSymbol = tuple[str, int, int]


class LinkedLayout(NamedTuple):
    """What the start-up check read from the linked ELF, for the checks against the facts:
    the .fini_array entries, every function symbol, and every symbol in executable code (where
    the disassembler starts decoding: the syscall-instruction backstop)."""

    fini_array: tuple[FiniEntry, ...]
    functions: tuple[FunctionSymbol, ...]
    labels: tuple[FunctionSymbol, ...] = ()


ENTRY = "_start"
#: musl's x86_64 crti.s (`push %rax`) and crtn.s (`pop %rax; ret`) .init code, in bytes.
INIT_SIZE = 3

#: musl's start-up path, from the entry point to the loop over .init_array that runs the installer.
STARTUP_SYMBOLS = (
    "_start",
    "_start_c",
    "__libc_start_main",
    "__init_libc",
    "__init_tls",
    "__init_tp",
    "__copy_tls",
    "__set_thread_area",
    "__init_ssp",
    "__libc_start_init",
    "_init",
    "__init_array_start",
    "__init_array_end",
)


def trace_flags(names: tuple[str, ...] = STARTUP_SYMBOLS) -> list[str]:
    """lld options that report every definition of the start-up symbols on stdout (``names``:
    these and musl's pre-filter closure, ``startup_closure``)."""
    return [f"-Wl,-y,{name}" for name in names]


def trace_line(names: tuple[str, ...]) -> re.Pattern[str]:
    """What lld's -y prints for ``names`` (taken out of the link's output)."""
    return re.compile(rf"^.*: (?:\w+ )*(?:definition of|reference to) (?:{'|'.join(map(re.escape, names))})$")


def check_startup_symbols(
    trace: str, lib_dir: Path, program: str, lto_object: str, names: tuple[str, ...] = STARTUP_SYMBOLS
) -> None:
    """Raise LinkError when a start-up symbol is defined outside musl (``trace``: lld's -y lines;
    ``lto_object``: the path of this link's own LTO object, whose definitions are the module's)."""
    musl = str(lib_dir.resolve())
    wanted = set(names)
    for line in trace.splitlines():
        where, sep, what = line.rpartition(": definition of ")
        if not sep or what not in wanted or where in ("<internal>", lto_object):
            continue
        path = where.split("(", 1)[0]
        if not str(Path(path).resolve()).startswith(musl + "/"):
            raise LinkError(
                f"{program}: {where} defines {what}, part of musl's start-up before the seccomp filter is "
                "installed; cc-sandbox refuses it (rename the function)"
            )


PF_X, PF_W = 1, 2


def check_w_xor_x(segments: list[tuple[str, int, int]], program: str) -> None:
    """Raise LinkError for a segment that is writable and executable, or an executable stack:
    what the filter's W^X checks on mmap/mprotect promise would be undone by the link itself
    (a section with flags "awx" in file-scope asm, -z execstack).

    >>> check_w_xor_x([("PT_LOAD", 5, 0x200000), ("PT_GNU_STACK", 6, 0)], "p")
    >>> check_w_xor_x([("PT_LOAD", 7, 0x201000)], "p")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ccsandbox.errors.LinkError: p: its segment at 0x201000 is writable and executable ...
    """
    for kind, flags, address in segments:
        if kind == "PT_GNU_STACK" and flags & PF_X:
            raise LinkError(
                f"{program}: its stack is executable (-z execstack, or an object that asks for one); written "
                "code could run, so cc-sandbox refuses it"
            )
        if kind == "PT_LOAD" and flags & PF_X and flags & PF_W:
            raise LinkError(
                f"{program}: its segment at {address:#x} is writable and executable (a section with flags "
                '"awx", or a linker option); written code could run, so cc-sandbox refuses it'
            )


def check_startup(binary: Path, program: str) -> LinkedLayout:
    """Raise LinkError unless ``binary`` enters at ``_start`` and installs the filter first.

    Returns its ``.fini_array`` entries and function symbols, read in the same pass: whether the
    entries are the module's destructors, and whether every syscall instruction lies in a
    function with a site, are checked against the facts where those are read
    (``ccsandbox.embed.embed``)."""
    try:
        with open(binary, "rb") as stream:
            elf = ELFFile(stream)
            symtab = elf.get_section_by_name(".symtab")
            by_name: dict[str, int] = {}
            by_address: dict[int, str] = {}
            functions: dict[int, set[str]] = {}
            symbols: list[FunctionSymbol] = []
            labels: list[FunctionSymbol] = []
            code = {k for k, sec in enumerate(elf.iter_sections()) if sec["sh_flags"] & SHF_EXECINSTR}
            if isinstance(symtab, SymbolTableSection):
                for name, kind, section, address, size in table_symbols(elf, symtab):
                    if kind in (STT_FUNC, STT_NOTYPE) and address and name:
                        by_name.setdefault(name, address)
                        by_address.setdefault(address, name)
                        if section in code:
                            labels.append((name, address, size))
                    if kind == STT_FUNC and address:
                        functions.setdefault(address, set()).add(name)
                        if name:
                            symbols.append((name, address, size))
            entry = elf.header["e_entry"]
            init_code = elf.get_section_by_name(".init")
            init_size = init_code.data_size if init_code is not None else 0
            init = elf.get_section_by_name(".init_array")
            table = init.data() if init is not None else b""
            fini = elf.get_section_by_name(".fini_array")
            fini_table = fini.data() if fini is not None else b""
            segments = [(seg["p_type"], seg["p_flags"], seg["p_vaddr"]) for seg in elf.iter_segments()]
    except (OSError, ELFError) as err:
        raise LinkError(f"{program}: cannot read the linked binary to check its start-up: {err}") from None
    if by_name.get(ENTRY) != entry:
        raise LinkError(
            f"{program}: its entry point is {by_address.get(entry, hex(entry))}, not musl's {ENTRY}, so "
            "the seccomp filter would never be installed; cc-sandbox refuses it"
        )
    if init_size > INIT_SIZE:
        raise LinkError(
            f"{program}: its .init section holds code besides musl's crti/crtn, which would run before "
            "the seccomp filter is installed; cc-sandbox refuses it"
        )
    first = struct.unpack_from("<Q", table)[0] if len(table) >= 8 else None
    if first is None or not is_installer(by_address.get(first, "")):
        name = by_address.get(first, hex(first)) if first is not None else "nothing"
        raise LinkError(
            f"{program}: constructor {name} would run before the seccomp filter is installed "
            "(a constructor priority of 100 or less); use priority 101 or more, or none"
        )
    check_w_xor_x(segments, program)
    entries = struct.iter_unpack("<Q", fini_table[: len(fini_table) // 8 * 8])
    fini_array = tuple((address, frozenset(functions.get(address, ()))) for (address,) in entries)
    return LinkedLayout(fini_array, tuple(symbols), tuple(labels))

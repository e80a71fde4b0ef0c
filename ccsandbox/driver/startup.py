"""Checking a linked binary's start-up: the filter must be installed before any program code runs.

The filter installer is the runtime's priority-101 constructor, run by musl's ``__libc_start_init``
from ``_start`` (crt1). Program code could still run first through another entry point or a
constructor ordered before it (priority 0-100, or 101 placed earlier). Rather than trusting the
command line, this reads the linked ELF: its entry must be ``_start``, and the first
``.init_array`` entry must be the installer. musl's static start-up runs no ``.preinit_array``,
so only ``.init_array`` matters. Any other layout fails the link with one line.
"""

from __future__ import annotations

import struct
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from ..analysis.roots import is_installer
from ..errors import LinkError

__all__ = ["check_startup"]

ENTRY = "_start"


def check_startup(binary: Path, program: str) -> None:
    """Raise LinkError unless ``binary`` enters at ``_start`` and installs the filter first."""
    try:
        with open(binary, "rb") as stream:
            elf = ELFFile(stream)
            symtab = elf.get_section_by_name(".symtab")
            by_name: dict[str, int] = {}
            by_address: dict[int, str] = {}
            if isinstance(symtab, SymbolTableSection):
                for sym in symtab.iter_symbols():
                    if sym["st_info"]["type"] in ("STT_FUNC", "STT_NOTYPE") and sym["st_value"] and sym.name:
                        by_name.setdefault(sym.name, sym["st_value"])
                        by_address.setdefault(sym["st_value"], sym.name)
            entry = elf.header["e_entry"]
            init = elf.get_section_by_name(".init_array")
            table = init.data() if init is not None else b""
    except (OSError, ELFError) as err:
        raise LinkError(f"{program}: cannot read the linked binary to check its start-up: {err}") from None
    if by_name.get(ENTRY) != entry:
        raise LinkError(
            f"{program}: its entry point is {by_address.get(entry, hex(entry))}, not musl's {ENTRY}, so "
            "the seccomp filter would never be installed; cc-sandbox refuses it"
        )
    first = struct.unpack_from("<Q", table)[0] if len(table) >= 8 else None
    if first is None or not is_installer(by_address.get(first, "")):
        name = by_address.get(first, hex(first)) if first is not None else "nothing"
        raise LinkError(
            f"{program}: constructor {name} would run before the seccomp filter is installed "
            "(a constructor priority of 100 or less); use priority 101 or more, or none"
        )

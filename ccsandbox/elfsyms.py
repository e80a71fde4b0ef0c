"""An ELF file's symbol table, decoded from its bytes (pure but for reading the file).

pyelftools' per-symbol parser took 0.2-0.35 s for redis-server's 3,700 symbols; ``struct``
decodes the same table in ~10 ms. Used by the link's start-up check and syscall-instruction
backstop (which functions cover an address), and by ``audit``, which names the function that
made a logged syscall from the record's instruction pointer.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Iterable
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

__all__ = [
    "SHF_EXECINSTR",
    "STT_FUNC",
    "STT_NOTYPE",
    "FunctionRanges",
    "Symbol",
    "preferred_name",
    "read_symbols",
    "table_symbols",
]

STT_NOTYPE, STT_FUNC = 0, 2
SHF_EXECINSTR = 0x4  # sh_flags of a section holding code
#: Elf64_Sym: st_name, st_info, st_other, st_shndx, st_value, st_size
ELF64_SYM = struct.Struct("<IBBHQQ")
#: (name, type, section index, value, size)
Symbol = tuple[str, int, int, int, int]


def table_symbols(elf: ELFFile, symtab: SymbolTableSection) -> list[Symbol]:
    """Every symbol of ``symtab`` (a section of ``elf``)."""
    strings = elf.get_section(symtab["sh_link"]).data()
    out = []
    for st_name, info, _other, shndx, value, size in ELF64_SYM.iter_unpack(symtab.data()):
        end = strings.find(b"\0", st_name)
        out.append((strings[st_name:end].decode("utf-8", "replace"), info & 0xF, shndx, value, size))
    return out


def read_symbols(path: Path, executable_only: bool = False) -> list[Symbol] | None:
    """The symbols of the ELF file ``path``; None when it cannot be read, has no symbol table
    (stripped), or (``executable_only``) is position-independent, where a run-time address says
    nothing without the load address."""
    try:
        with open(path, "rb") as stream:
            elf = ELFFile(stream)
            symtab = elf.get_section_by_name(".symtab")
            if not isinstance(symtab, SymbolTableSection) or elf.elfclass != 64:
                return None
            if executable_only and elf.header["e_type"] != "ET_EXEC":
                return None
            return table_symbols(elf, symtab)
    except (OSError, ELFError):
        return None


def preferred_name(names: Iterable[str]) -> str:
    """The name to show of several at one place: a public one (musl's ``clock_gettime`` over
    ``__clock_gettime``), then the first in order."""
    return min(names, key=lambda n: (n.startswith("_"), n))


class FunctionRanges:
    """Which function symbols cover an address, by binary search over their starts (the link's
    syscall-instruction backstop asks for hundreds of addresses among thousands of symbols)."""

    def __init__(self, functions: Iterable[tuple[str, int, int]]) -> None:
        """``functions``: (name, start, size); a size of 0 covers the start alone."""
        self.ranges = sorted((start, start + max(size, 1), name) for name, start, size in functions)
        self.longest = max((end - start for start, end, _ in self.ranges), default=0)
        self.starts = [start for start, _, _ in self.ranges]

    def covering(self, address: int) -> set[str]:
        """Every function whose range holds ``address``."""
        names = set()
        for k in range(bisect.bisect_right(self.starts, address) - 1, -1, -1):
            start, end, name = self.ranges[k]
            if start < address - self.longest:
                break
            if address < end:
                names.add(name)
        return names

    def function_at(self, address: int) -> str | None:
        """The function holding ``address`` (:func:`preferred_name` of several), else the one
        starting nearest below it; None below every function."""
        covering = self.covering(address)
        if covering:
            return preferred_name(covering)
        k = bisect.bisect_right(self.starts, address) - 1
        return self.ranges[k][2] if k >= 0 else None

    @classmethod
    def of(cls, symbols: Iterable[Symbol]) -> FunctionRanges:
        """The ranges of the function symbols among ``symbols`` (as :func:`read_symbols` gives them)."""
        return cls((name, value, size) for name, kind, _, value, size in symbols if kind == STT_FUNC and value)

"""Reading lld's link map: which native (non-bitcode) objects contributed sections (pure).

Bitcode inputs are all compiled into the LTO object (``<out>.lto.o``, or ``<out>.lto.N.o``
with parallel code generation), so every other input named in the map is native code that the
whole-program module does not contain: musl's ``.s`` functions, crti/crtn, compiler-rt builtins,
or, if the user mixed compilers, objects we cannot analyse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: An input-section line: VMA LMA Size Align, then "file:(section)".
_INPUT_SECTION = re.compile(r"^\s*[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+\d+\s+(?P<input>\S.*):\((?P<section>[^()]*)\)$")
_LTO_OBJECT = re.compile(r"\.lto(\.\d+)?\.o$")

__all__ = ["NativeInput", "parse_native_inputs"]


@dataclass(frozen=True, order=True)
class NativeInput:
    """One native object file (or archive member) and the sections it put into the binary."""

    path: str  # e.g. "/sysroot/lib/libc.a(clone.lo)" or "/sysroot/lib/crti.o"
    sections: tuple[str, ...]

    @property
    def archive(self) -> str | None:
        """The archive path when this is an archive member, else None."""
        return self.path[: self.path.index("(")] if self.path.endswith(")") and "(" in self.path else None

    @property
    def file(self) -> str:
        """The object or archive file on disk."""
        return self.archive or self.path


def parse_native_inputs(map_text: str) -> list[NativeInput]:
    """The native inputs listed in an lld ``-Map`` file, sorted by path.

    >>> text = '''   VMA  LMA Size Align Out In Symbol
    ...   2000 2000  10   16     out.lto.o:(.text.main)
    ...   2010 2010   8   16     /s/lib/libc.a(clone.lo):(.text)
    ...   2020 2020   4    4     <internal>:(.got)'''
    >>> parse_native_inputs(text)
    [NativeInput(path='/s/lib/libc.a(clone.lo)', sections=('.text',))]
    """
    found: dict[str, set[str]] = {}
    for line in map_text.splitlines():
        match = _INPUT_SECTION.match(line)
        if not match:
            continue
        path = match["input"].strip()
        if path.startswith("<") or _LTO_OBJECT.search(path):
            continue
        found.setdefault(path, set()).add(match["section"])
    return [NativeInput(path, tuple(sorted(sections))) for path, sections in sorted(found.items())]

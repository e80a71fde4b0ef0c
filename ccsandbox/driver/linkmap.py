"""Reading lld's link map: which native (non-bitcode) objects contributed sections (pure).

Bitcode inputs are all compiled into the one LTO object of the link (``<out>.lto.o``: full LTO,
one code generation partition), so every other input named in the map is native code that the
whole-program module does not contain: musl's ``.s`` functions, crti/crtn, compiler-rt builtins,
or, if the user mixed compilers, objects we cannot analyse. Only the exact path of this link's
LTO object is trusted, never a name that looks like one (an input called ``x.lto.o``, or the
``<out>.lto.NAME.o`` lld writes for a ThinLTO bitcode input compiled outside cc-sandbox).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: An input-section line: VMA LMA Size Align, then "file:(section)".
_INPUT_SECTION = re.compile(r"^\s*[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+\d+\s+(?P<input>\S.*):\((?P<section>[^()]*)\)$")

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


def parse_native_inputs(map_text: str, lto_object: str) -> list[NativeInput]:
    """The native inputs listed in an lld ``-Map`` file, sorted by path; ``lto_object`` is the
    path of the link's own LTO object, the one input that is the analysed module.

    >>> text = '''   VMA  LMA Size Align Out In Symbol
    ...   2000 2000  10   16     /t/out.lto.o:(.text.main)
    ...   2008 2008   8   16     /t/evil.lto.o:(.text)
    ...   2010 2010   8   16     /s/lib/libc.a(clone.lo):(.text)
    ...   2020 2020   4    4     <internal>:(.got)'''
    >>> [n.path for n in parse_native_inputs(text, "/t/out.lto.o")]
    ['/s/lib/libc.a(clone.lo)', '/t/evil.lto.o']
    """
    found: dict[str, set[str]] = {}
    for line in map_text.splitlines():
        match = _INPUT_SECTION.match(line)
        if not match:
            continue
        path = match["input"].strip()
        if path.startswith("<") or path == lto_object:
            continue
        found.setdefault(path, set()).add(match["section"])
    return [NativeInput(path, tuple(sorted(sections))) for path, sections in sorted(found.items())]

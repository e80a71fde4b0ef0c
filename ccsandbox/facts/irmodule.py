"""The printed module as the reference extractor reads it (pure): each function's body lines,
the global variables and aliases, file-scope asm and the target triple, and the tables that
resolve metadata, debug locations and struct layouts. Also the per-function records the rules
fill in (:class:`IRFunction`, :class:`Site`), which :mod:`.irwriter` turns into the facts' JSON.

llvmlite only lists the functions (name, linkage, type, whether a declaration); everything else
is read from the text, split here once so that each rule reads only the lines it needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .irorder import DebugLocations
from .irtext import GLOBAL_REF, Layout, MetadataTable, parse_params, unescape

_DEFINE_NAME = re.compile(GLOBAL_REF.pattern + r"\(")

__all__ = ["IRFunction", "IRModule", "Site", "global_name"]


@dataclass
class IRFunction:
    """One function of the module and the facts found in it so far."""

    name: str
    linkage: str
    type: str
    declaration: bool
    params: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    calls: set[tuple[str, tuple[tuple[int, Any], ...]]] = field(default_factory=set)
    indirect: set[tuple[str, str]] = field(default_factory=set)
    syscalls: set[Any] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    field_stores: set[tuple[str, str]] = field(default_factory=set)
    int_field_stores: set[tuple[str, Any]] = field(default_factory=set)  # (number field, value)
    syscall_args: set[str] = field(default_factory=set)  # entries as canonical JSON text
    blocks: list[list[int]] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    block_inlined: dict[int, dict[tuple[str, ...], int]] = field(default_factory=dict)  # -> first site
    enosys_blocks: dict[int, list[list[int]]] = field(default_factory=dict)  # block -> guards (sites)
    exec_calls: set[tuple[str, str | None]] = field(default_factory=set)  # (family member, path)


@dataclass
class Site:
    """One site in order: its block and what the instruction contributed (one kind only)."""

    block: int
    calls: frozenset[tuple[str, tuple[tuple[int, Any], ...]]] = frozenset()
    indirect: tuple[str, str] | None = None
    syscalls: frozenset[Any] = frozenset()
    inlined: tuple[str, ...] = ()


def global_name(token: str) -> str:
    """A global's name as written after ``@`` (``f``, ``"a b"``) -> its name."""
    return unescape(token[1:-1]) if token.startswith('"') else token


class IRModule:
    """The printed module, split into what the rules need."""

    def __init__(self, text: str, functions: list[tuple[str, str, str, bool]]) -> None:
        self.lines = text.splitlines()
        self.functions = {name: IRFunction(name, linkage, type_, decl) for name, linkage, type_, decl in functions}
        self.metadata = MetadataTable(self.lines)
        self.debug = DebugLocations(self.lines)
        self.layout = Layout(self.lines)
        self.globals: dict[str, str] = {}  # global variable -> its definition line
        self.aliases: dict[str, str] = {}  # alias -> aliasee
        self.module_asm: list[str] = []
        self.triple = ""
        self._split()

    def _split(self) -> None:
        current: IRFunction | None = None
        for line in self.lines:
            if current is not None:
                if line == "}":
                    current = None
                else:
                    current.body.append(line)
                continue
            if line.startswith("define "):
                header = _DEFINE_NAME.search(line)
                current = self.functions.get(global_name(header[1])) if header else None
                if current is not None:
                    current.params = parse_params(line)
                continue
            if line.startswith("target triple = "):
                self.triple = line.split('"')[1]
            elif line.startswith("module asm "):
                self.module_asm.append(unescape(line[len('module asm "') : -1]))
            elif line.startswith("@"):
                name_token, _, rest = line.partition(" = ")
                name = global_name(name_token[1:])
                if re.search(r"\balias\b", rest.split("(")[0]) and not re.search(
                    r"\b(global|constant)\b", rest.split("(")[0]
                ):
                    target = GLOBAL_REF.findall(rest)
                    if target:
                        self.aliases[name] = global_name(target[-1])
                else:
                    self.globals[name] = rest

    def resolve(self, name: str) -> str:
        seen = set()
        while name in self.aliases and name not in seen:
            seen.add(name)
            name = self.aliases[name]
        return name

    def ctors(self, name: str) -> list[str]:
        """The functions of ``llvm.global_ctors`` or ``llvm.global_dtors`` (``name``), in order."""
        definition = self.globals.get(name, "")
        found = re.findall(r"\{ i32 -?\d+, ptr @([-\w.$]+|\"[^\"]*\")", definition)
        return [self.resolve(global_name(f)) for f in found]

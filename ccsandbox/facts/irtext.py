"""Reading pieces of textual LLVM IR (pure): calls, TBAA tags, struct layouts, initializers.

Only what the reference extractor needs, for modules printed by LLVM for x86_64 with opaque
pointers. Every rule mirrors the pass (passes/lib/SyscallFacts.cpp, ValueFacts.cpp, AddressFacts.cpp).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from ..llvm_syntax import matching, split_top_level

__all__ = [
    "GLOBAL_REF",
    "INT",
    "PHI_INCOMING",
    "Call",
    "Layout",
    "MetadataTable",
    "callee_of_call",
    "constant_function_fields",
    "parse_call",
    "parse_params",
    "split_top_level",
    "unescape",
]

#: One ``[ value, %block ]`` pair of a ``phi``: the value.
#: An integer constant as IR prints it.
INT = re.compile(r"-?\d+")
#: An instruction that defines an SSA value: ``  %name = rest`` (group 1 the name, 2 the rest).
DEF = re.compile(r"^\s+(%[-\w.$\"]+) = (.*)$")
PHI_INCOMING = re.compile(r"\[\s*(.+?),\s*%[-\w.$\"]+\s*\]")
_CALL = re.compile(r"^(?:(?:tail|musttail|notail) )?call\b|^invoke\b|^callbr\b")
_CALLEE = re.compile(r'(@"(?:[^"\\]|\\.)*"|@[-\w.$]+|%"(?:[^"\\]|\\.)*"|%[-\w.$]+)\(')
_ASM = re.compile(
    r'\basm (?:sideeffect )?(?:alignstack )?(?:inteldialect )?(?:unwind )?"((?:[^"\\]|\\.)*)", "(?:[^"\\]|\\.)*"\('
)
_SKIP_WORDS = {
    "tail",
    "musttail",
    "notail",
    "call",
    "invoke",
    "callbr",
    "fast",
    "nnan",
    "ninf",
    "nsz",
    "arcp",
    "contract",
    "afn",
    "reassoc",
    "fastcc",
    "coldcc",
    "ccc",
    "swiftcc",
    "tailcc",
    "noundef",
    "zeroext",
    "signext",
    "inreg",
    "noalias",
    "nonnull",
    "nocapture",
    "readonly",
    "returned",
}
_SKIP_PREFIXES = ("dereferenceable", "align", "range(", "nofpclass(", "cc ", "x86_", "preserve_", "ghccc")


def unescape(text: str) -> str:
    r"""Undo LLVM's ``\XX`` escapes in strings and names."""
    return re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m[1], 16)), text).replace("\\\\", "\\")


def _leading_type(text: str) -> tuple[str, str]:
    """Split ``"{ i64, i64 } %x"`` into the leading type and the rest."""
    text = text.strip()
    if text and text[0] in "{[<":
        end = matching(text, 0)
        return text[: end + 1], text[end + 1 :].strip()
    head, _, rest = text.partition(" ")
    return head, rest


def parse_params(define_line: str) -> list[str]:
    """Names (``%0``, ``%x``) of a definition's parameters, in order."""
    match = _CALLEE.search(define_line)
    if not match:
        return []
    open_index = match.end() - 1
    inner = define_line[open_index + 1 : matching(define_line, open_index)]
    return [p.split()[-1] for p in split_top_level(inner) if p != "..." and p.split()[-1].startswith("%")]


def callee_of_call(instr: str) -> str | None:
    """The called operand of a call instruction ("asm" for inline asm); None if not a call."""
    if not _CALL.match(instr):
        return None
    if _ASM.search(instr):
        return "asm"
    match = _CALLEE.search(instr)
    return match[1] if match else "?"


@dataclass(frozen=True)
class Call:
    callee: str  # "@f", "%5", or "asm"
    args: list[tuple[str, str]]  # (type, value)
    function_type: str  # as the C++ pass prints CallBase::getFunctionType()
    asm: str | None = None  # escaped asm string for inline asm
    arg_texts: tuple[str, ...] = ()  # each argument as written


def _arg_texts(text: str, open_index: int) -> tuple[str, ...]:
    return tuple(split_top_level(text[open_index + 1 : matching(text, open_index)]))


def _args(text: str, open_index: int) -> list[tuple[str, str]]:
    inner = text[open_index + 1 : matching(text, open_index)]
    args = []
    for arg in split_top_level(inner):
        type_, rest = _leading_type(arg)
        args.append((type_, rest.split()[-1] if rest else ""))
    return args


def _return_part(prefix: str) -> str:
    """The text naming the return (or whole function) type between ``call`` and the callee."""
    tokens, i = [], 0
    while i < len(prefix):
        if prefix[i].isspace():
            i += 1
            continue
        if prefix[i] in "{[<(":
            end = matching(prefix, i)
            tokens.append(prefix[i : end + 1])
            i = end + 1
            continue
        j = i
        while j < len(prefix) and not prefix[j].isspace() and prefix[j] != "(":
            j += 1
        if (
            j < len(prefix)
            and prefix[j] == "("
            and prefix[i:j] in ("range", "nofpclass", "dereferenceable", "dereferenceable_or_null", "align")
        ):
            j = matching(prefix, j) + 1
        tokens.append(prefix[i:j])
        i = j
    kept, skip_next = [], False
    for token in tokens:
        if skip_next:
            skip_next = False
            continue
        if token in ("align", "cc"):
            skip_next = True
            continue
        if token in _SKIP_WORDS or token.startswith(_SKIP_PREFIXES):
            continue
        kept.append(token)
    return " ".join(kept)


def parse_call(instr: str) -> Call:
    """Parse a call/invoke instruction (without its ``%x =`` part)."""
    asm = _ASM.search(instr)
    if asm:
        return Call("asm", _args(instr, asm.end() - 1), "", asm[1], _arg_texts(instr, asm.end() - 1))
    match = _CALLEE.search(instr)
    if match is None:
        return Call("?", [], "")
    args = _args(instr, match.end() - 1)
    call_word = _CALL.match(instr)
    start = call_word.end() if call_word else 0
    ret = _return_part(instr[start : match.start()])
    explicit = ret.endswith(")") and " (" in ret  # varargs calls print the whole function type
    function_type = ret if explicit else f"{ret} ({', '.join(t for t, _ in args)})"
    return Call(match[1], args, function_type, None, _arg_texts(instr, match.end() - 1))


class MetadataTable:
    """Numbered metadata nodes, for reading struct-path TBAA tags."""

    _NODE = re.compile(r"^(![0-9]+) = (?:distinct )?!\{(.*)\}$")

    def __init__(self, lines: list[str]) -> None:
        self.nodes: dict[str, list[str]] = {}
        for line in lines:
            match = self._NODE.match(line)
            if match:
                self.nodes[match[1]] = split_top_level(match[2])

    def tbaa_field(self, instr: str) -> str:
        """``struct+offset`` of an access's TBAA tag (innermost struct), or ""."""
        match = re.search(r"!tbaa (![0-9]+)", instr)
        tag = self.nodes.get(match[1], []) if match else []
        if len(tag) < 3 or not tag[0].startswith("!") or not tag[1].startswith("!") or not tag[2].startswith("i"):
            return ""
        base, access, offset = tag[0], tag[1], int(tag[2].split()[-1])
        if base == access or base not in self.nodes:
            return ""
        for _ in range(16):
            node = self.nodes[base]
            inner, inner_off = None, 0
            for k in range(1, len(node) - 1, 2):
                member, member_off_text = node[k], node[k + 1]
                if not member.startswith("!") or member.startswith('!"') or not member_off_text.startswith("i"):
                    continue
                member_off = int(member_off_text.split()[-1])
                if member_off > offset:
                    continue
                if len(self.nodes.get(member, [])) >= 3 and member != access:
                    if inner is None or member_off >= inner_off:
                        inner, inner_off = member, member_off
                elif member_off == offset:
                    inner = None
                    break
            if inner is None:
                break
            base, offset = inner, offset - inner_off
        name = self.nodes[base][0] if self.nodes.get(base) else ""
        if not name.startswith('!"') or name == '!""':
            return ""
        return f"{unescape(name[2:-1])}+{offset}"


class Layout:
    """x86_64 sizes, alignments and field offsets of the module's types."""

    _TYPE = re.compile(r'^(%"(?:[^"\\]|\\.)*"|%[-\w.$]+) = type (.*)$')
    _SCALARS: ClassVar[dict[str, tuple[int, int]]] = {
        "i1": (1, 1),
        "i8": (1, 1),
        "i16": (2, 2),
        "i32": (4, 4),
        "i64": (8, 8),
        "i128": (16, 16),
        "ptr": (8, 8),
        "half": (2, 2),
        "bfloat": (2, 2),
        "float": (4, 4),
        "double": (8, 8),
        "x86_fp80": (16, 16),
        "fp128": (16, 16),
    }

    def __init__(self, lines: list[str]) -> None:
        self.defs = {m[1]: m[2] for line in lines if (m := self._TYPE.match(line))}

    def elements(self, type_: str) -> tuple[list[str], bool] | None:
        """Element types of a struct type (named or literal) and whether it is packed."""
        body = self.defs.get(type_, type_)
        packed = body.startswith("<{")
        if not (body.startswith("{") or packed):
            return None
        inner = body[2:-2] if packed else body[1:-1]
        return split_top_level(inner), packed

    def size_align(self, type_: str) -> tuple[int, int]:
        type_ = type_.strip()
        if type_ in self._SCALARS:
            return self._SCALARS[type_]
        if re.fullmatch(r"i\d+", type_):
            bits = int(type_[1:])
            size = max(1, 1 << (max(bits, 8) - 1).bit_length() >> 3)
            return size, min(size, 16)
        array = re.fullmatch(r"\[(\d+) x (.*)\]", type_)
        if array:
            size, align = self.size_align(array[2])
            return int(array[1]) * size, align
        vector = re.fullmatch(r"<(\d+) x (.*)>", type_)
        if vector:
            size, _ = self.size_align(vector[2])
            total = int(vector[1]) * size
            total = 1 << (total - 1).bit_length()
            return total, total
        offsets = self.offsets(type_)
        if offsets is None:
            return 8, 8
        elements, packed = self.elements(type_) or ([], False)
        align = 1 if packed else max([self.size_align(e)[1] for e in elements] or [1])
        end = offsets[-1] + self.size_align(elements[-1])[0] if elements else 0
        return (end + align - 1) // align * align, align

    def offsets(self, type_: str) -> list[int] | None:
        parsed = self.elements(type_)
        if parsed is None:
            return None
        elements, packed = parsed
        out, at = [], 0
        for element in elements:
            size, align = self.size_align(element)
            if not packed:
                at = (at + align - 1) // align * align
            out.append(at)
            at += size
        return out


def _struct_key(type_: str) -> str:
    name = type_[1:].strip('"')
    if not name.startswith("struct."):
        return ""
    return re.sub(r"\.[0-9]+$", "", name[len("struct.") :])


#: A global name in IR text (``@name`` or ``@"quoted name"``), the name in group 1.
GLOBAL_REF = re.compile(r'@("(?:[^"\\]|\\.)*"|[-\w.$]+)')


def constant_function_fields(
    definition: str, layout: Layout, resolve: Callable[[str], str]
) -> tuple[dict[str, set[str]], set[str]]:
    """For a global's definition: functions in named-struct fields (by ``struct+offset``) and
    functions anywhere else in its initializer ("loose", i.e. untracked)."""
    fields: dict[str, set[str]] = defaultdict(set)
    loose: set[str] = set()
    match = re.search(r"\b(?:global|constant) ", definition)
    if not match:
        return fields, loose
    body = definition[match.end() :].split(", align ")[0].split(", section ")[0]
    type_, init = _leading_type(body)

    def names(text: str) -> set[str]:
        return {resolve(unescape(t[1:-1]) if t.startswith('"') else t) for t in GLOBAL_REF.findall(text)}

    def walk(type_: str, init: str) -> None:
        init = init.strip()
        parsed = layout.elements(type_)
        if parsed is not None and (init.startswith("{") or init.startswith("<{")):
            key = _struct_key(type_) if type_.startswith("%") else ""
            offsets = layout.offsets(type_) or []
            inner = init[2:-2] if init.startswith("<{") else init[1:-1]
            for offset, element in zip(offsets, split_top_level(inner), strict=False):
                element_type, value = _leading_type(element)
                if key and element_type == "ptr" and value.startswith("@"):
                    fields[f"{key}+{offset}"] |= names(value)
                else:
                    walk(element_type, value)
            return
        array = re.fullmatch(r"\[(\d+) x (.*)\]", type_)
        if array and init.startswith("["):
            for element in split_top_level(init[1:-1]):
                element_type, value = _leading_type(element)
                walk(element_type, value)
            return
        loose.update(names(init))

    walk(type_, init)
    return fields, loose


def constant_int_fields(definition: str, layout: Layout, wanted: set[str]) -> dict[str, set[int]]:
    """For a global's definition: the integer constants its initializer puts at the named-struct
    fields ``wanted`` (``struct+offset``), as the pass's ``global_int_fields``."""
    found: dict[str, set[int]] = defaultdict(set)
    match = re.search(r"\b(?:global|constant) ", definition)
    if not match:
        return found
    body = definition[match.end() :].split(", align ")[0].split(", section ")[0]

    def walk(type_: str, init: str) -> None:
        init = init.strip()
        if layout.elements(type_) is not None and (init.startswith("{") or init.startswith("<{")):
            key = _struct_key(type_) if type_.startswith("%") else ""
            offsets = layout.offsets(type_) or []
            inner = init[2:-2] if init.startswith("<{") else init[1:-1]
            for offset, element in zip(offsets, split_top_level(inner), strict=False):
                element_type, value = _leading_type(element)
                number = int(value) if INT.fullmatch(value) else {"true": -1, "false": 0}.get(value)
                if re.fullmatch(r"i\d+", element_type) and number is not None:
                    if key and f"{key}+{offset}" in wanted:
                        found[f"{key}+{offset}"].add(number)
                else:
                    walk(element_type, value)
            return
        if re.fullmatch(r"\[(\d+) x (.*)\]", type_) and init.startswith("["):
            for element in split_top_level(init[1:-1]):
                walk(*_leading_type(element))

    walk(*_leading_type(body))
    return found

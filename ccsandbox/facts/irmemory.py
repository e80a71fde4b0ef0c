"""Syscall numbers that travel through memory, read from printed IR: the reference extractor's
copy of the pass's lib/NumberFields.cpp (keep the two in step).

A site's number loaded from a struct field (``"@ctx+12"``: struct-path TBAA, innermost struct)
is resolved from what is written there: integer stores tagged with the field, the constants
initializers put there, and every write into the bytes of an object of that struct type (an
``alloca`` or a global): the SLP vectorizer merges an initialisation's field stores into one
``store <4 x i32>`` tagged as a plain int. A write whose value there cannot be told (a memcpy,
a non-constant vector, a pointer into the object at an unknown offset) is an unknown value.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from .irtext import (
    DEF,
    INT,
    Layout,
    MetadataTable,
    _leading_type,
    _struct_key,
    callee_of_call,
    constant_int_fields,
    split_top_level,
)

__all__ = ["NumberStores", "gep_offset", "loaded_field", "number_field_stores", "store_size"]

#: What a value is, as the extractor's value facts (function, its definitions, value, into).
ValueFacts = Callable[[str, dict[str, str], str, set[Any]], None]
#: The same within one function (its definitions, value, into).
LocalFacts = Callable[[dict[str, str], str, set[Any]], None]
_GEP = re.compile(r"^getelementptr (?:(?:inbounds|nuw|nusw|inrange\(\S+\)) )*")
_CONST_GEP = re.compile(r"^getelementptr (?:(?:inbounds|nuw|nusw|inrange\(\S+\)) )*\((.*)\)$")
_FILL = ("memset", "llvm.memset")
#: linkages whose initializer another definition may replace (no definitive initializer)
_INTERPOSABLE = re.compile(
    r"\b(external|extern_weak|available_externally|weak|weak_odr|linkonce|linkonce_odr|common)\b"
)
_COPY = ("memcpy", "memmove", "llvm.memcpy", "llvm.memmove")

#: what a pointer points into: (the object's struct type, the object, the constant offset or None
#: when the offset is not known); an object is "%name" (an alloca of the function) or "@name"
Place = tuple[str, str, int | None]


def loaded_field(instr: str, metadata: MetadataTable) -> str:
    """The ``struct+offset`` a non-volatile integer load reads, or ""."""
    return metadata.tbaa_field(instr) if re.match(r"load (atomic )?i\d+, ", instr) else ""


def store_size(type_: str, layout: Layout) -> int:
    """Bytes a store of ``type_`` writes (as DataLayout::getTypeStoreSize)."""
    if re.fullmatch(r"i\d+", type_):
        return (int(type_[1:]) + 7) // 8
    vector = re.fullmatch(r"<(\d+) x (.*)>", type_)
    if vector:
        return int(vector[1]) * store_size(vector[2], layout)
    return layout.size_align(type_)[0]


def _sext(value: int, nbytes: int) -> int:
    bits = 8 * nbytes
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def constant_bytes(type_: str, text: str, offset: int, nbytes: int, layout: Layout) -> int | None:
    """The value ``nbytes`` bytes at ``offset`` of a constant hold (little-endian), if known."""
    text = text.strip()
    if text in ("zeroinitializer", "null") or re.fullmatch(r"0\.0+e\+00", text):
        return 0
    if re.fullmatch(r"i\d+", type_) and INT.fullmatch(text):
        size = store_size(type_, layout)
        if offset + nbytes > size or int(type_[1:]) > 64:
            return None
        return _sext((int(text) & ((1 << (8 * size)) - 1)) >> (8 * offset), nbytes)
    parsed = layout.elements(type_)
    if parsed is not None and text[:1] in "{<" and (text.startswith("{") or text.startswith("<{")):
        offsets = layout.offsets(type_) or []
        items = split_top_level(text[2:-2] if text.startswith("<{") else text[1:-1])
        if not items or offset >= layout.size_align(type_)[0]:
            return None
        index = max(i for i, at in enumerate(offsets) if at <= offset)
        item_type, item = _leading_type(items[index])
        at = offset - offsets[index]
        if at + nbytes > store_size(item_type, layout):
            return None
        return constant_bytes(item_type, item, at, nbytes, layout)
    sequence = re.fullmatch(r"[<\[](\d+) x (.*)[>\]]", type_)
    if sequence and text[:1] in "<[" and not text.startswith("<{"):
        element = sequence[2]
        width = store_size(element, layout) if type_.startswith("<") else layout.size_align(element)[0]
        items = split_top_level(text.lstrip("c")[1:-1])
        if not width or offset // width != (offset + nbytes - 1) // width or offset // width >= len(items):
            return None
        item_type, item = _leading_type(items[offset // width])
        return constant_bytes(item_type, item, offset % width, nbytes, layout)
    return None


def int_member_at(type_: str, offset: int, nbytes: int, layout: Layout) -> bool:
    """Does ``type_`` hold an integer of ``nbytes`` bytes exactly at ``offset``? (Struct types that
    share a name, "ctx" in several musl files, are told apart by their layout.)"""
    parsed = layout.elements(type_)
    if parsed is not None:
        offsets = layout.offsets(type_) or []
        if not parsed[0] or offset >= layout.size_align(type_)[0]:
            return False
        index = max(i for i, at in enumerate(offsets) if at <= offset)
        return int_member_at(parsed[0][index].strip(), offset - offsets[index], nbytes, layout)
    array = re.fullmatch(r"\[(\d+) x (.*)\]", type_)
    if array:
        size = layout.size_align(array[2])[0]
        return bool(size) and int_member_at(array[2], offset % size, nbytes, layout)
    return bool(re.fullmatch(r"i\d+", type_)) and offset == 0 and store_size(type_, layout) == nbytes


def gep_offset(layout: Layout, type_: str, indices: list[str]) -> int | None:
    """The byte offset of a getelementptr over ``type_`` with constant ``indices``, or None."""
    if not indices or not all(INT.fullmatch(i) for i in indices):
        return None
    total = int(indices[0]) * layout.size_align(type_)[0]
    for index in map(int, indices[1:]):
        parsed = layout.elements(type_)
        if parsed is not None:
            total += (layout.offsets(type_) or [])[index]
            type_ = parsed[0][index].strip()
            continue
        sequence = re.fullmatch(r"[<\[](\d+) x (.*)[>\]]", type_)
        if sequence is None:
            return None
        type_ = sequence[2]
        total += index * layout.size_align(type_)[0]
    return total


class NumberStores:
    """The writes into the number fields ``wanted`` of every object of their struct types."""

    def __init__(self, layout: Layout, globals_: dict[str, str], wanted: set[str], width: dict[str, int]) -> None:
        self.layout, self.wanted, self.width = layout, wanted, width
        self.keys = {f.rsplit("+", 1)[0] for f in wanted}
        self.global_types: dict[str, str] = {}
        self.constants: dict[str, tuple[str, str]] = {}  # constant global -> (type, initializer)
        for name, definition in globals_.items():
            head = re.search(r"\bconstant ", definition)
            if head and not _INTERPOSABLE.search(definition[: head.start()]):
                body = definition[head.end() :].split(", align ")[0].split(", section ")[0]
                self.constants[name] = _leading_type(body)
        for name, definition in globals_.items():
            match = re.search(r"\b(?:global|constant) (%[-\w.$\"]+)", definition)
            if match and _struct_key(match[1]) in self.keys:
                self.global_types[name] = match[1]

    def _fields(self, type_: str) -> list[tuple[str, int, int]]:
        key = _struct_key(type_)
        out = []
        for field in sorted(self.wanted):
            name, _, at = field.rpartition("+")
            nbytes = self.width.get(field, 4)
            if name == key and int_member_at(type_, int(at), nbytes, self.layout):
                out.append((field, int(at), nbytes))
        return out

    def place(self, value: str, defs: dict[str, str], depth: int = 0) -> Place | None:
        """The object of a number field's struct type that a pointer points into, or None."""
        value = value.strip()
        if depth > 32:
            return None
        if value.startswith("@"):
            type_ = self.global_types.get(value[1:])
            return (type_, value, 0) if type_ else None
        const = _CONST_GEP.match(value)
        if const:
            return self._gep(split_top_level(const[1]), defs, depth)
        instr = defs.get(value, "")
        if instr.startswith("alloca "):
            type_ = _leading_type(instr[len("alloca ") :])[0].rstrip(",")
            return (type_, value, 0) if _struct_key(type_) in self.keys else None
        if instr.startswith("getelementptr "):
            return self._gep(split_top_level(_GEP.sub("", instr)), defs, depth)
        if instr.startswith(("bitcast ", "addrspacecast ")):
            return self.place(instr.split(" to ")[0].split()[-1], defs, depth + 1)
        return None

    def _gep(self, parts: list[str], defs: dict[str, str], depth: int) -> Place | None:
        base = self.place(parts[1].split()[-1], defs, depth + 1) if len(parts) >= 2 else None
        if base is None or base[2] is None:
            return base
        offset = gep_offset(self.layout, parts[0].strip(), [p.split()[-1] for p in parts[2:]])
        return base[0], base[1], None if offset is None else base[2] + offset

    def writes(self, body: list[str], defs: dict[str, str], value_facts: LocalFacts) -> set[tuple[str, Any]]:
        """(field, value) for every write of one function into a number field of an object:
        stores and memset/memcpy into it, and pointers into it at an offset not known."""
        out: set[tuple[str, Any]] = set()
        for line in body:
            match = DEF.match(line)
            instr = match[2] if match else line.strip()
            if instr.startswith("store "):
                parts = split_top_level(re.sub(r"^store (atomic )?(volatile )?", "", instr))
                found = self.place(parts[1].split()[-1], defs) if len(parts) > 1 else None
                if found is not None:
                    out |= self._store(found, *_leading_type(parts[0]), defs, value_facts)
            elif match and instr.startswith("getelementptr "):  # into an object at an offset not known
                found = self.place(match[1], defs)
                if found is not None and found[2] is None:
                    out |= {(field, "?pointer") for field, _, _ in self._fields(found[0])}
            elif match and instr.startswith(("phi ", "select ")):  # a pointer into an object merged
                for operand in dict.fromkeys(re.findall(r"%[-\w.$]+|@[-\w.$]+", instr)):
                    if (hit := self.place(operand, defs)) is not None and hit[2] is not None:
                        out |= {(field, "?pointer") for field, _, _ in self._fields(hit[0])}
            elif (callee := callee_of_call(instr)) and callee.startswith("@"):
                out |= self._fill_or_copy(instr, callee[1:], defs)
        return out

    def _store(
        self,
        found: Place,
        stored_type: str,
        stored: str,
        defs: dict[str, str],
        value_facts: LocalFacts,
    ) -> set[tuple[str, Any]]:
        type_, _, at = found
        out: set[tuple[str, Any]] = set()
        size = store_size(stored_type, self.layout)
        for field, offset, nbytes in self._fields(type_):
            if at is None:
                out.add((field, "?pointer"))
                continue
            if at + size <= offset or offset + nbytes <= at:
                continue
            if at == offset and size == nbytes and re.fullmatch(r"i\d+", stored_type):
                values: set[Any] = set()
                value_facts(defs, stored, values)
                out |= {(field, v) for v in values}
                continue
            known = None
            if at <= offset and offset + nbytes <= at + size:
                known = constant_bytes(stored_type, stored, offset - at, nbytes, self.layout)
            out.add((field, known if known is not None else "?store"))
        return out

    def _copied(self, source: str, offset: int, nbytes: int) -> int | None:
        """The number at ``offset`` of a copy's source, when that is a constant global."""
        found = _constant_offset(source, self.layout)
        if found is None or found[0] not in self.constants or found[1] < 0:
            return None
        type_, init = self.constants[found[0]]
        return constant_bytes(type_, init, found[1] + offset, nbytes, self.layout)

    def _fill_or_copy(self, instr: str, name: str, defs: dict[str, str]) -> set[tuple[str, Any]]:
        fill, copy = name.startswith(_FILL), name.startswith(_COPY)
        if not (fill or copy):
            return set()
        args = split_top_level(instr[instr.index("(", instr.index("@" + name)) + 1 : instr.rindex(")")])
        if len(args) < 3:
            return set()
        found = self.place(args[0].split()[-1], defs)
        if found is None:
            return set()
        type_, _, at = found
        length = args[2].split()[-1]
        byte = args[1].split()[-1] if fill else ""
        out: set[tuple[str, Any]] = set()
        for field, offset, nbytes in self._fields(type_):
            if at is None:
                out.add((field, "?pointer"))
                continue
            if INT.fullmatch(length) and (at + int(length) <= offset or offset + nbytes <= at):
                continue
            copied = self._copied(args[1].split()[-1], offset - at, nbytes) if copy and INT.fullmatch(length) else None
            if copied is not None and at <= offset <= at + int(length) - nbytes:
                out.add((field, copied))  # from a constant: clang initialises a local struct so
            elif fill and INT.fullmatch(byte) and INT.fullmatch(length) and at <= offset <= at + int(length) - nbytes:
                value = sum((int(byte) & 0xFF) << (8 * k) for k in range(nbytes))
                out.add((field, _sext(value, nbytes)))
            else:
                out.add((field, "?memset" if fill else "?memcpy"))
        return out


def _constant_offset(value: str, layout: Layout) -> tuple[str, int] | None:
    """(global, byte offset) of a constant pointer: ``@g`` or a constant GEP of one."""
    value = value.strip()
    if value.startswith("@"):
        return value[1:], 0
    const = _CONST_GEP.match(value)
    if not const:
        return None
    parts = split_top_level(const[1])
    base = _constant_offset(parts[1].split()[-1], layout) if len(parts) >= 2 else None
    if base is None:
        return None
    offset = gep_offset(layout, parts[0].strip(), [p.split()[-1] for p in parts[2:]])
    return None if offset is None else (base[0], base[1] + offset)


def field_widths(bodies: Iterable[list[str]], metadata: MetadataTable, fields: set[str]) -> dict[str, int]:
    """Bytes of each number field, from the widest integer load that reads it."""
    width: dict[str, int] = defaultdict(int)
    for body in bodies:
        for line in body:
            match = DEF.match(line)
            if match and match[2].startswith("load"):
                field = loaded_field(match[2], metadata)
                if field in fields:
                    bits = int(re.match(r"load (?:atomic )?i(\d+)", match[2])[1])  # type: ignore[index]
                    width[field] = max(width[field], (bits + 7) // 8)
    return dict(width)


def _tagged_stores(
    body: list[str],
    defs: dict[str, str],
    metadata: MetadataTable,
    fields: set[str],
    value_facts: LocalFacts,
) -> set[tuple[str, Any]]:
    """(field, value) for the integer stores of one function tagged with one of ``fields``."""
    out: set[tuple[str, Any]] = set()
    for line in body:
        instr = line.strip()
        if not re.match(r"store (atomic )?(volatile )?i\d+ ", instr):
            continue
        field = metadata.tbaa_field(instr)
        if field in fields:
            values: set[Any] = set()
            value_facts(
                defs, split_top_level(re.sub(r"^store (atomic )?(volatile )?", "", instr))[0].split()[-1], values
            )
            out |= {(field, v) for v in values}
    return out


def number_field_stores(
    bodies: dict[str, list[str]],
    loaded: set[str],
    globals_: dict[str, str],
    layout: Layout,
    metadata: MetadataTable,
    value_facts: ValueFacts,
) -> tuple[dict[str, set[tuple[str, Any]]], dict[str, list[int]]]:
    """What is written into the fields syscall numbers are ``loaded`` from, and transitively into
    the fields those writes load from: per defined function (``bodies``) its (field, value)
    writes, and the constants initializers put there (``global_int_fields``)."""
    defs = {name: {m[1]: m[2] for m in map(DEF.match, body) if m} for name, body in bodies.items()}
    stores: dict[str, set[tuple[str, Any]]] = defaultdict(set)
    initial: dict[str, set[int]] = defaultdict(set)
    done: set[str] = set()
    wanted = set(loaded)
    while wanted:
        round_, wanted = wanted, set()
        done |= round_
        for definition in (d for g, d in globals_.items() if not g.startswith("llvm.")):
            for key, numbers in constant_int_fields(definition, layout, round_).items():
                initial[key] |= numbers
        objects = NumberStores(layout, globals_, round_, field_widths(bodies.values(), metadata, round_))
        for name, body in bodies.items():
            facts = lambda d, v, out, name=name: value_facts(name, d, v, out)  # noqa: E731
            found = _tagged_stores(body, defs[name], metadata, round_, facts) | objects.writes(body, defs[name], facts)
            stores[name] |= found
            wanted |= {v[1:] for _, v in found if isinstance(v, str) and v.startswith("@") and v[1:] not in done}
    return stores, {k: sorted(v) for k, v in sorted(initial.items())}

"""The versioned ``cc-sandbox-facts`` format (passes/FORMAT.md) as typed, immutable data.

:func:`parse_facts` is pure (JSON object in, :class:`Facts` out); :func:`read_facts` reads a
file. Unknown keys are ignored within a major version; another major version is refused with a
message naming the versions this cc-sandbox reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FactsFormatError

FORMAT = "cc-sandbox-facts"
SUPPORTED_VERSIONS = (1,)

#: A value as the pass saw it: a constant (int), the caller's N-th parameter ("p<N>"), or
#: unknown ("?<reason>").
Value = int | str

__all__ = [
    "FORMAT",
    "CallSite",
    "Facts",
    "FunctionFacts",
    "IndirectSite",
    "canonical_facts",
    "parse_facts",
    "read_facts",
]


@dataclass(frozen=True)
class CallSite:
    callee: str
    args: tuple[tuple[int, Value], ...] = ()  # integer arguments that are constants or params


@dataclass(frozen=True)
class IndirectSite:
    type: str  # LLVM function type of the call, e.g. "i32 (ptr, i64)"
    field: str | None = None  # "struct+offset" the pointer was loaded from (struct-path TBAA)


@dataclass(frozen=True)
class FunctionFacts:
    name: str
    linkage: str
    type: str
    declaration: bool = False
    address_taken: str | None = None  # None, "fields" (only stored to struct fields) or "any"
    calls: tuple[CallSite, ...] = ()
    indirect_calls: tuple[IndirectSite, ...] = ()
    syscalls: tuple[Value, ...] = ()
    refs: tuple[str, ...] = ()
    field_stores: tuple[tuple[str, str], ...] = ()  # (field, function or "?")
    passed_to: tuple[tuple[str, int], ...] = ()  # (callee, argument index) receiving its address
    #: syscall sites with their arguments: {"nr": value, "args": {"i": atom or [atoms]}} (additive)
    syscall_args: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Facts:
    version: int
    producer: str
    triple: str
    functions: dict[str, FunctionFacts]
    ctors: tuple[str, ...] = ()
    dtors: tuple[str, ...] = ()
    module_asm_refs: tuple[str, ...] = ()
    global_refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    global_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _value(raw: Any, where: str) -> Value:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise FactsFormatError(f"{where}: a value must be an integer or a string, not {raw!r}")
    return raw


def _syscall_args(raw: Any, where: str) -> list[dict[str, Any]]:
    out = []
    for entry in raw:
        _value(entry["nr"], where)
        for atoms in entry.get("args", {}).values():
            for atom in atoms if isinstance(atoms, list) else [atoms]:
                _value(atom, where)
        out.append({"nr": entry["nr"], "args": dict(entry.get("args", {}))})
    return out


def _function(raw: dict[str, Any]) -> FunctionFacts:
    name = raw["name"]
    return FunctionFacts(
        name=name,
        linkage=raw["linkage"],
        type=raw["type"],
        declaration=bool(raw.get("declaration", False)),
        address_taken=raw.get("address_taken"),
        calls=tuple(
            CallSite(c["callee"], tuple(sorted((int(k), _value(v, name)) for k, v in c.get("args", {}).items())))
            for c in raw.get("calls", [])
        ),
        indirect_calls=tuple(IndirectSite(i["type"], i.get("field")) for i in raw.get("indirect_calls", [])),
        syscalls=tuple(_value(v, name) for v in raw.get("syscalls", [])),
        refs=tuple(raw.get("refs", [])),
        field_stores=tuple((f, v) for f, v in raw.get("field_stores", [])),
        passed_to=tuple((c, int(i)) for c, i in raw.get("passed_to", [])),
        syscall_args=tuple(_syscall_args(raw.get("syscall_args", []), name)),
    )


def parse_facts(obj: Any, source: str = "facts") -> Facts:
    """Validate and convert a decoded facts document.

    Raises
    ------
    FactsFormatError
        naming ``source``, for another format, an unsupported version, or a malformed entry.
    """
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise FactsFormatError(f"{source} is not a cc-sandbox facts file")
    version = obj.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise FactsFormatError(
            f"{source} has facts format version {version}; this cc-sandbox reads version(s) "
            f"{', '.join(map(str, SUPPORTED_VERSIONS))}: regenerate it with this cc-sandbox"
        )
    try:
        functions = {f["name"]: _function(f) for f in obj["functions"]}
        return Facts(
            version=version,
            producer=str(obj.get("producer", "")),
            triple=str(obj.get("triple", "")),
            functions=functions,
            ctors=tuple(obj.get("ctors", [])),
            dtors=tuple(obj.get("dtors", [])),
            module_asm_refs=tuple(obj.get("module_asm_refs", [])),
            global_refs={k: tuple(v) for k, v in obj.get("global_refs", {}).items()},
            global_fields={k: tuple(v) for k, v in obj.get("global_fields", {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise FactsFormatError(f"{source} is malformed: {type(err).__name__} {err}") from None


def read_facts(path: Path) -> Facts:
    """Read and parse a facts file."""
    try:
        obj = json.loads(path.read_text())
    except FileNotFoundError:
        raise FactsFormatError(f"{path}: no such facts file") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise FactsFormatError(f"{path} is not JSON: not a cc-sandbox facts file") from None
    return parse_facts(obj, str(path))


def canonical_facts(obj: dict[str, Any]) -> dict[str, Any]:
    """A facts document with every list in a canonical order and the producer dropped, so that
    two extractors' outputs compare equal exactly when they state the same facts."""

    def ordered(items: list[Any]) -> list[Any]:
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))

    functions = {}
    for fn in obj["functions"]:
        functions[fn["name"]] = {k: ordered(v) if isinstance(v, list) else v for k, v in fn.items()}
    rest = {k: v for k, v in obj.items() if k not in ("functions", "producer")}
    return {**rest, "functions": functions}

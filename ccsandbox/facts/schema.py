"""The versioned ``cc-sandbox-facts`` format (passes/FORMAT.md) as typed, immutable data.

:func:`parse_facts` is pure (JSON object in, :class:`Facts` out); :func:`read_facts` reads a
file. Unknown keys are ignored within a major version; another major version is refused with a
message naming the versions this cc-sandbox reads.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import FactsFormatError, FactsVersionError

FORMAT = "cc-sandbox-facts"
SUPPORTED_VERSIONS = (2,)

#: A value as the pass saw it: a constant (int), the caller's N-th parameter ("p<N>"), an
#: integer loaded from a struct field ("@struct+offset"; syscall numbers only), or unknown
#: ("?<reason>").
Value = int | str

__all__ = [
    "FORMAT",
    "CallSite",
    "Facts",
    "FunctionFacts",
    "IndirectSite",
    "Site",
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


class Site(NamedTuple):
    """One call, indirect call or syscall site, in block and instruction order (version 2).

    ``kind`` is ``"c"`` (``refs`` index the function's ``calls``: a choice of constants at an
    argument gives one call each, all to the same callee), ``"i"`` (its
    ``indirect_calls``) or ``"s"`` (``refs`` index its ``syscalls``: phi/select give several).
    ``inlined`` names the source functions LTO inlined the site out of, innermost first.
    A named tuple rather than a dataclass: redis has ~30k sites, and loading must stay fast.
    """

    block: int
    kind: str
    refs: tuple[int, ...]
    inlined: tuple[str, ...] = ()


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
    #: integer stores into the fields syscall numbers are loaded from: (field, value stored)
    int_field_stores: tuple[tuple[str, Value], ...] = ()
    #: syscall sites with their arguments: {"nr": value, "args": {"i": atom or [atoms]}} (additive)
    syscall_args: tuple[dict[str, Any], ...] = ()
    #: (exec family member or "syscall", its path argument: "=STRING", "poison", "argv",
    #: "environment", "variable", or None for no path); see facts/irexec.py (additive)
    exec_calls: tuple[tuple[str, str | None], ...] = ()
    order: Order = field(default_factory=lambda: Order({}, []), compare=False, repr=False)

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        """Successors of each basic block (0 is the entry)."""
        return self.order.blocks

    @property
    def sites(self) -> tuple[Site, ...]:
        """Sites in block and instruction order."""
        return self.order.sites

    @property
    def block_inlined(self) -> dict[int, tuple[tuple[tuple[str, ...], int], ...]]:
        """Block -> (inlined-at chain, index of the first site not before the chain's code)."""
        return self.order.block_inlined

    @property
    def enosys_blocks(self) -> dict[int, tuple[tuple[int, ...], ...]]:
        """Block -> guards: each the sites one of whose -ENOSYS result every path to it saw."""
        return self.order.enosys_blocks

    def without_sites(self, dead: frozenset[int]) -> FunctionFacts:
        """These facts with the sites ``dead`` removed, and every call, indirect call and syscall
        fact that only they gave. Used to drop fallback code that cannot run (facts stay in the
        format: indexes are renumbered, ``enosys_blocks`` is dropped with the sites it named).
        ``refs`` and ``field_stores`` are kept: removing them would only ever be less safe."""
        raw = self.order._raw
        sites = raw.get("sites", [])
        keep = [n for n in range(len(sites)) if n not in dead]
        lists = {"c": "calls", "i": "indirect_calls", "s": "syscalls"}
        live: dict[str, list[int]] = {
            k: sorted({r for n in keep if sites[n][1] == k for r in sites[n][2:]}) for k in lists
        }
        renumber = {k: {old: new for new, old in enumerate(live[k])} for k in lists}
        out = {key: value for key, value in raw.items() if key != "enosys_blocks"}
        for kind, key in lists.items():
            out[key] = [raw[key][n] for n in live[kind]] if key in raw else []
        out["sites"] = [[sites[n][0], sites[n][1], *(renumber[sites[n][1]][r] for r in sites[n][2:])] for n in keep]
        position = {old: new for new, old in enumerate(keep)}
        out["inlined"] = {str(position[int(n)]): c for n, c in raw.get("inlined", {}).items() if int(n) in position}
        out["block_inlined"] = {
            b: [[chain, bisect.bisect_left(keep, first)] for chain, first in starts]
            for b, starts in raw.get("block_inlined", {}).items()
        }
        values = set(map(json.dumps, out["syscalls"]))
        out["syscall_args"] = [
            e for e in raw.get("syscall_args", []) if not isinstance(e["nr"], int) or json.dumps(e["nr"]) in values
        ]
        return _function(out, self.order._chains)


class Order:
    """A function's order facts (version 2), decoded on first use: only the phase analysis
    needs them, and decoding redis' ~30k sites and ~70k blocks would double every load."""

    def __init__(self, raw: dict[str, Any], chains: list[tuple[str, ...]]) -> None:
        self._raw = raw
        self._chains = chains

    def _malformed(self, err: Exception) -> FactsFormatError:
        return FactsFormatError(f"the order facts of {self._raw.get('name')} are malformed: {type(err).__name__} {err}")

    @cached_property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        try:
            return tuple(map(tuple, self._raw.get("blocks", ())))
        except TypeError as err:
            raise self._malformed(err) from None

    @cached_property
    def sites(self) -> tuple[Site, ...]:
        try:
            return _sites(self._raw, self._chains)
        except (IndexError, TypeError, ValueError) as err:
            raise self._malformed(err) from None

    @cached_property
    def enosys_blocks(self) -> dict[int, tuple[tuple[int, ...], ...]]:
        try:
            count = len(self._raw.get("sites", ()))
            out = {
                int(b): tuple(tuple(int(s) for s in guard) for guard in guards)
                for b, guards in self._raw.get("enosys_blocks", {}).items()
            }
        except (TypeError, ValueError) as err:
            raise self._malformed(err) from None
        if any(not 0 <= s < count for guards in out.values() for guard in guards for s in guard):
            raise self._malformed(IndexError("an enosys_blocks guard names no site"))
        return out

    @cached_property
    def block_inlined(self) -> dict[int, tuple[tuple[tuple[str, ...], int], ...]]:
        try:
            return {
                int(b): tuple((self._chains[i], int(f)) for i, f in c)
                for b, c in self._raw.get("block_inlined", {}).items()
            }
        except (IndexError, TypeError, ValueError) as err:
            raise self._malformed(err) from None


@dataclass(frozen=True)
class Facts:
    version: int
    producer: str
    triple: str
    functions: dict[str, FunctionFacts]
    ctors: tuple[str, ...] = ()
    dtors: tuple[str, ...] = ()
    module_asm_refs: tuple[str, ...] = ()
    module_asm_syscalls: tuple[Value, ...] = ()  # sites in file-scope asm under no function label
    module_asm_calls_pointers: bool = False  # file-scope asm calls through a pointer
    global_refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    global_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: number field -> the integer constants initializers put there (additive)
    global_int_fields: dict[str, tuple[int, ...]] = field(default_factory=dict)
    debug_info: bool = False  # the module has debug info: sites carry inlined-at chains
    exec_facts: bool = False  # the functions carry exec_calls (written since they exist)
    inlined_chains: tuple[tuple[str, ...], ...] = ()  # every inlined-at chain of the module


def _sites(raw: dict[str, Any], chains: list[tuple[str, ...]]) -> tuple[Site, ...]:
    inlined = raw.get("inlined", {})
    counts = (len(raw.get("calls", ())), len(raw.get("indirect_calls", ())), len(raw.get("syscalls", ())))
    sites = []
    for n, entry in enumerate(raw.get("sites", ())):
        kind, refs = entry[1], tuple(entry[2:])
        if not refs or min(refs) < 0 or max(refs) >= counts["cis".index(kind)]:  # non-ints: TypeError
            raise ValueError(f"site {n} of {raw['name']} refers to no {kind!r} fact")
        chain = inlined.get(str(n)) if inlined else None
        sites.append(Site(entry[0], kind, refs, chains[chain] if chain is not None else ()))
    return tuple(sites)


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


def _function(raw: dict[str, Any], chains: list[tuple[str, ...]]) -> FunctionFacts:
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
        int_field_stores=tuple((str(f), _value(v, name)) for f, v in raw.get("int_field_stores", [])),
        syscall_args=tuple(_syscall_args(raw.get("syscall_args", []), name)),
        exec_calls=tuple((str(c), None if p is None else str(p)) for c, p in raw.get("exec_calls", [])),
        order=Order(raw, chains),
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
        raise FactsVersionError(
            f"{source} has facts format version {version}; this cc-sandbox reads version(s) "
            f"{', '.join(map(str, SUPPORTED_VERSIONS))}: regenerate it with this cc-sandbox"
        )
    try:
        chains = [tuple(c) for c in obj.get("inlined_chains", ())]
        functions = {f["name"]: _function(f, chains) for f in obj["functions"]}
        return Facts(
            version=version,
            producer=str(obj.get("producer", "")),
            triple=str(obj.get("triple", "")),
            functions=functions,
            ctors=tuple(obj.get("ctors", [])),
            dtors=tuple(obj.get("dtors", [])),
            module_asm_refs=tuple(obj.get("module_asm_refs", [])),
            module_asm_syscalls=tuple(_value(v, "module asm") for v in obj.get("module_asm_syscalls", [])),
            module_asm_calls_pointers=bool(obj.get("module_asm_calls_pointers", False)),
            global_refs={k: tuple(v) for k, v in obj.get("global_refs", {}).items()},
            global_fields={k: tuple(v) for k, v in obj.get("global_fields", {}).items()},
            global_int_fields={k: tuple(int(x) for x in v) for k, v in obj.get("global_int_fields", {}).items()},
            debug_info=bool(obj.get("debug_info", False)),
            exec_facts=bool(obj.get("exec_facts", False)),
            inlined_chains=tuple(chains),
        )
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
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
        functions[fn["name"]] = {
            k: ordered(v) if isinstance(v, list) and k not in ("blocks", "sites") else v for k, v in fn.items()
        }
        if "sites" in fn:  # refer to facts by content, not by the index in a list whose order may differ
            lists = {"c": fn.get("calls", []), "i": fn.get("indirect_calls", []), "s": fn.get("syscalls", [])}
            functions[fn["name"]]["sites"] = [
                [block, kind, ordered([lists[kind][r] for r in refs])] for block, kind, *refs in fn["sites"]
            ]
    rest = {k: v for k, v in obj.items() if k not in ("functions", "producer")}
    return {**rest, "functions": functions}

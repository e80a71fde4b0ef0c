"""The reference extractor's facts of one function as the JSON the plugin writes (pure): the
copy of passes/lib/FactsWriter.cpp's function entries, with the same omissions (an empty list or
a false flag is left out). Lists built from sets are in no particular order: the two outputs are
compared after :func:`.schema.canonical_facts`.

Sites refer to the function's ``calls``, ``indirect_calls`` and ``syscalls`` lists by index, and
inlined-at chains to the module's ``inlined_chains`` table (:func:`chain_table`).
"""

from __future__ import annotations

import json
from typing import Any

from .irmodule import IRFunction

__all__ = ["chain_table", "function_json", "value_order"]


def value_order(value: Any) -> tuple[int, Any]:
    """The pass's order of values: constants, then parameters, then unknowns, then fields."""
    if isinstance(value, int):
        return (0, value)
    return (1, int(value[1:])) if value.startswith("p") else (3 if value.startswith("@") else 2, value)


def chain_table(functions: list[IRFunction]) -> dict[tuple[str, ...], int]:
    """Every inlined-at chain of the module, sorted, -> its index in ``inlined_chains``."""
    chains = {c for fn in functions for cs in fn.block_inlined.values() for c in cs}
    chains |= {site.inlined for fn in functions for site in fn.sites if site.inlined}
    return {chain: n for n, chain in enumerate(sorted(chains))}


def function_json(
    fn: IRFunction,
    taken: bool,
    untracked: bool,
    passed_to: set[tuple[str, int]],
    chains: dict[tuple[str, ...], int],
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": fn.name, "linkage": fn.linkage, "type": fn.type}
    if fn.declaration:
        out["declaration"] = True
    if taken:
        out["address_taken"] = "any" if untracked else "fields"
    if fn.calls:
        out["calls"] = [
            {"callee": c, **({"args": {str(i): v for i, v in args}} if args else {})} for c, args in fn.calls
        ]
    if fn.indirect:
        out["indirect_calls"] = [{"type": t, **({"field": f} if f else {})} for t, f in fn.indirect]
    if fn.syscalls:
        out["syscalls"] = list(fn.syscalls)
    if fn.syscall_args:
        out["syscall_args"] = [json.loads(entry) for entry in sorted(fn.syscall_args)]
    if fn.refs:
        out["refs"] = sorted(fn.refs)
    if passed_to:
        out["passed_to"] = [list(p) for p in sorted(passed_to)]
    if fn.field_stores:
        out["field_stores"] = [list(p) for p in sorted(fn.field_stores)]
    if fn.exec_calls:
        out["exec_calls"] = [list(p) for p in sorted(fn.exec_calls, key=lambda p: (p[0], p[1] or ""))]
    if fn.int_field_stores:
        ordered = sorted(fn.int_field_stores, key=lambda p: (p[0], value_order(p[1])))
        out["int_field_stores"] = [list(p) for p in ordered]
    if fn.blocks:
        out.update(_order_json(fn, out, chains))
    return out


def _order_json(fn: IRFunction, out: dict[str, Any], chains: dict[tuple[str, ...], int]) -> dict[str, Any]:
    """``blocks``, ``sites`` (referring to the lists in ``out`` by index) and ``inlined``."""
    calls = {
        (c["callee"], tuple((int(i), v) for i, v in c.get("args", {}).items())): n
        for n, c in enumerate(out.get("calls", []))
    }
    indirect = {(i["type"], i.get("field", "")): n for n, i in enumerate(out.get("indirect_calls", []))}
    values = {v: n for n, v in enumerate(out.get("syscalls", []))}
    sites: list[list[Any]] = []
    for site in fn.sites:
        if site.calls:
            sites.append([site.block, "c", *sorted(calls[c] for c in site.calls)])
        elif site.indirect is not None:
            sites.append([site.block, "i", indirect[site.indirect]])
        else:
            sites.append([site.block, "s", *sorted(values[v] for v in site.syscalls)])
    order: dict[str, Any] = {"blocks": fn.blocks}
    if fn.block_inlined:
        order["block_inlined"] = {
            str(b): sorted([chains[c], first] for c, first in fn.block_inlined[b].items())
            for b in sorted(fn.block_inlined)
        }
    if sites:
        order["sites"] = sites
    inlined = {str(n): chains[site.inlined] for n, site in enumerate(fn.sites) if site.inlined}
    if inlined:
        order["inlined"] = inlined
    if fn.enosys_blocks:
        order["enosys_blocks"] = {str(b): fn.enosys_blocks[b] for b in sorted(fn.enosys_blocks)}
    return order

"""What an integer value is, as far as the rules can tell without data flow (pure): the
reference extractor's copy of the pass's valueFacts, stripIntCasts and loadedField
(passes/lib/ValueFacts.cpp).

A value is a constant, the function's N-th parameter (``"pN"``), an integer loaded from a struct
field (``"@struct+offset"``, only where syscall numbers are read), or unknown with the opcode it
came from (``"?call"``, ``"?load"``, ...). ``phi`` and ``select`` give the values of their inputs,
up to four levels deep; integer casts are looked through.
"""

from __future__ import annotations

from typing import Any

from .irmemory import loaded_field
from .irtext import INT, PHI_INCOMING, MetadataTable, split_top_level

_INT_CASTS = ("zext", "sext", "trunc")

__all__ = ["field_of", "strip_casts", "value_facts"]


def strip_casts(defs: dict[str, str], value: str) -> str:
    """``value`` with its integer casts (zext, sext, trunc) looked through."""
    while value in defs and defs[value].split()[0] in _INT_CASTS:
        value = defs[value].split(" to ")[0].split()[-1]
    return value


def field_of(defs: dict[str, str], value: str, metadata: MetadataTable) -> str:
    """The ``struct+offset`` an integer (non-volatile) load reads, as the pass's loadedField."""
    return loaded_field(defs.get(strip_casts(defs, value), ""), metadata)


def value_facts(
    value: str,
    params: list[str],
    defs: dict[str, str],
    metadata: MetadataTable,
    out: set[Any],
    depth: int = 0,
    fields: bool = False,
) -> None:
    """Add to ``out`` what ``value`` can be, in a function with ``params`` and SSA ``defs``;
    with ``fields``, a load from a struct field is that field rather than an unknown."""
    value = strip_casts(defs, value)
    loaded = field_of(defs, value, metadata) if fields else ""
    if loaded:
        out.add("@" + loaded)
    elif INT.fullmatch(value):
        out.add(int(value))
    elif value in ("true", "false"):
        out.add(-1 if value == "true" else 0)
    elif value in params:
        out.add(f"p{params.index(value)}")
    elif value in defs and defs[value].startswith("phi ") and depth < 4:
        for incoming in PHI_INCOMING.findall(defs[value]):
            if incoming.strip() != value:
                value_facts(incoming.strip(), params, defs, metadata, out, depth + 1, fields)
    elif value in defs and defs[value].startswith("select ") and depth < 4:
        parts = split_top_level(defs[value][len("select ") :])
        for part in parts[1:3]:
            value_facts(part.split()[-1], params, defs, metadata, out, depth + 1, fields)
    elif value in defs:
        opcode = defs[value].split()[0]
        out.add("?" + ("call" if opcode in ("tail", "musttail", "notail") else opcode))
    elif value in ("poison", "undef"):
        out.add("?undef")
    else:
        out.add("?value")

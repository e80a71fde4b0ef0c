"""Reference facts extractor: llvmlite reads the bitcode, Python reads the printed IR.

It applies the same rules as the C++ pass (passes/lib/SyscallFacts.cpp) and must produce the
same facts; tests check that on every example and on sqlite3. It exists as the fallback when the
plugin cannot be built and as an independent oracle for the plugin. It is slow (seconds on large
modules), so llvmlite is used only to parse and print the module once: walking values through
llvmlite costs ~27 us per instruction and cannot see constants or global initializers.

The rules are split by fact kind, as the pass's are (in parentheses, the pass's file):
:mod:`.irmodule` (the printed module split per function), :mod:`.ircalls` (calls and sites in
order; SyscallFacts.cpp), :mod:`.irvalues` (what a value can be; ValueFacts.cpp), :mod:`.irasm`
(asm; AsmFacts.cpp, the text read by :mod:`.asmscan`), :mod:`.iraddress` (where function
addresses go; AddressFacts.cpp), :mod:`.irorder` (OrderFacts.cpp), :mod:`.irargs`
(ArgFacts.cpp), :mod:`.irfallback` (FallbackFacts.cpp), :mod:`.irmemory` (NumberFields.cpp) and
:mod:`.irwriter` (FactsWriter.cpp). This module runs them, each over the whole module, and
writes the module-wide entries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ModuleError
from .asmscan import asm_makes_calls
from .iraddress import field_stores
from .irasm import asm_refs, module_asm_syscalls
from .ircalls import Collector
from .irexec import exec_calls, string_constants
from .irmemory import number_field_stores
from .irmodule import IRModule
from .irvalues import value_facts
from .irwriter import chain_table, function_json, value_order
from .schema import FORMAT

FORMAT_VERSION = 2

#: llvmlite's Linkage enum names -> the names LLVM (and the plugin) use
LINKAGE_NAMES = {"linkonce_any": "linkonce", "weak_any": "weak", "external_weak": "extern_weak"}

__all__ = ["LINKAGE_NAMES", "extract_facts", "extract_facts_from_text"]


def extract_facts_from_text(text: str, functions: list[tuple[str, str, str, bool]]) -> dict[str, Any]:
    """Facts (as the JSON object the plugin writes) from printed IR and llvmlite's function list."""
    module = IRModule(text, functions)
    collector = Collector(module)
    for fn in module.functions.values():
        if not fn.declaration:
            collector.collect_function(fn)
    for fn in module.functions.values():
        field_stores(module, fn, collector.indirect_fields)
    addresses = collector.addresses
    addresses.collect_globals()
    global_int_fields = _number_fields(module)
    strings = string_constants(module.lines)
    for fn in module.functions.values():
        if not fn.declaration:
            fn.exec_calls = exec_calls(fn.name, fn.params, fn.body, strings)
    chains = chain_table(list(module.functions.values()))
    loose_asm_syscalls = module_asm_syscalls(module)
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "producer": "cc-sandbox llvmlite reference extractor",
        "triple": module.triple,
        "ctors": module.ctors("llvm.global_ctors"),
        "dtors": module.ctors("llvm.global_dtors"),
        "module_asm_refs": asm_refs(module, collector.inline_asm),
        **({"debug_info": True} if module.debug.has_debug_info else {}),
        **({"module_asm_calls_pointers": True} if asm_makes_calls("\n".join(module.module_asm), True) else {}),
        **({"module_asm_syscalls": sorted(loose_asm_syscalls, key=value_order)} if loose_asm_syscalls else {}),
        "global_refs": {k: sorted(v) for k, v in sorted(addresses.global_refs.items())},
        "global_fields": {k: sorted(v) for k, v in sorted(addresses.global_fields.items()) if v},
        **({"global_int_fields": global_int_fields} if global_int_fields else {}),
        **({"inlined_chains": [list(c) for c in chains]} if chains else {}),
        "exec_facts": True,
        "functions": [
            function_json(
                fn,
                fn.name in addresses.address_taken,
                fn.name in addresses.untracked,
                addresses.passed_to[fn.name],
                chains,
            )
            for fn in module.functions.values()
        ],
    }


def _number_fields(module: IRModule) -> dict[str, list[int]]:
    """What is written into the fields syscall numbers are loaded from (irmemory.py, as the
    pass's lib/NumberFields.cpp), added to each function; returns the constants initializers put
    there."""
    fns = module.functions
    loaded = {v[1:] for fn in fns.values() for v in fn.syscalls if isinstance(v, str) and v.startswith("@")}
    if not loaded:
        return {}
    bodies = {name: fn.body for name, fn in fns.items() if not fn.declaration}
    stores, initial = number_field_stores(
        bodies,
        loaded,
        module.globals,
        module.layout,
        module.metadata,
        lambda name, defs, value, out: value_facts(value, fns[name].params, defs, module.metadata, out, fields=True),
    )
    for name, found in stores.items():
        fns[name].int_field_stores |= found
    return initial


def extract_facts(module_path: Path, bitcode: bytes | None = None) -> dict[str, Any]:
    """Facts of the bitcode module at ``module_path`` (or of ``bitcode``, its bytes; the path then
    only names them in errors). A wrapped module (``ccsandbox.carried``) is read as LLVM reads it."""
    import llvmlite.binding as llvm

    try:
        # a fresh context: in a shared one, a second module's struct types get renamed
        # (struct.anon.2 -> struct.anon.2.5), which would change their field keys
        data = module_path.read_bytes() if bitcode is None else bitcode
        module = llvm.parse_bitcode(data, context=llvm.create_context())
    except RuntimeError as err:
        raise ModuleError(f"{module_path} is corrupt bitcode: {str(err).strip().splitlines()[0]}") from None
    functions = [
        (f.name, LINKAGE_NAMES.get(f.linkage.name, f.linkage.name), str(f.global_value_type), f.is_declaration)
        for f in module.functions
        if not f.name.startswith("llvm.")
    ]
    return extract_facts_from_text(str(module), functions)

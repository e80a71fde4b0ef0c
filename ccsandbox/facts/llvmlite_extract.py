"""Reference facts extractor: llvmlite reads the bitcode, Python reads the printed IR.

It applies the same rules as the C++ pass (passes/lib/SyscallFacts.cpp) and must produce the
same facts; tests check that on every example and on sqlite3. It exists as the fallback when the
plugin cannot be built and as an independent oracle for the plugin. It is slow (seconds on large
modules), so llvmlite is used only to parse and print the module once: walking values through
llvmlite costs ~27 us per instruction and cannot see constants or global initializers.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ModuleError
from .asmscan import RaxState, asm_makes_calls, constraint_operands, scan_asm
from .irargs import syscall_args_entries
from .irfallback import enosys_blocks
from .irmemory import loaded_field, number_field_stores
from .irorder import DebugLocations, split_blocks, successors
from .irtext import (
    DEF,
    GLOBAL_REF,
    PHI_INCOMING,
    Layout,
    MetadataTable,
    callee_of_call,
    constant_function_fields,
    parse_call,
    parse_params,
    split_top_level,
    unescape,
)

FORMAT_VERSION = 2
_ASM_PARTS = re.compile(
    r'\basm (?:sideeffect )?(?:alignstack )?(inteldialect )?(?:unwind )?"((?:[^"\\]|\\.)*)", "((?:[^"\\]|\\.)*)"\('
)
_FIXED_ADDRESS = re.compile(r"^(?:(?:tail|musttail|notail) )?call [^(]*?inttoptr \(i64 (-?\d+) to ptr\)\(")
#: The vsyscall page: the kernel emulates calls to these fixed addresses as these syscalls (and
#: checks them against seccomp under those numbers): gettimeofday, time, getcpu.
VSYSCALL_PAGE = {0xFFFFFFFFFF600000: 96, 0xFFFFFFFFFF600400: 201, 0xFFFFFFFFFF600800: 309}
MAX_COMBINATIONS = 16
_DEFINE_NAME = re.compile(GLOBAL_REF.pattern + r"\(")
_INT_CASTS = ("zext", "sext", "trunc")

#: llvmlite's Linkage enum names -> the names LLVM (and the plugin) use
LINKAGE_NAMES = {"linkonce_any": "linkonce", "weak_any": "weak", "external_weak": "extern_weak"}

__all__ = ["LINKAGE_NAMES", "extract_facts", "extract_facts_from_text"]


@dataclass
class _Function:
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
    sites: list[_Site] = field(default_factory=list)
    block_inlined: dict[int, dict[tuple[str, ...], int]] = field(default_factory=dict)  # -> first site
    enosys_blocks: dict[int, list[list[int]]] = field(default_factory=dict)  # block -> guards (sites)


@dataclass
class _Site:
    """One site in order: its block and what the instruction contributed (one kind only)."""

    block: int
    calls: frozenset[tuple[str, tuple[tuple[int, Any], ...]]] = frozenset()
    indirect: tuple[str, str] | None = None
    syscalls: frozenset[Any] = frozenset()
    inlined: tuple[str, ...] = ()


def _name(token: str) -> str:
    return unescape(token[1:-1]) if token.startswith('"') else token


class _Module:
    """The printed module, split into what the rules need."""

    def __init__(self, text: str, functions: list[tuple[str, str, str, bool]]) -> None:
        self.lines = text.splitlines()
        self.functions = {name: _Function(name, linkage, type_, decl) for name, linkage, type_, decl in functions}
        self.metadata = MetadataTable(self.lines)
        self.debug = DebugLocations(self.lines)
        self.layout = Layout(self.lines)
        self.globals: dict[str, str] = {}  # global variable -> its definition line
        self.aliases: dict[str, str] = {}  # alias -> aliasee
        self.module_asm: list[str] = []
        self.triple = ""
        self._split()

    def _split(self) -> None:
        current: _Function | None = None
        for line in self.lines:
            if current is not None:
                if line == "}":
                    current = None
                else:
                    current.body.append(line)
                continue
            if line.startswith("define "):
                header = _DEFINE_NAME.search(line)
                current = self.functions.get(_name(header[1])) if header else None
                if current is not None:
                    current.params = parse_params(line)
                continue
            if line.startswith("target triple = "):
                self.triple = line.split('"')[1]
            elif line.startswith("module asm "):
                self.module_asm.append(unescape(line[len('module asm "') : -1]))
            elif line.startswith("@"):
                name_token, _, rest = line.partition(" = ")
                name = _name(name_token[1:])
                if re.search(r"\balias\b", rest.split("(")[0]) and not re.search(
                    r"\b(global|constant)\b", rest.split("(")[0]
                ):
                    target = GLOBAL_REF.findall(rest)
                    if target:
                        self.aliases[name] = _name(target[-1])
                else:
                    self.globals[name] = rest

    def resolve(self, name: str) -> str:
        seen = set()
        while name in self.aliases and name not in seen:
            seen.add(name)
            name = self.aliases[name]
        return name


class _Collector:
    def __init__(self, module: _Module) -> None:
        self.m = module
        self.indirect_fields: set[str] = set()
        self.untracked: set[str] = set()
        self.address_taken: set[str] = set()
        self.global_refs: dict[str, set[str]] = defaultdict(set)
        self.global_fields: dict[str, set[str]] = defaultdict(set)
        self.passed_to: dict[str, set[tuple[str, int]]] = defaultdict(set)
        self.inline_asm: list[str] = []  # texts of every inline asm, for names they mention

    # -- values ---------------------------------------------------------------------------------
    def loaded_field(self, defs: dict[str, str], value: str) -> str:
        """The ``struct+offset`` an integer (non-volatile) load reads, as the pass's loadedField."""
        return loaded_field(defs.get(self._strip_casts(defs, value), ""), self.m.metadata)

    def value_facts(
        self, fn: _Function, defs: dict[str, str], value: str, out: set[Any], depth: int = 0, fields: bool = False
    ) -> None:
        value = self._strip_casts(defs, value)
        loaded = self.loaded_field(defs, value) if fields else ""
        if loaded:
            out.add("@" + loaded)
        elif re.fullmatch(r"-?\d+", value):
            out.add(int(value))
        elif value in ("true", "false"):
            out.add(-1 if value == "true" else 0)
        elif value in fn.params:
            out.add(f"p{fn.params.index(value)}")
        elif value in defs and defs[value].startswith("phi ") and depth < 4:
            for incoming in PHI_INCOMING.findall(defs[value]):
                if incoming.strip() != value:
                    self.value_facts(fn, defs, incoming.strip(), out, depth + 1, fields)
        elif value in defs and defs[value].startswith("select ") and depth < 4:
            parts = split_top_level(defs[value][len("select ") :])
            for part in parts[1:3]:
                self.value_facts(fn, defs, part.split()[-1], out, depth + 1, fields)
        elif value in defs:
            opcode = defs[value].split()[0]
            out.add("?" + ("call" if opcode in ("tail", "musttail", "notail") else opcode))
        elif value in ("poison", "undef"):
            out.add("?undef")
        else:
            out.add("?value")

    @staticmethod
    def _strip_casts(defs: dict[str, str], value: str) -> str:
        while value in defs and defs[value].split()[0] in _INT_CASTS:
            value = defs[value].split(" to ")[0].split()[-1]
        return value

    # -- functions ------------------------------------------------------------------------------
    def collect_function(self, fn: _Function) -> None:
        defs: dict[str, str] = {}
        for line in fn.body:
            match = DEF.match(line)
            if match:
                defs[match[1]] = match[2]
        blocks = split_blocks(fn.body)
        site_of: dict[str, int] = {}  # SSA name -> the site whose result it is
        for number, block in enumerate(blocks):
            for stripped in block.lines:
                if stripped.startswith("#dbg_"):
                    continue  # debug records (metadata, not uses)
                chain = self.m.debug.inlined_chain(stripped) if "!dbg " in stripped else []
                if chain:
                    fn.block_inlined.setdefault(number, {}).setdefault(tuple(chain), len(fn.sites))
                instr = stripped.split(" = ", 1)[1] if DEF.match("  " + stripped) else stripped
                callee = callee_of_call(instr)
                self._uses(fn, instr, callee)
                if callee is not None:
                    self._call(fn, defs, instr)
                    before = len(fn.sites)
                    self._site(fn, defs, instr, number)
                    self._passed(instr)
                    named = DEF.match("  " + stripped)
                    if named and len(fn.sites) > before:
                        site_of[named[1]] = before
        succ = successors(blocks)
        fn.block_inlined = _starts(fn.block_inlined, succ)
        if fn.sites or fn.block_inlined:
            fn.blocks = succ
        if site_of:
            strip = lambda v: self._strip_casts(defs, v)  # noqa: E731
            fn.enosys_blocks = enosys_blocks(blocks, succ, defs, strip, site_of, {s.block for s in fn.sites})

    def _site(self, fn: _Function, defs: dict[str, str], instr: str, block: int) -> None:
        """Record the call as a site in order, with what it alone contributes."""
        one = _Function(fn.name, fn.linkage, fn.type, fn.declaration, params=fn.params)
        self._call(one, defs, instr)
        site = _Site(block, inlined=tuple(self.m.debug.inlined_chain(instr)))
        if one.calls:
            site.calls = frozenset(one.calls)  # a choice of constants at an argument: several
        elif one.indirect:
            site.indirect = next(iter(one.indirect))
        elif one.syscalls:
            site.syscalls = frozenset(one.syscalls)
        else:
            return
        fn.sites.append(site)

    def _inline_asm(self, fn: _Function, defs: dict[str, str], instr: str, args: list[tuple[str, str]]) -> None:
        """Syscall sites of one inline asm call; the number operand is found by its constraint."""
        match = _ASM_PARTS.search(instr)
        if match is None:
            return
        text = unescape(match[2])
        self.inline_asm.append(text)
        if asm_makes_calls(text):
            fn.indirect.add(("void (...)", ""))
        arg_of, rax, tied = constraint_operands(unescape(match[3]))

        def value_of(k: int) -> int:
            return (arg_of[k] if arg_of[k] >= 0 else tied[k]) if k < len(arg_of) else -1

        bound = [k for k in range(len(rax)) if rax[k] and arg_of[k] >= 0]
        if len(bound) == 1:
            entry = RaxState("operand", bound[0])
        else:
            entry = RaxState(reason="asm-rax-operands" if bound else "asm-no-rax-operand")
        sites = scan_asm(text, True, entry, lambda k: k < len(rax) and rax[k])
        if any(not site.int80 for site in sites):
            strip = lambda v: self._strip_casts(defs, v)  # noqa: E731
            loaded = lambda v: self.loaded_field(defs, v)  # noqa: E731
            fn.syscall_args.update(syscall_args_entries(match[2], instr, args, defs, fn.params, strip, loaded))
        for site in sites:
            state = RaxState(reason="asm-intel-syntax") if match[1] else site.state
            if site.int80:
                fn.syscalls.add("?int80")
            elif state.kind == "const":
                fn.syscalls.add(state.value)
            elif state.kind == "operand" and 0 <= value_of(state.value) < len(args):
                self.value_facts(fn, defs, args[value_of(state.value)][1], fn.syscalls, fields=True)
            else:
                fn.syscalls.add("?" + ("asm-rax" if state.kind == "operand" else state.reason))

    def _call(self, fn: _Function, defs: dict[str, str], instr: str) -> None:
        fixed = _FIXED_ADDRESS.match(instr)
        if fixed is not None:  # a call to a fixed address, e.g. the vsyscall page
            nr = VSYSCALL_PAGE.get(int(fixed[1]) & (1 << 64) - 1)
            if nr is not None:
                fn.syscalls.add(nr)
            return
        call = parse_call(instr)
        if call.asm is not None:
            self._inline_asm(fn, defs, instr, call.args)
            return
        if call.callee.startswith("@"):
            target = self.m.resolve(_name(call.callee[1:]))
            if target.startswith("llvm.") or target not in self.m.functions:
                return
            # constants or parameters, through phi/select: one fact per combination (at most 16)
            expanded: list[tuple[tuple[int, int | str], ...]] = [()]
            combinations = 1
            for index, (type_, value) in enumerate(call.args):
                if not re.fullmatch(r"i\d+", type_):
                    continue
                values: set[Any] = set()
                self.value_facts(fn, defs, value, values)
                if not values or any(isinstance(v, str) and not v.startswith("p") for v in values):
                    continue
                if len(values) > 1 and combinations * len(values) > MAX_COMBINATIONS:
                    continue
                combinations *= len(values)
                expanded = [(*partial, (index, v)) for partial in expanded for v in values]
            for args in expanded:
                fn.calls.add((target, args))
            return
        field_ = ""
        loaded = defs.get(call.callee, "")
        if loaded.startswith("load "):
            field_ = self.m.metadata.tbaa_field(loaded)
            if field_:
                self.indirect_fields.add(field_)
        fn.indirect.add((call.function_type, field_))

    def _uses(self, fn: _Function, instr: str, callee: str | None) -> None:
        """Function names used as values (not as the called function) in this instruction."""
        skip_first = callee is not None and callee.startswith("@")
        text = re.sub(r"metadata ptr @[-\w.$]+", "", instr)  # metadata operands are not uses
        if skip_first and callee is not None:
            text = text.replace(callee + "(", "(", 1)
        for token in GLOBAL_REF.findall(text):
            target = self.m.resolve(_name(token))
            if target not in self.m.functions:
                continue
            self.address_taken.add(target)
            fn.refs.add(target)
            if not (
                instr.startswith("store ") and self._store_value_is(instr, token) and self.m.metadata.tbaa_field(instr)
            ):
                self.untracked.add(target)

    def _passed(self, instr: str) -> None:
        """Functions passed as call arguments, and to which callee and argument."""
        call = parse_call(instr)
        if call.callee == "asm":
            to = "asm"
        elif call.callee.startswith("@"):
            to = self.m.resolve(_name(call.callee[1:]))
            if to.startswith("llvm."):
                return
        else:
            to = "<indirect>"
        for index, text in enumerate(call.arg_texts):
            for token in GLOBAL_REF.findall(re.sub(r"metadata ptr @[-\w.$]+", "", text)):
                target = self.m.resolve(_name(token))
                if target in self.m.functions:
                    self.passed_to[target].add((to, index))

    @staticmethod
    def _store_value_is(instr: str, token: str) -> bool:
        parts = split_top_level(instr[len("store ") :].replace("volatile ", "", 1))
        return len(parts) >= 2 and parts[0].split()[-1] == "@" + token and instr.count("@" + token) == 1

    def field_stores(self, fn: _Function) -> None:
        for line in fn.body:
            instr = line.strip()
            if not instr.startswith("store ptr "):
                continue
            field_ = self.m.metadata.tbaa_field(instr)
            if not field_ or field_ not in self.indirect_fields:
                continue
            value = split_top_level(instr[len("store ") :])[0].split()[-1]
            if value == "null":
                continue
            name = self.m.resolve(_name(value[1:])) if value.startswith("@") else None
            fn.field_stores.add((field_, name if name in self.m.functions else "?"))

    def number_field_stores(self) -> dict[str, list[int]]:
        """What is written into the fields syscall numbers are loaded from (irmemory.py, as the
        pass's lib/NumberFields.cpp); returns the constants initializers put there."""
        fns = self.m.functions
        loaded = {v[1:] for fn in fns.values() for v in fn.syscalls if isinstance(v, str) and v.startswith("@")}
        if not loaded:
            return {}
        bodies = {name: fn.body for name, fn in fns.items() if not fn.declaration}
        stores, initial = number_field_stores(
            bodies,
            loaded,
            self.m.globals,
            self.m.layout,
            self.m.metadata,
            lambda name, defs, value, out: self.value_facts(fns[name], defs, value, out, fields=True),
        )
        for name, found in stores.items():
            fns[name].int_field_stores |= found
        return initial

    # -- globals --------------------------------------------------------------------------------
    def collect_globals(self) -> None:
        for gv, definition in self.m.globals.items():
            refs = {self.m.resolve(_name(t)) for t in GLOBAL_REF.findall(definition.split(", align")[0])}
            refs &= set(self.m.functions)
            if not refs:
                continue
            self.address_taken |= refs
            self.global_refs[gv] |= refs
            if gv.startswith("llvm."):
                self.untracked |= refs
                continue
            fields, loose = constant_function_fields(definition, self.m.layout, self.m.resolve)
            for key, names in fields.items():
                self.global_fields[key] |= names & set(self.m.functions)
            self.untracked |= loose & set(self.m.functions)

    def ctors(self, name: str) -> list[str]:
        definition = self.m.globals.get(name, "")
        found = re.findall(r"\{ i32 -?\d+, ptr @([-\w.$]+|\"[^\"]*\")", definition)
        return [self.m.resolve(_name(f)) for f in found]

    def module_asm_syscalls(self) -> set[Any]:
        """Syscall sites in file-scope asm: added to the function label they follow, and returned
        when they follow none."""
        loose: set[Any] = set()
        text = "\n".join(self.m.module_asm)
        for site in scan_asm(text, False, RaxState(), labels=set(self.m.functions)):
            state = site.state
            value: Any = "?int80" if site.int80 else state.value if state.kind == "const" else "?" + state.reason
            if site.function:
                self.m.functions[site.function].syscalls.add(value)
            else:
                loose.add(value)
        return loose

    def module_asm_refs(self) -> list[str]:
        tokens: set[str] = set()
        for line in "\n".join([*self.m.module_asm, *self.inline_asm]).split("\n"):
            for statement in line.split(";"):
                statement = statement.split("#")[0].strip()
                if statement.endswith(":"):
                    continue
                if " " in statement:
                    operands = statement.split(" ", 1)[1]
                elif "\t" in statement:
                    operands = statement.split("\t", 1)[1]
                else:
                    operands = ""
                tokens |= set(re.sub(r"[^A-Za-z0-9_.$]", " ", operands).split())
        return [name for name in self.m.functions if name in tokens]


def _value_order(value: Any) -> tuple[int, Any]:
    """The pass's order of values: constants, then parameters, then unknowns, then fields."""
    if isinstance(value, int):
        return (0, value)
    return (1, int(value[1:])) if value.startswith("p") else (3 if value.startswith("@") else 2, value)


def _starts(
    block_inlined: dict[int, dict[tuple[str, ...], int]], succ: list[list[int]]
) -> dict[int, dict[tuple[str, ...], int]]:
    """Keep a chain only where its code can start: in the entry block, or in a block with a
    predecessor that has none of it (as passes/lib/OrderFacts.cpp)."""
    preds: dict[int, set[int]] = defaultdict(set)
    for block, targets in enumerate(succ):
        for target in targets:
            preds[target].add(block)
    starts: dict[int, dict[tuple[str, ...], int]] = {}
    for block, chains in block_inlined.items():
        for chain, first in chains.items():
            if block == 0 or any(chain not in block_inlined.get(p, {}) for p in preds[block]):
                starts.setdefault(block, {})[chain] = first
    return starts


def _chain_table(functions: list[_Function]) -> dict[tuple[str, ...], int]:
    """Every inlined-at chain of the module, sorted, -> its index in ``inlined_chains``."""
    chains = {c for fn in functions for cs in fn.block_inlined.values() for c in cs}
    chains |= {site.inlined for fn in functions for site in fn.sites if site.inlined}
    return {chain: n for n, chain in enumerate(sorted(chains))}


def _function_json(
    fn: _Function,
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
    if fn.int_field_stores:
        ordered = sorted(fn.int_field_stores, key=lambda p: (p[0], _value_order(p[1])))
        out["int_field_stores"] = [list(p) for p in ordered]
    if fn.blocks:
        out.update(_order_json(fn, out, chains))
    return out


def _order_json(fn: _Function, out: dict[str, Any], chains: dict[tuple[str, ...], int]) -> dict[str, Any]:
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


def extract_facts_from_text(text: str, functions: list[tuple[str, str, str, bool]]) -> dict[str, Any]:
    """Facts (as the JSON object the plugin writes) from printed IR and llvmlite's function list."""
    module = _Module(text, functions)
    collector = _Collector(module)
    for fn in module.functions.values():
        if not fn.declaration:
            collector.collect_function(fn)
    for fn in module.functions.values():
        collector.field_stores(fn)
    collector.collect_globals()
    global_int_fields = collector.number_field_stores()
    chains = _chain_table(list(module.functions.values()))
    module_asm_syscalls = collector.module_asm_syscalls()
    return {
        "format": "cc-sandbox-facts",
        "version": FORMAT_VERSION,
        "producer": "cc-sandbox llvmlite reference extractor",
        "triple": module.triple,
        "ctors": collector.ctors("llvm.global_ctors"),
        "dtors": collector.ctors("llvm.global_dtors"),
        "module_asm_refs": collector.module_asm_refs(),
        **({"debug_info": True} if module.debug.has_debug_info else {}),
        **({"module_asm_calls_pointers": True} if asm_makes_calls("\n".join(module.module_asm), True) else {}),
        **({"module_asm_syscalls": sorted(module_asm_syscalls, key=_value_order)} if module_asm_syscalls else {}),
        "global_refs": {k: sorted(v) for k, v in sorted(collector.global_refs.items())},
        "global_fields": {k: sorted(v) for k, v in sorted(collector.global_fields.items()) if v},
        **({"global_int_fields": global_int_fields} if global_int_fields else {}),
        **({"inlined_chains": [list(c) for c in chains]} if chains else {}),
        "functions": [
            _function_json(
                fn,
                fn.name in collector.address_taken,
                fn.name in collector.untracked,
                collector.passed_to[fn.name],
                chains,
            )
            for fn in module.functions.values()
        ],
    }


def extract_facts(module_path: Path) -> dict[str, Any]:
    """Facts of the bitcode module at ``module_path``."""
    import llvmlite.binding as llvm

    try:
        # a fresh context: in a shared one, a second module's struct types get renamed
        # (struct.anon.2 -> struct.anon.2.5), which would change their field keys
        module = llvm.parse_bitcode(module_path.read_bytes(), context=llvm.create_context())
    except RuntimeError as err:
        raise ModuleError(f"{module_path} is corrupt bitcode: {str(err).strip().splitlines()[0]}") from None
    functions = [
        (f.name, LINKAGE_NAMES.get(f.linkage.name, f.linkage.name), str(f.global_value_type), f.is_declaration)
        for f in module.functions
        if not f.name.startswith("llvm.")
    ]
    return extract_facts_from_text(str(module), functions)

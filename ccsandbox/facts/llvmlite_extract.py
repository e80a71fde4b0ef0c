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
from .irargs import syscall_args_entries
from .irtext import (
    GLOBAL_REF,
    Layout,
    MetadataTable,
    callee_of_call,
    constant_function_fields,
    parse_call,
    parse_params,
    split_top_level,
    unescape,
)

FORMAT_VERSION = 1
_SYSCALL_ASM = re.compile(r"(^|[^A-Za-z0-9_.])syscall($|[^A-Za-z0-9_])")
_DEFINE_NAME = re.compile(GLOBAL_REF.pattern + r"\(")
_DEF = re.compile(r"^\s+(%[-\w.$\"]+) = (.*)$")
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
    syscall_args: set[str] = field(default_factory=set)  # entries as canonical JSON text


def _name(token: str) -> str:
    return unescape(token[1:-1]) if token.startswith('"') else token


class _Module:
    """The printed module, split into what the rules need."""

    def __init__(self, text: str, functions: list[tuple[str, str, str, bool]]) -> None:
        self.lines = text.splitlines()
        self.functions = {name: _Function(name, linkage, type_, decl) for name, linkage, type_, decl in functions}
        self.metadata = MetadataTable(self.lines)
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

    # -- values ---------------------------------------------------------------------------------
    def value_facts(self, fn: _Function, defs: dict[str, str], value: str, out: set[Any], depth: int = 0) -> None:
        value = self._strip_casts(defs, value)
        if re.fullmatch(r"-?\d+", value):
            out.add(int(value))
        elif value in ("true", "false"):
            out.add(-1 if value == "true" else 0)
        elif value in fn.params:
            out.add(f"p{fn.params.index(value)}")
        elif value in defs and defs[value].startswith("phi ") and depth < 4:
            for incoming in re.findall(r"\[\s*(.+?),\s*%[-\w.$\"]+\s*\]", defs[value]):
                if incoming.strip() != value:
                    self.value_facts(fn, defs, incoming.strip(), out, depth + 1)
        elif value in defs and defs[value].startswith("select ") and depth < 4:
            parts = split_top_level(defs[value][len("select ") :])
            for part in parts[1:3]:
                self.value_facts(fn, defs, part.split()[-1], out, depth + 1)
        elif value in defs:
            out.add("?" + defs[value].split()[0])
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
            match = _DEF.match(line)
            if match:
                defs[match[1]] = match[2]
        for line in fn.body:
            stripped = line.strip()
            if not stripped or stripped.startswith((";", "#dbg_")) or re.match(r"^[-\w.$]+:", stripped):
                continue  # labels, comments, debug records (metadata, not uses)
            instr = stripped.split(" = ", 1)[1] if _DEF.match(line) else stripped
            callee = callee_of_call(instr)
            self._uses(fn, instr, callee)
            if callee is not None:
                self._call(fn, defs, instr)
                self._passed(instr)

    def _call(self, fn: _Function, defs: dict[str, str], instr: str) -> None:
        call = parse_call(instr)
        if call.asm is not None:
            asm = unescape(call.asm)
            if _SYSCALL_ASM.search(asm):
                if not call.args:
                    fn.syscalls.add("?no-operand")
                else:
                    self.value_facts(fn, defs, call.args[0][1], fn.syscalls)
                strip = lambda v: self._strip_casts(defs, v)  # noqa: E731
                fn.syscall_args.update(syscall_args_entries(call.asm, instr, call.args, defs, fn.params, strip))
            elif "int $$0x80" in asm or "int $0x80" in asm or "sysenter" in asm:
                fn.syscalls.add("?int80")
            return
        if call.callee.startswith("@"):
            target = self.m.resolve(_name(call.callee[1:]))
            if target.startswith("llvm.") or target not in self.m.functions:
                return
            args: list[tuple[int, int | str]] = []
            for index, (type_, value) in enumerate(call.args):
                if not re.fullmatch(r"i\d+", type_):
                    continue
                stripped = self._strip_casts(defs, value)
                if re.fullmatch(r"-?\d+", stripped):
                    args.append((index, int(stripped)))
                elif stripped in ("true", "false"):
                    args.append((index, -1 if stripped == "true" else 0))
                elif stripped in fn.params:
                    args.append((index, f"p{fn.params.index(stripped)}"))
            fn.calls.add((target, tuple(args)))
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

    def module_asm_refs(self) -> list[str]:
        tokens: set[str] = set()
        for line in "\n".join(self.m.module_asm).split("\n"):
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


def _function_json(fn: _Function, taken: bool, untracked: bool, passed_to: set[tuple[str, int]]) -> dict[str, Any]:
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
    return out


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
    return {
        "format": "cc-sandbox-facts",
        "version": FORMAT_VERSION,
        "producer": "cc-sandbox llvmlite reference extractor",
        "triple": module.triple,
        "ctors": collector.ctors("llvm.global_ctors"),
        "dtors": collector.ctors("llvm.global_dtors"),
        "module_asm_refs": collector.module_asm_refs(),
        "global_refs": {k: sorted(v) for k, v in sorted(collector.global_refs.items())},
        "global_fields": {k: sorted(v) for k, v in sorted(collector.global_fields.items()) if v},
        "functions": [
            _function_json(
                fn, fn.name in collector.address_taken, fn.name in collector.untracked, collector.passed_to[fn.name]
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

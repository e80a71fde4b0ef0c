"""Where the addresses of functions go (pure): the reference extractor's copy of
passes/lib/AddressFacts.cpp (useOf, globalFields, collectFieldStores).

A function named anywhere but as the called operand of a call is address-taken. A use is
*tracked* when the address only goes into a struct field known by its TBAA tag (a store) or by
the initializer's struct layout (a global): an indirect call through another field cannot reach
it. Any other use (``llvm.used``, a cast, a plain pointer) makes it ``"any"``. Functions passed as
call arguments are also recorded with the callee and argument index they are passed to, and the
stores into the fields indirect calls load from with what they store (``"?"`` when not a known
function: the field's contents then escape the analysis).
"""

from __future__ import annotations

import re
from collections import defaultdict

from .irmodule import IRFunction, IRModule, global_name
from .irtext import GLOBAL_REF, constant_function_fields, parse_call, split_top_level

#: ``metadata ptr @f`` operands (debug records, intrinsics' metadata): not uses of ``f``
_METADATA_OPERAND = re.compile(r"metadata ptr @[-\w.$]+")

__all__ = ["AddressFacts", "field_stores"]


class AddressFacts:
    """The address-taken facts of a module, filled instruction by instruction and from the globals."""

    def __init__(self, module: IRModule) -> None:
        self.m = module
        self.untracked: set[str] = set()
        self.address_taken: set[str] = set()
        self.global_refs: dict[str, set[str]] = defaultdict(set)
        self.global_fields: dict[str, set[str]] = defaultdict(set)
        self.passed_to: dict[str, set[tuple[str, int]]] = defaultdict(set)

    def instruction(self, fn: IRFunction, instr: str, callee: str | None) -> None:
        """Function names used as values (not as the called function) in this instruction."""
        skip_first = callee is not None and callee.startswith("@")
        text = _METADATA_OPERAND.sub("", instr)  # metadata operands are not uses
        if skip_first and callee is not None:
            text = text.replace(callee + "(", "(", 1)
        for token in GLOBAL_REF.findall(text):
            target = self.m.resolve(global_name(token))
            if target not in self.m.functions:
                continue
            self.address_taken.add(target)
            fn.refs.add(target)
            if not (
                instr.startswith("store ") and self._store_value_is(instr, token) and self.m.metadata.tbaa_field(instr)
            ):
                self.untracked.add(target)

    def passed(self, instr: str) -> None:
        """Functions passed as call arguments, and to which callee and argument."""
        call = parse_call(instr)
        if call.callee == "asm":
            to = "asm"
        elif call.callee.startswith("@"):
            to = self.m.resolve(global_name(call.callee[1:]))
            if to.startswith("llvm."):
                return
        else:
            to = "<indirect>"
        for index, text in enumerate(call.arg_texts):
            for token in GLOBAL_REF.findall(_METADATA_OPERAND.sub("", text)):
                target = self.m.resolve(global_name(token))
                if target in self.m.functions:
                    self.passed_to[target].add((to, index))

    @staticmethod
    def _store_value_is(instr: str, token: str) -> bool:
        parts = split_top_level(instr[len("store ") :].replace("volatile ", "", 1))
        return len(parts) >= 2 and parts[0].split()[-1] == "@" + token and instr.count("@" + token) == 1

    def collect_globals(self) -> None:
        """Functions in global initializers: per global, and per struct field where the layout tells."""
        for gv, definition in self.m.globals.items():
            refs = {self.m.resolve(global_name(t)) for t in GLOBAL_REF.findall(definition.split(", align")[0])}
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


def field_stores(module: IRModule, fn: IRFunction, indirect_fields: set[str]) -> None:
    """Add to ``fn`` the pointers it stores into any of the ``indirect_fields``."""
    for line in fn.body:
        instr = line.strip()
        if not instr.startswith("store ptr "):
            continue
        field_ = module.metadata.tbaa_field(instr)
        if not field_ or field_ not in indirect_fields:
            continue
        value = split_top_level(instr[len("store ") :])[0].split()[-1]
        if value == "null":
            continue
        name = module.resolve(global_name(value[1:])) if value.startswith("@") else None
        fn.field_stores.add((field_, name if name in module.functions else "?"))

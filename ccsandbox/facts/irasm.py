"""Syscall sites and function names in assembly, read from printed IR (pure): the reference
extractor's copy of passes/lib/AsmFacts.cpp (collectInlineAsmFacts, moduleAsmSyscalls,
collectModuleAsmFacts). The asm text itself is scanned by :mod:`.asmscan` (lib/AsmScan.cpp).

In inline asm, the number is the operand bound to rax by its constraint (or a constant the text
moves there); its arguments are read by :mod:`.irargs`. In file-scope asm a site belongs to the
function label it follows. A function whose name appears as an operand in any asm may be called
from there (``module_asm_refs``).
"""

from __future__ import annotations

import re
from typing import Any

from .asmscan import RaxState, asm_makes_calls, constraint_operands, scan_asm
from .irargs import syscall_args_entries
from .irmodule import IRFunction, IRModule
from .irtext import MetadataTable, unescape
from .irvalues import field_of, strip_casts, value_facts

_ASM_PARTS = re.compile(
    r'\basm (?:sideeffect )?(?:alignstack )?(inteldialect )?(?:unwind )?"((?:[^"\\]|\\.)*)", "((?:[^"\\]|\\.)*)"\('
)

__all__ = ["asm_refs", "inline_asm_syscalls", "module_asm_syscalls"]


def inline_asm_syscalls(
    fn: IRFunction, defs: dict[str, str], instr: str, args: list[tuple[str, str]], metadata: MetadataTable
) -> str | None:
    """Syscall sites of one inline asm call; the number operand is found by its constraint.
    Returns the asm text (for :func:`asm_refs`), or None when ``instr`` is not an asm call."""
    match = _ASM_PARTS.search(instr)
    if match is None:
        return None
    text = unescape(match[2])
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
        strip = lambda v: strip_casts(defs, v)  # noqa: E731
        loaded = lambda v: field_of(defs, v, metadata)  # noqa: E731
        fn.syscall_args.update(syscall_args_entries(match[2], instr, args, defs, fn.params, strip, loaded))
    for site in sites:
        state = RaxState(reason="asm-intel-syntax") if match[1] else site.state
        if site.int80:
            fn.syscalls.add("?int80")
        elif state.kind == "const":
            fn.syscalls.add(state.value)
        elif state.kind == "operand" and 0 <= value_of(state.value) < len(args):
            value_facts(args[value_of(state.value)][1], fn.params, defs, metadata, fn.syscalls, fields=True)
        else:
            fn.syscalls.add("?" + ("asm-rax" if state.kind == "operand" else state.reason))
    return text


def module_asm_syscalls(module: IRModule) -> set[Any]:
    """Syscall sites in file-scope asm: added to the function label they follow, and returned
    when they follow none."""
    loose: set[Any] = set()
    text = "\n".join(module.module_asm)
    for site in scan_asm(text, False, RaxState(), labels=set(module.functions)):
        state = site.state
        value: Any = "?int80" if site.int80 else state.value if state.kind == "const" else "?" + state.reason
        if site.function:
            module.functions[site.function].syscalls.add(value)
        else:
            loose.add(value)
    return loose


def asm_refs(module: IRModule, inline_asm: list[str]) -> list[str]:
    """Functions named as operands in file-scope asm or in any of the ``inline_asm`` texts."""
    tokens: set[str] = set()
    for line in "\n".join([*module.module_asm, *inline_asm]).split("\n"):
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
    return [name for name in module.functions if name in tokens]

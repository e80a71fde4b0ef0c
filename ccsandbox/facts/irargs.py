"""Argument facts of inline-asm syscall sites from LLVM IR text (the reference extractor's half
of passes/lib/ArgFacts.cpp; the same rules, compared on the shared fixtures and real programs).

Only asm whose text is exactly ``syscall`` (musl's __syscallN) has readable arguments: each
argument is the operand whose constraint names its register. Other syscall asm gets the entry
``{"nr": "?asm", "args": {}}``, which makes every syscall of its function argument-unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from .irtext import INT, PHI_INCOMING, split_top_level, unescape

__all__ = ["MAX_ATOMS", "asm_constraints", "syscall_args_entries"]

MAX_ATOMS = 16
_REGISTERS = {"{di}": 0, "{si}": 1, "{dx}": 2, "{r10}": 3, "{r8}": 4, "{r9}": 5, "{ax}": -2}
_CONSTRAINTS = re.compile(r'\basm [^"]*"(?:[^"\\]|\\.)*", "((?:[^"\\]|\\.)*)"\(')
Atom = int | str


def asm_constraints(instr: str) -> str:
    match = _CONSTRAINTS.search(instr)
    return match[1] if match else ""


def _operand_registers(constraints: str) -> list[int]:
    """Per call operand, the argument index of its register (-2: rax, -1: another)."""
    outputs: list[int] = []
    operands: list[int] = []
    for code in constraints.split(","):
        if code.startswith("~"):
            continue
        if code.startswith("="):
            body = code.lstrip("=")
            outputs.append(_REGISTERS.get(body.lstrip("*&"), -1))
            if body.startswith("*"):
                operands.append(-1)  # an indirect output takes an operand
            continue
        if code.isdigit():
            operands.append(outputs[int(code)] if int(code) < len(outputs) else -1)
        else:
            operands.append(_REGISTERS.get(code, -1))
    return operands


def _order(atom: Atom) -> tuple[int, int | str]:
    if isinstance(atom, int):
        return (0, atom)
    return (1, int(atom[1:])) if atom.startswith("p") else (2, atom)


def atoms(
    value: str, defs: dict[str, str], params: list[str], strip: Callable[[str], str], depth: int = 0
) -> set[Atom] | None:
    """Constants and parameters ``value`` may be (phi/select each incoming, ``or`` of constant
    sets pairwise), or None when it may be anything else."""
    value = strip(value)
    out: set[Atom] = set()
    if INT.fullmatch(value):
        if not -(2**63) <= int(value) < 2**63:
            return None  # wider than 64 bits (as the pass: unknown)
        out.add(int(value))
    elif value in ("true", "false"):
        out.add(-1 if value == "true" else 0)
    elif value in params:
        out.add(f"p{params.index(value)}")
    elif value in defs and defs[value].startswith("phi ") and depth < 4:
        for incoming in PHI_INCOMING.findall(defs[value]):
            if incoming.strip() != value:
                found = atoms(incoming.strip(), defs, params, strip, depth + 1)
                if found is None:
                    return None
                out |= found
    elif value in defs and defs[value].startswith("select ") and depth < 4:
        parts = split_top_level(defs[value][len("select ") :])
        for part in parts[1:3]:
            found = atoms(part.split()[-1], defs, params, strip, depth + 1)
            if found is None:
                return None
            out |= found
    elif value in defs and re.match(r"or (disjoint )?i\d+ ", defs[value]) and depth < 4:
        operands = [p.split()[-1] for p in split_top_level(re.sub(r"^or (disjoint )?", "", defs[value]))]
        left, right = (atoms(o, defs, params, strip, depth + 1) for o in operands[:2])
        if left is None or right is None or not all(isinstance(a, int) for a in left | right):
            return None
        out = {int(a) | int(b) for a in left for b in right}
    else:
        return None
    return out if len(out) <= MAX_ATOMS else None


def _json(found: set[Atom]) -> Atom | list[Atom]:
    ordered = sorted(found, key=_order)
    return ordered[0] if len(ordered) == 1 else ordered


def syscall_args_entries(
    asm: str,
    instr: str,
    args: list[tuple[str, str]],
    defs: dict[str, str],
    params: list[str],
    strip: Callable[[str], str],
    loaded_field: Callable[[str], str] = lambda value: "",
) -> list[str]:
    """The ``syscall_args`` entries of one syscall asm call, each as canonical JSON text.
    ``loaded_field`` names the struct field a value is loaded from: a number loaded from one is
    the field fact ``"@struct+offset"``, resolved as the site's number is."""
    if unescape(asm).strip() != "syscall":
        return [json.dumps({"nr": "?asm", "args": {}})]
    registers = _operand_registers(asm_constraints(instr))
    number: set[Atom] | None = None
    known: dict[str, Atom | list[Atom]] = {}
    for operand, register in enumerate(registers):
        if operand >= len(args):
            break
        if register == -2 and loaded_field(args[operand][1]):
            number = {"@" + loaded_field(args[operand][1])}
        elif register == -2:
            number = atoms(args[operand][1], defs, params, strip)
            if number is None:
                return [json.dumps({"nr": "?asm", "args": {}})]
        elif register >= 0:
            found = atoms(args[operand][1], defs, params, strip)
            if found is not None:
                known[str(register)] = _json(found)
    if number is None:
        return [json.dumps({"nr": "?asm", "args": {}})]
    ordered = dict(sorted(known.items(), key=lambda kv: int(kv[0])))
    return [json.dumps({"nr": nr, "args": ordered}) for nr in sorted(number, key=_order)]

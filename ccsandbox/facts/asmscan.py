"""Syscall sites in assembly text: the reference extractor's copy of the pass's ``scanAsm``.

The rules are those of passes/lib/AsmScan.cpp (keep the two in step; tests compare their
facts). The text is read statement by statement, tracking what rax holds: at entry, the operand
bound to rax by its constraint (inline asm) or nothing known; ``mov $N, %eax|%rax`` and
``xor %eax, %eax`` set a constant; ``mov $K, %rax`` (template operand K) sets that operand;
anything else that may write rax -- an explicit rax/eax/ax/al/ah destination, an instruction with
rax as an implicit destination, a call, a jump, a label -- makes it unknown. A ``syscall`` in any
case, or as ``.byte 0x0f, 0x05``, records the current value. ``int $0x80`` and ``sysenter`` (also
as bytes) enter the i386 ABI, which the filter's architecture check kills: recorded as int80.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["AsmSite", "RaxState", "asm_makes_calls", "constraint_operands", "scan_asm", "split_operands"]

_PREFIXES = {"lock", "rep", "repe", "repz", "repne", "repnz", "notrack", "data16"}
_RAX = {"%rax", "%eax", "%ax", "%al", "%ah"}
_IMPLICIT = {
    *[
        "cpuid",
        "rdtsc",
        "rdtscp",
        "rdpmc",
        "rdmsr",
        "xgetbv",
        "rdpkru",
        "mul",
        "div",
        "idiv",
        "imul",
        "cbw",
        "cwde",
        "cdqe",
        "cltq",
        "cwtl",
        "cbtw",
    ],
    *[
        "cqto",
        "cltd",
        "cwtd",
        "cqo",
        "cdq",
        "cwd",
        "in",
        "xchg",
        "xadd",
        "lahf",
        "xlat",
        "xlatb",
        "popa",
        "popad",
        "call",
        "ret",
        "leave",
        "int",
        "int3",
    ],
    *["into", "iret", "iretq", "loop", "loope", "loopne", "sysret", "sysexit", "ud2"],
}
_WIDTHS = {
    ".byte": 1,
    ".word": 2,
    ".short": 2,
    ".value": 2,
    ".2byte": 2,
    ".long": 4,
    ".int": 4,
    ".4byte": 4,
    ".quad": 8,
    ".8byte": 8,
}
_LABEL = re.compile(r"^([A-Za-z0-9_.$]+):")
_OPERAND = re.compile(r"^\$(?:(\d+)|\{(\d+)(?::[^}]*)?\})$")


@dataclass(frozen=True)
class RaxState:
    kind: str = "unknown"  # operand | const | unknown
    value: int = 0  # operand: template operand number; const: the value
    reason: str = "asm-rax"


@dataclass(frozen=True)
class AsmSite:
    int80: bool
    state: RaxState
    function: str = ""  # module asm: the function label the site is under


def split_operands(text: str) -> list[str]:
    """Split at top-level commas (not inside parentheses)."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _int(text: str) -> int | None:
    text = text.strip()
    neg = text.startswith("-")
    text = text[1:] if neg else text
    try:
        if text.lower().startswith("0x"):
            value = int(text[2:], 16)
        elif text.lower().startswith("0b"):
            value = int(text[2:], 2)
        elif len(text) > 1 and text.startswith("0"):
            value = int(text[1:], 8)
        else:
            value = int(text, 10)
    except ValueError:
        return None
    if not text or value >= 1 << 64:
        return None
    return -value if neg else value


def _operand_ref(text: str) -> int:
    match = _OPERAND.match(text.strip())
    return int(match[1] or match[2]) if match else -1


def _implicit(mnemonic: str) -> bool:
    if mnemonic in _IMPLICIT or mnemonic.startswith(("lods", "cmpxchg", "j", "scas", "rep")):
        return True
    return len(mnemonic) > 1 and mnemonic[-1] in "bwlq" and mnemonic[:-1] in _IMPLICIT


def _immediate(text: str, templated: bool) -> int | None:
    prefix = "$$" if templated else "$"
    return _int(text[len(prefix) :]) if text.startswith(prefix) else None


def scan_asm(
    text: str,
    templated: bool,
    entry: RaxState,
    operand_is_rax: Callable[[int], bool] = lambda _: False,
    labels: set[str] | None = None,
) -> list[AsmSite]:
    """The syscall sites of an assembly text (see the module docstring)."""
    sites: list[AsmSite] = []
    state, function, pending = entry, "", -1

    def site(int80: bool) -> None:
        nonlocal state
        sites.append(AsmSite(int80, state, function))
        state = RaxState()

    for line in text.split("\n"):
        for statement in line.split(";"):
            st = statement.split("#")[0].strip()
            while (label := _LABEL.match(st)) is not None:
                if labels is not None and label[1] in labels:
                    function = label[1]
                elif not label[1].startswith(".L") and not label[1][0].isdigit():
                    function = ""  # code under another symbol: reached from asm, so always counted
                state = RaxState(reason="asm-label")
                st = st[label.end() :].strip()
            if not st:
                continue
            parts = st.split(None, 1)
            mnemonic, args = parts[0].lower(), parts[1].strip() if len(parts) > 1 else ""
            if mnemonic in _PREFIXES and args:
                parts = args.split(None, 1)
                mnemonic, args = parts[0].lower(), parts[1].strip() if len(parts) > 1 else ""
            if mnemonic in _WIDTHS:
                data: list[int] = [pending] if pending >= 0 else []
                symbolic = False
                for op in split_operands(args):
                    value = _int(op)
                    if value is None:
                        symbolic = True
                        continue
                    data += [(value & (1 << 64) - 1) >> (8 * b) & 0xFF for b in range(_WIDTHS[mnemonic])]
                i = 0
                while i + 1 < len(data):
                    pair = (data[i], data[i + 1])
                    if pair == (0x0F, 0x05):
                        site(False)
                        i += 1
                    elif pair in ((0x0F, 0x34), (0xCD, 0x80)):
                        site(True)
                        i += 1
                    i += 1
                pending = -1 if symbolic or not data else data[-1]
                continue
            pending = -1
            if mnemonic == ".intel_syntax":
                state = RaxState(reason="asm-intel-syntax")
                continue
            if mnemonic.startswith("."):
                continue
            if mnemonic in ("syscall", "sysenter"):
                site(mnemonic == "sysenter")
                continue
            ops = split_operands(args)
            if mnemonic == "int" and len(ops) == 1:
                if _immediate(ops[0], templated) == 0x80:
                    site(True)
                state = RaxState()
                continue
            dest = ops[-1] if ops else ""
            ref = _operand_ref(dest) if templated else -1
            dest_is_rax = dest.lower() in _RAX or (ref >= 0 and operand_is_rax(ref))
            wide = len(ops) == 2 and dest.lower() in ("%eax", "%rax")
            if wide and mnemonic in ("mov", "movl", "movq", "movabs", "movabsq"):
                value = _immediate(ops[0], templated)
                k = _operand_ref(ops[0]) if templated else -1
                if value is not None:
                    state = RaxState("const", value)
                elif k >= 0:
                    state = RaxState("operand", k)
                else:
                    state = RaxState()
                continue
            if wide and mnemonic in ("xor", "xorl", "xorq") and ops[0].lower() in _RAX:
                state = RaxState("const", 0)
                continue
            if dest_is_rax or _implicit(mnemonic):
                state = RaxState()
    return sites


def _codes_are_rax(codes: str) -> bool:
    return codes.lower() in ("a", "{ax}", "{rax}", "{eax}")


def constraint_operands(constraints: str) -> tuple[list[int], list[bool], list[int]]:
    """Per template operand: its call argument (-1: a returned output), whether it is bound to rax,
    and (outputs) the argument of the input tied to it (-1: none)."""
    arg_of: list[int] = []
    rax: list[bool] = []
    tied: list[int] = []
    arg = 0
    for constraint in constraints.split(","):
        if constraint.startswith("~"):
            continue
        output = constraint.startswith(("=", "!"))  # outputs and asm-goto labels take no argument
        body = constraint.lstrip("=!+&%")
        indirect = body.startswith("*")
        body = body.lstrip("*&%")
        takes_arg = not output or indirect
        arg_of.append(arg if takes_arg else -1)
        rax.append("|" not in body and _codes_are_rax(body))
        tied.append(-1)
        arg += takes_arg
        if not output and body.isdigit() and int(body) < len(rax):
            rax[-1] = rax[int(body)]
            tied[int(body)] = arg_of[-1]
    return arg_of, rax, tied


def asm_makes_calls(text: str, pointers_only: bool = False) -> bool:
    """Does the asm ``call``, or jump through a pointer (``jmp *...``)? It may then enter any
    address-taken function (the extractors record an indirect call of type ``void (...)``)."""
    for line in text.split("\n"):
        for statement in line.split(";"):
            st = statement.split("#")[0].strip()
            while ":" in st and not any(c in st.split(":", 1)[0] for c in " \t(%"):
                st = st.split(":", 1)[1].strip()
            mnemonic = re.split(r"[ \t]", st, maxsplit=1)[0].lower()
            rest = st[len(mnemonic) :].strip()
            call = mnemonic in ("call", "callq", "calll", "lcall")
            if (call or mnemonic.startswith("j")) and rest.startswith("*"):
                return True
            if call and not pointers_only:
                return True
    return False

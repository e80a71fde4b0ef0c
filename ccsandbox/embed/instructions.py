"""A backstop for the assembly rules: every syscall instruction in the linked binary must sit in a
function where the analysis saw a syscall site.

The pass reads syscall sites from assembly *text*, and text can spell an instruction in ways no
reader foresees (``.byte 0x0f + 0, 5``, a macro, an expression). The linked binary cannot: LLVM's
disassembler (``llvm-objdump``) decodes what will run. A function that holds ``syscall``,
``sysenter`` or ``int $0x80`` but has no site in the facts (nor in the model of musl's assembly)
fails the link with one line, rather than being left out of the policy.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ..analysis.asm_model import NativeFunction
from ..errors import LinkError
from ..facts.schema import Facts
from ..tools import find_llvm_tool

__all__ = ["check_syscall_instructions", "functions_with_syscall_instructions"]

_HEADER = re.compile(r"^[0-9a-f]* ?<(?P<name>[^>]+)>:$")
_TRAP = re.compile(r"\t(?:syscall|sysenter|int\s+\$0x80)\s*$")


def functions_with_syscall_instructions(disassembly: str) -> set[str]:
    """Symbols whose code holds a syscall instruction, from ``llvm-objdump -d`` output."""
    found: set[str] = set()
    current = ""
    for line in disassembly.splitlines():
        header = _HEADER.match(line)
        if header:
            current = header["name"]
        elif current and _TRAP.search(line):
            found.add(current)
    return found


def check_syscall_instructions(binary: Path, facts: Facts, natives: dict[str, NativeFunction], program: str) -> None:
    """Raise LinkError for a syscall instruction in a function where the analysis saw none."""
    done = subprocess.run(
        [find_llvm_tool("llvm-objdump"), "-d", "--no-show-raw-insn", str(binary)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise LinkError(f"{program}: llvm-objdump could not disassemble the linked binary: {done.stderr.strip()}")
    unseen = []
    for name in sorted(functions_with_syscall_instructions(done.stdout)):
        fn = facts.functions.get(name)
        native = natives.get(name)
        if fn is not None and fn.syscalls:
            continue
        if native is not None and (native.syscalls or native.syscall_param is not None):
            continue
        if fn is None and native is None and facts.module_asm_syscalls:
            continue  # code under a file-scope asm symbol, whose sites are all counted
        unseen.append(name)
    if unseen:
        raise LinkError(
            f"{program}: a syscall instruction the analysis did not read, in {', '.join(unseen[:3])}"
            f"{' ...' if len(unseen) > 3 else ''} (assembly it cannot parse); write the syscall as "
            '`syscall` with its number in an "a" constraint or moved into eax just before it'
        )

"""A backstop for the assembly rules: every syscall instruction in the linked binary must sit in a
function where the analysis saw a syscall site.

The pass reads syscall sites from assembly *text*, and text can spell an instruction in ways no
reader foresees (``.byte 0x0f + 0, 5``, a macro, an expression). The linked binary cannot: LLVM's
disassembler (``llvm-objdump``) decodes what will run. A function that holds ``syscall``,
``sysenter`` or ``int $0x80`` but has no site in the facts (nor in the model of musl's assembly)
fails the link with one line, rather than being left out of the policy.

An instruction belongs to *every* function symbol whose range covers it, not only to the one
name the disassembler prints: musl defines most functions under two names (``__clock_gettime``
and its alias ``clock_gettime``), the facts name the aliasee, and an unoptimised link (-O0/-O1)
keeps both symbols at one address where -O2 folds the alias away.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

from ..analysis.asm_model import NativeFunction
from ..errors import LinkError
from ..facts.schema import Facts
from ..tools import find_llvm_tool

__all__ = ["check_syscall_instructions", "functions_with_syscall_instructions", "syscall_instruction_owners"]

_HEADER = re.compile(r"^(?P<address>[0-9a-f]+) <(?P<name>[^>]+)>:$")
_TRAP = re.compile(r"^\s*(?P<address>[0-9a-f]+):\s+(?:syscall|sysenter|int\s+\$0x80)\s*$")

#: (name, start, size) of a function symbol of the binary
Symbol = tuple[str, int, int]


def syscall_instruction_owners(disassembly: str, symbols: Iterable[Symbol] = ()) -> list[frozenset[str]]:
    """For each syscall instruction of ``llvm-objdump -d`` output, the names of the code it is in:
    the symbol the disassembler printed above it and every function symbol covering its address."""
    ranges = sorted((start, start + max(size, 1), name) for name, start, size in symbols)
    owners: list[frozenset[str]] = []
    current = ""
    for line in disassembly.splitlines():
        header = _HEADER.match(line)
        if header:
            current = header["name"]
            continue
        trap = _TRAP.match(line)
        if trap is None:
            continue
        address = int(trap["address"], 16)
        names = {name for start, end, name in ranges if start <= address < end}
        if current:
            names.add(current)
        owners.append(frozenset(names))
    return owners


def functions_with_syscall_instructions(disassembly: str) -> set[str]:
    """Symbols whose code holds a syscall instruction, from ``llvm-objdump -d`` output."""
    return {name for names in syscall_instruction_owners(disassembly) for name in names}


def _explained(names: frozenset[str], facts: Facts, natives: dict[str, NativeFunction]) -> bool:
    for name in names:
        fn = facts.functions.get(name)
        native = natives.get(name)
        if fn is not None and fn.syscalls:
            return True
        if native is not None and (native.syscalls or native.syscall_param is not None):
            return True
    # code under a file-scope asm symbol, whose sites are all counted
    known = any(name in facts.functions or name in natives for name in names)
    return not known and bool(facts.module_asm_syscalls)


def check_syscall_instructions(
    binary: Path,
    functions: Iterable[Symbol],
    facts: Facts,
    natives: dict[str, NativeFunction],
    program: str,
    in_libc: Callable[[str], bool] = lambda name: False,
    level: str = "",
) -> None:
    """Raise LinkError for a syscall instruction in a function where the analysis saw none
    (``functions``: the binary's function symbols, as the start-up check read them).

    ``in_libc`` tells musl's functions from the program's: an unread site in libc is
    cc-sandbox's limitation to report (with the function and ``level``, the link's -O), not
    something the user should rewrite; only a site in the user's own code gets the advice."""
    done = subprocess.run(
        [find_llvm_tool("llvm-objdump"), "-d", "--no-show-raw-insn", str(binary)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise LinkError(f"{program}: llvm-objdump could not disassemble the linked binary: {done.stderr.strip()}")
    unseen: set[str] = set()
    for names in syscall_instruction_owners(done.stdout, functions):
        if not _explained(names, facts, natives):
            unseen.add(min(names, key=lambda n: (n.startswith("_"), n)) if names else "?")
    if not unseen:
        return
    ours = sorted(name for name in unseen if not in_libc(name))
    if ours:
        raise LinkError(
            f"{program}: a syscall instruction the analysis did not read, in {', '.join(ours[:3])}"
            f"{' ...' if len(ours) > 3 else ''} (assembly it cannot parse); write the syscall as "
            '`syscall` with its number in an "a" constraint or moved into eax just before it'
        )
    libc = sorted(unseen)
    raise LinkError(
        f"{program}: cc-sandbox could not read a syscall site in musl's {', '.join(libc[:3])}"
        f"{' ...' if len(libc) > 3 else ''}{f' (link at {level})' if level else ''}: this is a limitation "
        "of cc-sandbox, not of your code; please report it with the function and the optimisation level"
    )

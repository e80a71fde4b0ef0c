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

Disassembling all of redis-server (420,000 lines) took 1.6 s of every link. Every trap
instruction has its bytes (``0f 05``, ``0f 34``, ``cd 80``) at its own address, so the link
first finds those bytes in the executable sections (563 places in redis-server, 546 of them the
instructions themselves): a place inside a function with a syscall site needs nothing more. Only
the code units (from a symbol to the next one, as the disassembler decodes them) holding the other
places are disassembled, and each such place is either an instruction (checked as before) or
inside one (the bytes of an immediate or displacement). When a unit's decoding does not show
which, the whole binary is disassembled as before: the shortcut can skip work, never a site.
"""

from __future__ import annotations

import bisect
import re
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from ..analysis.asm_model import NativeFunction
from ..elfsyms import SHF_EXECINSTR, FunctionRanges, preferred_name
from ..errors import LinkError
from ..facts.schema import Facts
from ..tools import find_llvm_tool

__all__ = [
    "check_syscall_instructions",
    "functions_with_syscall_instructions",
    "syscall_instruction_owners",
    "trap_byte_addresses",
    "trap_owners_without_sites",
]

_HEADER = re.compile(r"^(?P<address>[0-9a-f]+) <(?P<name>[^>]+)>:$")
_TRAP = re.compile(r"^\s*(?P<address>[0-9a-f]+):\s+(?:syscall|sysenter|int\s+\$0x80)\s*$")
_INSTRUCTION = re.compile(r"^\s*(?P<address>[0-9a-f]+):\s")
#: the encodings of syscall, sysenter and int $0x80
TRAP_BYTES = (b"\x0f\x05", b"\x0f\x34", b"\xcd\x80")

#: (name, start, size) of a function symbol of the binary
Symbol = tuple[str, int, int]


def syscall_instruction_owners(disassembly: str, symbols: Iterable[Symbol] = ()) -> list[frozenset[str]]:
    """For each syscall instruction of ``llvm-objdump -d`` output, the names of the code it is in:
    the symbol the disassembler printed above it and every function symbol covering its address."""
    ranges = FunctionRanges(symbols)
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
        names = ranges.covering(int(trap["address"], 16))
        if current:
            names.add(current)
        owners.append(frozenset(names))
    return owners


def functions_with_syscall_instructions(disassembly: str) -> set[str]:
    """Symbols whose code holds a syscall instruction, from ``llvm-objdump -d`` output."""
    return {name for names in syscall_instruction_owners(disassembly) for name in names}


def trap_byte_addresses(sections: Iterable[tuple[int, bytes]]) -> list[int]:
    """Every address in ``sections`` ((address, bytes) of executable code) where the bytes of a
    trap instruction appear: each trap instruction is one of them, so checking them all
    checks every instruction."""
    found = []
    for base, data in sections:
        for pattern in TRAP_BYTES:
            at = data.find(pattern)
            while at >= 0:
                found.append(base + at)
                at = data.find(pattern, at + 1)
    return sorted(found)


def _code_sections(binary: Path) -> list[tuple[int, bytes]] | None:
    try:
        with open(binary, "rb") as stream:
            elf = ELFFile(stream)
            return [(sec["sh_addr"], sec.data()) for sec in elf.iter_sections() if sec["sh_flags"] & SHF_EXECINSTR]
    except (OSError, ELFError):
        return None  # the disassembler reports what is wrong


def _has_site(names: Iterable[str], facts: Facts, natives: dict[str, NativeFunction]) -> bool:
    """Is one of ``names`` a function with a syscall site, in the facts or the asm model? (More
    names never make this false: a shortcut may use a superset of an instruction's owners.)"""
    for name in names:
        fn = facts.functions.get(name)
        native = natives.get(name)
        if fn is not None and fn.syscalls:
            return True
        if native is not None and (native.syscalls or native.syscall_param is not None):
            return True
    return False


def _explained(names: frozenset[str], facts: Facts, natives: dict[str, NativeFunction]) -> bool:
    if _has_site(names, facts, natives):
        return True
    # code under a file-scope asm symbol, whose sites are all counted
    known = any(name in facts.functions or name in natives for name in names)
    return not known and bool(facts.module_asm_syscalls)


def _disassemble(binary: Path, program: str, symbols: Sequence[str] = ()) -> str:
    command = [find_llvm_tool("llvm-objdump"), "-d", "--no-show-raw-insn", str(binary)]
    if symbols:
        command.append(f"--disassemble-symbols={','.join(symbols)}")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise LinkError(f"{program}: llvm-objdump could not disassemble the linked binary: {done.stderr.strip()}")
    return done.stdout


class _Units:
    """The code unit an address lies in: the label at or before it, where the disassembler
    starts decoding."""

    def __init__(self, labels: Iterable[Symbol]) -> None:
        by_address: dict[int, set[str]] = {}
        for name, address, _ in labels:
            by_address.setdefault(address, set()).add(name)
        self.label_addresses = sorted(by_address)
        self.labels = by_address

    def unit(self, address: int) -> int | None:
        """The label at or before ``address`` (where decoding of its code starts), if any."""
        k = bisect.bisect_right(self.label_addresses, address) - 1
        return self.label_addresses[k] if k >= 0 else None


def _units(disassembly: str) -> dict[int, tuple[str, list[tuple[int, bool]]]]:
    """label address -> (its printed name, [(instruction address, is a trap)]), from objdump output."""
    units: dict[int, tuple[str, list[tuple[int, bool]]]] = {}
    current: list[tuple[int, bool]] | None = None
    for line in disassembly.splitlines():
        header = _HEADER.match(line)
        if header:
            current = units.setdefault(int(header["address"], 16), (header["name"], []))[1]
            continue
        instruction = _INSTRUCTION.match(line)
        if instruction and current is not None:
            current.append((int(instruction["address"], 16), _TRAP.match(line) is not None))
    return units


def trap_owners_without_sites(
    binary: Path,
    functions: Iterable[Symbol],
    labels: Iterable[Symbol],
    facts: Facts,
    natives: dict[str, NativeFunction],
    program: str = "",
) -> list[frozenset[str]] | None:
    """The owners of each trap instruction with no site, found by disassembling only the code
    units holding trap bytes outside every function with a site; None when that cannot decide
    (then the whole binary is disassembled)."""
    sections = _code_sections(binary)
    labels = list(labels)
    if sections is None or not labels:
        return None
    ranges, owners = FunctionRanges(functions), _Units(labels)
    pending: dict[int, list[int]] = {}  # unit -> trap-byte addresses in it
    for address in trap_byte_addresses(sections):
        unit = owners.unit(address)
        if unit is None:
            return None
        if not _has_site(ranges.covering(address) | owners.labels[unit], facts, natives):
            pending.setdefault(unit, []).append(address)
    if not pending:
        return []
    names = sorted({name for unit in pending for name in owners.labels[unit]})
    if any("," in name for name in names):
        return None
    units = _units(_disassemble(binary, program, names))
    found: list[frozenset[str]] = []
    for unit, addresses in pending.items():
        if unit not in units:
            return None
        printed, decoded = units[unit]
        starts = {a: trap for a, trap in decoded}
        for address in addresses:
            if not any(a >= address for a, _ in decoded):
                return None  # the unit ended before it: not decoded as the whole binary would be
            if starts.get(address):
                found.append(frozenset(ranges.covering(address) | {printed}))
    return [names for names in found if not _explained(names, facts, natives)]


def check_syscall_instructions(
    binary: Path,
    functions: Iterable[Symbol],
    facts: Facts,
    natives: dict[str, NativeFunction],
    program: str,
    in_libc: Callable[[str], bool] = lambda name: False,
    level: str = "",
    labels: Iterable[Symbol] = (),
) -> None:
    """Raise LinkError for a syscall instruction in a function where the analysis saw none
    (``functions``: the binary's function symbols, ``labels``: every symbol in its code, as the
    start-up check read them).

    ``in_libc`` tells musl's functions from the program's: an unread site in libc is
    cc-sandbox's limitation to report (with the function and ``level``, the link's -O), not
    something the user should rewrite; only a site in the user's own code gets the advice."""
    functions = list(functions)
    unexplained = trap_owners_without_sites(binary, functions, labels, facts, natives, program)
    if unexplained is None:
        disassembly = _disassemble(binary, program)
        owned = syscall_instruction_owners(disassembly, functions)
        unexplained = [names for names in owned if not _explained(names, facts, natives)]
    unseen = {preferred_name(names) if names else "?" for names in unexplained}
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

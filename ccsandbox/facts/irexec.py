"""The program-path argument of every call into libc's exec family, from printed IR: the
reference of the pass's lib/ExecFacts.cpp, and what `exec_calls` states.

For each call to a member of :data:`FAMILY` (by name, an LTO suffix ``.N`` dropped) and each
inline-asm ``syscall`` whose number is execve or execveat, one ``(callee, path)``; ``callee`` is
the member or ``"syscall"``, ``path`` is:

* ``"=STRING"``: a constant C string (a global constant ``[N x i8] c"..."`` named in the
  argument, up to its first NUL);
* ``"poison"``: poison or undef (LTO propagated the constant into the callee), or no argument;
* ``"argv"``: main's second parameter, or what a chain of pointer loads and GEPs reads from it;
* ``"environment"``: the result of ``getenv`` or ``secure_getenv``, through such a chain;
* ``"variable"``: any other value;
* ``None``: the member takes no path (a shell command line, or a file descriptor).

The analysis (``ccsandbox.analysis.exec_facts``) decides what each means for the program.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .irtext import callee_of_call, parse_call, unescape

#: The exec family: function -> index of its program-path parameter (None: a shell command line,
#: run by /bin/sh; -1: a file descriptor). Internal musl names appear once LTO inlines a wrapper.
#: passes/include/ExecFamily.h holds the same table (tests/unit/test_exec_facts.py compares them).
FAMILY: dict[str, int | None] = {
    "execve": 0,
    "execv": 0,
    "execvp": 0,
    "execvpe": 0,
    "__execvpe": 0,
    "execl": 0,
    "execlp": 0,
    "execle": 0,
    "fexecve": -1,
    "posix_spawn": 1,
    "posix_spawnp": 1,
    "__posix_spawnx": 1,
    "system": None,
    "popen": None,
    "wordexp": None,
}
EXECVE, EXECVEAT = 59, 322

ExecCall = tuple[str, str | None]

_LTO_SUFFIX = re.compile(r"\.\d+$")
_STRING = re.compile(r'^@("(?:[^"\\]|\\.)*"|[-\w.$]+) = [^=]*?constant \[\d+ x i8\] c"((?:[^"\\]|\\.)*)"')
_ASSIGN = re.compile(r"^\s*(%[-\w.$]+) = (.*)$")
_GLOBAL = re.compile(r'@("(?:[^"\\]|\\.)*"|[-\w.$]+)')

__all__ = ["EXECVE", "EXECVEAT", "FAMILY", "ExecCall", "base_name", "exec_calls", "string_constants"]


def base_name(name: str) -> str:
    """``execvp.12`` (an LTO-renamed internal copy) -> ``execvp``."""
    return _LTO_SUFFIX.sub("", name)


def string_constants(lines: Iterable[str]) -> dict[str, str]:
    """``@name`` (as written) -> the C string of each global constant ``[N x i8] c"..."`` of the
    printed module."""
    found = {}
    for line in lines:
        if line.startswith("@"):
            match = _STRING.match(line)
            if match:
                found["@" + match[1]] = unescape(match[2]).split("\0", 1)[0]
    return found


def _classify(operand: str, params: list[str], defs: dict[str, str], is_main: bool) -> str:
    """``argv``, ``environment`` or ``variable`` for a non-constant path operand (``defs``: value
    -> the instruction defining it)."""
    argv = params[1] if is_main and len(params) > 1 else None
    seen: set[str] = set()
    frontier = [operand]
    while frontier:
        value = frontier.pop()
        if value in seen:
            continue
        seen.add(value)
        if value == argv:
            return "argv"
        text = defs.get(value, "")
        if "@getenv(" in text or "@secure_getenv(" in text:
            return "environment"
        if text.startswith(("load ptr, ptr ", "getelementptr ")):
            frontier += re.findall(r"%[-\w.$]+", text)
    return "variable"


def _constant(text: str, strings: dict[str, str]) -> str | None:
    for match in _GLOBAL.finditer(text):
        if "@" + match[1] in strings:
            return strings["@" + match[1]]
    return None


def exec_calls(name: str, params: list[str], body: list[str], strings: dict[str, str]) -> set[ExecCall]:
    """The ``(callee, path)`` of function ``name`` (its parameters and body lines, as printed)."""
    assigns = [(line.strip(), _ASSIGN.match(line.strip())) for line in body]
    defs = {match[1]: match[2] for _, match in assigns if match}
    found: set[ExecCall] = set()
    for line, assign in assigns:
        instr = assign[2] if assign else line
        if callee_of_call(instr) is None:
            continue
        call = parse_call(instr)
        texts = call.arg_texts
        if call.callee == "asm":
            if "syscall" not in (call.asm or "") or not texts:
                continue
            nr = texts[0].split()[-1]
            if nr not in (str(EXECVE), str(EXECVEAT)):
                continue
            callee, index = "syscall", 1 if nr == str(EXECVE) else 2
        else:
            callee = base_name(call.callee.lstrip("@").strip('"'))
            if callee not in FAMILY:
                continue
            slot = FAMILY[callee]
            if slot is None or slot < 0:
                found.add((callee, None))
                continue
            index = slot
        constant = _constant(texts[index], strings) if index < len(texts) else None
        operand = texts[index].split()[-1] if index < len(texts) and texts[index].split() else "poison"
        if constant is not None:
            found.add((callee, "=" + constant))
        elif operand in ("poison", "undef"):
            found.add((callee, "poison"))
        else:
            found.add((callee, _classify(operand, params, defs, base_name(name) == "main")))
    return found

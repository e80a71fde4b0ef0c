"""What a program can exec, from its whole-program module (pure, but for reading the IR text).

Two questions decide how a program that runs other programs can be sandboxed:

* **through which functions** exec is reachable: the libc exec family (execve, execvp, posix_spawn,
  system, popen, ...) called directly by reachable code outside the family, a family function
  whose address the program takes, or a raw ``syscall(SYS_execve)``;
* **which programs**: the path operand of every call into the family. LTO propagates constant
  arguments into their callee (``execl("/proc/self/exe", ...)`` becomes a call whose path is
  ``poison``, and execl's body then calls execv with the string), so constants are collected from
  every reachable call into the family, family bodies included (that is how system's and popen's
  ``/bin/sh`` shows). A path that is not a constant, in code outside the family, comes from
  outside: ``argv``, the environment (``getenv``), or some other value. Computed paths inside the
  family (execvp's PATH search) derive from the family's own arguments and are not sources.

A program *execs only itself* when every source is a constant naming itself: ``/proc/self/exe``,
or a path whose last component is the program's own name (gnulib's test-fcntl runs
``./test-fcntl``). Then its own syscall set is all that the exec'd program needs.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..facts.irtext import callee_of_call, parse_call, parse_params, unescape
from ..facts.schema import Facts
from ..tools import find_llvm_tool

if TYPE_CHECKING:
    from .analyze import Analysis

EXECVE, EXECVEAT = 59, 322

#: The exec family: function -> index of its program-path parameter (None: a shell command line,
#: run by /bin/sh; -1: a file descriptor). Internal musl names appear once LTO inlines a wrapper.
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
SELF_EXE = "/proc/self/exe"
_LTO_SUFFIX = re.compile(r"\.\d+$")

__all__ = ["FAMILY", "ExecFacts", "PathSource", "exec_facts", "module_exec_facts", "read_ir_functions"]


def _base(name: str) -> str:
    """``execvp.12`` (an LTO-renamed internal copy) -> ``execvp``."""
    return _LTO_SUFFIX.sub("", name)


@dataclass(frozen=True, order=True)
class PathSource:
    """Where one exec'd program path comes from."""

    kind: str  # "constant", "argv", "environment", "variable", "command" (shell line), "fd"
    value: str  # the string for a constant; the calling function otherwise
    via: str  # the family function called

    def describe(self) -> str:
        if self.kind == "constant":
            return f"{self.value!r} (constant, {self.via})"
        if self.kind == "command":
            return f"/bin/sh -c COMMAND ({self.via} in {self.value})"
        return f"{self.kind} ({self.via} in {self.value})"


@dataclass(frozen=True)
class ExecFacts:
    """Whether and how a program can exec."""

    reachable: bool
    functions: tuple[str, ...] = ()  # entry functions into exec: "execvp", "system", "syscall in f"
    sources: tuple[PathSource, ...] = ()
    self_only: bool = False  # every source is a constant naming the program itself
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "reachable": self.reachable,
            "functions": list(self.functions),
            "paths": [{"kind": s.kind, "value": s.value, "via": s.via} for s in self.sources],
            "self_only": self.self_only,
        }

    def summary(self) -> str:
        """One line for notes and the build table."""
        if not self.reachable:
            return "cannot exec"
        paths = sorted({s.value if s.kind == "constant" else s.kind for s in self.sources})
        return f"via {', '.join(self.functions) or '?'}; runs {', '.join(paths) or 'unknown paths'}" + (
            " (itself only)" if self.self_only else ""
        )


@dataclass(frozen=True)
class IrFunction:
    params: tuple[str, ...]
    body: tuple[str, ...]


_DEFINE = re.compile(r'^define [^@]*@("(?:[^"\\]|\\.)*"|[-\w.$]+)\(')
_STRING = re.compile(r'^@("(?:[^"\\]|\\.)*"|[-\w.$]+) = [^=]*?constant \[\d+ x i8\] c"((?:[^"\\]|\\.)*)"')
_ASSIGN = re.compile(r"^\s*(%[-\w.$]+) = (.*)$")


def read_ir_functions(ir: str, wanted: set[str]) -> tuple[dict[str, IrFunction], dict[str, str]]:
    """The bodies of the ``wanted`` functions in textual IR, and the module's C string constants."""
    functions: dict[str, IrFunction] = {}
    strings: dict[str, str] = {}
    current: str | None = None
    params: list[str] = []
    body: list[str] = []
    for line in ir.splitlines():
        if current is not None:
            if line == "}":
                functions[current] = IrFunction(tuple(params), tuple(body))
                current = None
            else:
                body.append(line.strip())
            continue
        if line.startswith("@"):
            match = _STRING.match(line)
            if match:
                strings["@" + match[1]] = unescape(match[2]).split("\0", 1)[0]
        elif line.startswith("define "):
            match = _DEFINE.match(line)
            if match and match[1].strip('"') in wanted:
                current, params, body = match[1].strip('"'), parse_params(line), []
    return functions, strings


def _classify(operand: str, function: IrFunction, is_main: bool) -> str:
    """``argv``, ``environment`` or ``variable`` for a non-constant path operand."""
    defs = {}
    for line in function.body:
        match = _ASSIGN.match(line)
        if match:
            defs[match[1]] = match[2]
    argv = function.params[1] if is_main and len(function.params) > 1 else None
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


_GLOBAL = re.compile(r'@("(?:[^"\\]|\\.)*"|[-\w.$]+)')
#: musl runs these through /bin/sh; the path reaches exec inside a spawn-args struct, not a call.
SHELL = "/bin/sh"
#: musl's posix_spawn machinery: the child calls exec through a pointer stored in a struct, so
#: paths are only seen where they enter it.
SPAWN = frozenset({"posix_spawn", "posix_spawnp", "__posix_spawnx", "system", "popen", "child"})


def _path_operand(call_args: tuple[str, ...], index: int) -> str:
    if index >= len(call_args):
        return "poison"
    return call_args[index].split()[-1] if call_args[index].split() else "poison"


def _constant(text: str, strings: dict[str, str]) -> str | None:
    for match in _GLOBAL.finditer(text):
        if "@" + match[1] in strings:
            return strings["@" + match[1]]
    return None


def _sources(
    reachable: frozenset[str], ir_functions: dict[str, IrFunction], strings: dict[str, str]
) -> list[PathSource]:
    sources: set[PathSource] = set()
    for name in reachable:
        fn = ir_functions.get(name)
        if fn is None:
            continue
        inside = _base(name) in FAMILY
        for line in fn.body:
            assign = _ASSIGN.match(line)
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
                callee = _base(call.callee.lstrip("@").strip('"'))
                if callee not in FAMILY:
                    continue
                slot = FAMILY[callee]
                if slot is None:
                    sources.add(PathSource("constant", SHELL, callee))
                    if not inside:
                        sources.add(PathSource("command", name, callee))
                    continue
                if slot < 0:
                    if not inside:
                        sources.add(PathSource("fd", name, callee))
                    continue
                index = slot
            constant = _constant(texts[index], strings) if index < len(texts) else None
            operand = _path_operand(texts, index)
            if constant is not None:
                sources.add(PathSource("constant", constant, callee))
            elif inside or operand in ("poison", "undef"):
                continue  # forwarded or computed by a family function, or propagated into the callee
            else:
                sources.add(PathSource(_classify(operand, fn, _base(name) == "main"), name, callee))
    return sorted(sources)


def exec_facts(
    facts: Facts, reachable: frozenset[str], sites: dict[int, tuple[str, ...]], ir: str | None, program: str
) -> ExecFacts:
    """What ``program`` can exec: ``sites`` maps syscall numbers to the functions making them;
    ``ir`` is the module as text (None: functions only, no paths)."""
    if EXECVE not in sites and EXECVEAT not in sites:
        return ExecFacts(reachable=False)
    entries: set[str] = set()
    for name in reachable:
        fn = facts.functions.get(name)
        if fn is None or _base(name) in FAMILY:
            continue
        entries |= {_base(c.callee) for c in fn.calls if _base(c.callee) in FAMILY}
        if _base(name) not in SPAWN:
            entries |= {f"&{_base(r)}" for r in fn.refs if _base(r) in FAMILY}
    for nr in (EXECVE, EXECVEAT):
        entries |= {f"syscall in {f}" for f in sites.get(nr, ()) if _base(f) not in FAMILY}
    if ir is None:
        return ExecFacts(reachable=True, functions=tuple(sorted(entries)), notes=("paths not read: no module",))
    wanted = {
        name
        for name in reachable
        if (fn := facts.functions.get(name)) is not None
        and (any(_base(c.callee) in FAMILY for c in fn.calls) or EXECVE in fn.syscalls or EXECVEAT in fn.syscalls)
    }
    ir_functions, strings = read_ir_functions(ir, wanted)
    sources = _sources(reachable, ir_functions, strings)
    own = PurePosixPath(program).name
    self_only = (
        bool(sources)
        and not any(e.startswith(("&", "syscall")) for e in entries)
        and all(s.kind == "constant" and (s.value == SELF_EXE or PurePosixPath(s.value).name == own) for s in sources)
    )
    return ExecFacts(reachable=True, functions=tuple(sorted(entries)), sources=tuple(sources), self_only=self_only)


def module_exec_facts(facts: Facts, analysis: Analysis, module: Path | None, program: str) -> ExecFacts:
    """:func:`exec_facts` with the IR read from ``module`` (llvm-dis), only when exec is reachable."""
    sites = analysis.syscalls.sites
    if EXECVE not in sites and EXECVEAT not in sites:
        return ExecFacts(reachable=False)
    ir = None
    if module is not None and module.is_file():
        done = subprocess.run([find_llvm_tool("llvm-dis"), str(module), "-o", "-"], capture_output=True, text=True)
        ir = done.stdout if done.returncode == 0 else None
    return exec_facts(facts, analysis.reachable, sites, ir, program)

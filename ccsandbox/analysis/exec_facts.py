"""What a program can exec, from its facts (pure).

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

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..facts.extract import facts_of_module
from ..facts.irexec import EXECVE, EXECVEAT, FAMILY
from ..facts.irexec import base_name as _base
from ..facts.schema import Facts

if TYPE_CHECKING:
    from .analyze import Analysis

SELF_EXE = "/proc/self/exe"

__all__ = ["EXECVE", "EXECVEAT", "FAMILY", "ExecFacts", "PathSource", "exec_facts", "module_exec_facts"]


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


#: musl runs these through /bin/sh; the path reaches exec inside a spawn-args struct, not a call.
SHELL = "/bin/sh"
#: musl's posix_spawn machinery: the child calls exec through a pointer stored in a struct, so
#: paths are only seen where they enter it.
SPAWN = frozenset({"posix_spawn", "posix_spawnp", "__posix_spawnx", "system", "popen", "child"})


def _sources(reachable: frozenset[str], facts: Facts) -> list[PathSource]:
    """Where the exec'd paths come from, read from each reachable function's ``exec_calls``."""
    sources: set[PathSource] = set()
    for name in reachable:
        fn = facts.functions.get(name)
        if fn is None:
            continue
        inside = _base(name) in FAMILY
        for callee, path in fn.exec_calls:
            if path is None:  # no path argument: a shell command line, or a file descriptor
                if FAMILY.get(callee, 0) is None:
                    sources.add(PathSource("constant", SHELL, callee))
                    if not inside:
                        sources.add(PathSource("command", name, callee))
                elif not inside:
                    sources.add(PathSource("fd", name, callee))
            elif path.startswith("="):
                sources.add(PathSource("constant", path[1:], callee))
            elif not inside and path != "poison":  # else forwarded, computed or propagated by LTO
                sources.add(PathSource(path, name, callee))
    return sorted(sources)


def exec_facts(facts: Facts, reachable: frozenset[str], sites: dict[int, tuple[str, ...]], program: str) -> ExecFacts:
    """What ``program`` can exec: ``sites`` maps syscall numbers to the functions making them."""
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
    if not facts.exec_facts:
        return ExecFacts(
            reachable=True, functions=tuple(sorted(entries)), notes=("paths not read: facts without exec_calls",)
        )
    sources = _sources(reachable, facts)
    own = PurePosixPath(program).name
    self_only = (
        bool(sources)
        and not any(e.startswith(("&", "syscall")) for e in entries)
        and all(s.kind == "constant" and (s.value == SELF_EXE or PurePosixPath(s.value).name == own) for s in sources)
    )
    return ExecFacts(reachable=True, functions=tuple(sorted(entries)), sources=tuple(sources), self_only=self_only)


def module_exec_facts(facts: Facts, analysis: Analysis, module: Path | None, program: str) -> ExecFacts:
    """:func:`exec_facts` of an analysed program. Facts written before ``exec_calls`` existed (an
    older cc-sandbox's ``.facts``) are extracted again from ``module``, once, and the result says
    so."""
    sites = analysis.syscalls.sites
    if EXECVE not in sites and EXECVEAT not in sites:
        return ExecFacts(reachable=False)
    if facts.exec_facts or module is None or not module.is_file():
        return exec_facts(facts, analysis.reachable, sites, program)
    found = exec_facts(facts_of_module(module), analysis.reachable, sites, program)
    note = f"paths read from {module.name}: its facts predate exec_calls (relink to store them)"
    return ExecFacts(found.reachable, found.functions, found.sources, found.self_only, (*found.notes, note))

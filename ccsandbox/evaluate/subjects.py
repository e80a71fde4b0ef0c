"""The programs ``evaluate`` knows: the study's three (built from Debian sources by the recipes in
examples/real/) and the small examples (built from examples/), with their workloads and the
study's phase transition points."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CcSandboxError
from ..resources import repo_root

REPO = repo_root()
EXAMPLES = REPO / "examples"

__all__ = ["DEFAULT", "EXAMPLES", "QUICK", "SUBJECTS", "Subject", "select"]


@dataclass(frozen=True)
class Subject:
    name: str
    version: str
    study: str | None  # the study's name for it: ls, sqlite or redis
    recipe: str | None  # examples/real/<recipe>/build.sh, or
    example: str | None  # examples/<example>, built with cc-sandbox make
    binary: str  # the built binary, relative to its work directory
    workload: Path
    static_transition: str | None = None  # for phasecut: FUNC (--entry) or CALLER:CALLEE (--at)
    trace_point: str | None = None  # for the tracer's --phase-at (a function symbol)
    point_note: str = ""

    @property
    def source_files(self) -> list[Path]:
        """What the build cache key covers besides the toolchain."""
        if self.recipe is not None:
            here = EXAMPLES / "real" / self.recipe
            return sorted([*here.iterdir(), EXAMPLES / "real" / "lib.sh"])
        assert self.example is not None
        return sorted(
            p for p in (EXAMPLES / self.example).iterdir() if p.suffix in (".c", ".h") or p.name == "Makefile"
        )


SUBJECTS = {
    s.name: s
    for s in (
        Subject(
            "ls",
            "coreutils 9.1",
            "ls",
            "coreutils-ls",
            None,
            "src/coreutils-9.1/src/ls",
            EXAMPLES / "real/coreutils-ls/workload.json",
            static_transition="main:clear_files",
            trace_point="gobble_file",
            point_note="statically, the call to clear_files in main (as the study), which phasecut finds "
            "through the recipe's debug line tables although LTO inlines clear_files into main; the tracer "
            "needs a symbol, so it splits at the first entry of gobble_file, the first thing ls does after "
            "clear_files (a later point: its second phase can only be smaller)",
        ),
        Subject(
            "sqlite3",
            "sqlite 3.40.1",
            "sqlite",
            "sqlite3",
            None,
            "sqlite3-build/sqlite3",
            EXAMPLES / "real/sqlite3/workload.json",
            static_transition="shell_exec",
            trace_point="shell_exec",
            point_note="first instruction of shell_exec (as the study)",
        ),
        Subject(
            "redis-server",
            "redis 7.0.15",
            "redis",
            "redis",
            None,
            "src/redis-7.0.15/src/redis-server",
            EXAMPLES / "real/redis/workload.json",
            static_transition="aeProcessEvents",
            trace_point="aeProcessEvents",
            point_note="the study used the first instruction of aeMain; LTO inlines aeMain into main, so both "
            "sides use the first entry of aeProcessEvents, the first thing aeMain's loop does",
        ),
        Subject("hello", "example", None, None, "hello", "hello", EXAMPLES / "hello/workload.json"),
        Subject(
            "echo-server",
            "example",
            None,
            None,
            "echo-server",
            "echo-server",
            EXAMPLES / "echo-server/workload.json",
            static_transition="serve_loop",
            trace_point="serve_loop",
            point_note="first instruction of serve_loop",
        ),
        Subject("workers", "example", None, None, "workers", "workers", EXAMPLES / "workers/workload.json"),
    )
}
DEFAULT = ("ls", "sqlite3", "redis-server")
QUICK = ("hello", "echo-server", "workers", "sqlite3")


def select(names: str | None, quick: bool) -> list[Subject]:
    """The subjects named in a comma-separated list (or the default or quick set)."""
    wanted = [n.strip() for n in names.split(",") if n.strip()] if names else list(QUICK if quick else DEFAULT)
    unknown = [n for n in wanted if n not in SUBJECTS]
    if unknown:
        raise CcSandboxError(f"unknown program {', '.join(unknown)}; known: {', '.join(SUBJECTS)}")
    return [SUBJECTS[n] for n in dict.fromkeys(wanted)]

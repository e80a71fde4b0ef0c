"""The 2024 study's results, quoted (never measured here): /work/shared/notes/study-tables.md.

The study (a TU Delft bachelor thesis comparing syscall-filter generators) ran in Docker
``ubuntu:18.04`` on a host kernel 6.9.1 (AMD Ryzen 7 4800H, 8 cores, 16 GB), with a syscall
table of 373 entries: its blocked counts are out of 373, so allowed = 373 - blocked. Ours are
out of 383 (Linux 6.18); allowed counts compare across the two tables, blocked counts do not.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "PROGRAMS",
    "ROWS",
    "SETUP",
    "TABLE_SIZE",
    "TRACER_ONE_PHASE",
    "TRACER_TWO_PHASES",
    "TRANSITIONS",
    "QuotedRow",
]

TABLE_SIZE = 373
SETUP = (
    "Docker ubuntu:18.04, host kernel 6.9.1, AMD Ryzen 7 4800H (8 cores), 16 GB; syscall table of 373 "
    "entries; times measured with `time`"
)
PROGRAMS = {"ls": "coreutils ls 8.28", "sqlite": "sqlite 3.22 (shell)", "redis": "redis-server 4.0.9"}
TRANSITIONS = {
    "ls": "the call to clear_files in main",
    "sqlite": "first instruction of shell_exec",
    "redis": "first instruction of aeMain",
}


@dataclass(frozen=True)
class QuotedRow:
    """One tool's row of the study: blocked counts (of 373) and times in seconds per program.
    ``phases`` rows hold (phase 0, phase 1) blocked counts; None is "not run" or "failed"."""

    table: str
    tool: str
    kind: str  # "dynamic", "static" or "temporal"
    blocked: dict[str, int | None]
    seconds: dict[str, float | None]
    phases: dict[str, tuple[int, int] | None] | None = None
    note: str = ""

    def allowed(self, program: str) -> int | None:
        blocked = self.blocked.get(program)
        return None if blocked is None else TABLE_SIZE - blocked


TRACER_ONE_PHASE, TRACER_TWO_PHASES = "study's ptrace tracer, one phase", "study's tracer, two phases"
ROWS: tuple[QuotedRow, ...] = (
    QuotedRow(
        "1",
        "study's ptrace tracer, one phase",
        "dynamic",
        {"ls": 345, "sqlite": 341, "redis": 346},
        {"ls": 0.104, "sqlite": 0.344, "redis": 0.652},
    ),
    QuotedRow(
        "2",
        "study's tracer, two phases",
        "dynamic",
        {"ls": 345, "sqlite": 341, "redis": 346},
        {"ls": 0.108, "sqlite": 0.361, "redis": 0.725},
        phases={"ls": (345, 354), "sqlite": (341, 357), "redis": (346, 357)},
    ),
    QuotedRow(
        "3",
        "sysfilter",
        "static",
        {"ls": 293, "sqlite": 269, "redis": 275},
        {"ls": 12.4, "sqlite": 17.35, "redis": 13.06},
    ),
    QuotedRow(
        "4", "Confine", "static", {"ls": 201, "sqlite": 188, "redis": 189}, {"ls": 1.38, "sqlite": 2.21, "redis": 1.54}
    ),
    QuotedRow(
        "5",
        "Chestnut Sourcealyzer (static build)",
        "static",
        {"ls": 318, "sqlite": 296, "redis": 286},
        {"ls": 4.53, "sqlite": 1.67, "redis": 4.54},
        note="time is the -j16 build",
    ),
    QuotedRow(
        "6",
        "Chestnut Binalyzer syscalls, dynamic binary",
        "static",
        {"ls": 93, "sqlite": 99, "redis": 99},
        {"ls": 6.37, "sqlite": 10.768, "redis": 9.49},
    ),
    QuotedRow(
        "6",
        "Chestnut Binalyzer syscalls, static binary",
        "static",
        {"ls": 319, "sqlite": 298, "redis": 292},
        {"ls": 0.951, "sqlite": 3.01, "redis": 3.05},
    ),
    QuotedRow(
        "7",
        "Chestnut Binalyzer cfg, dynamic binary",
        "static",
        {"ls": 0, "sqlite": None, "redis": None},
        {"ls": 5.52, "sqlite": 1.43, "redis": 53.3},
        note="ls: none blocked; sqlite: angr failed",
    ),
    QuotedRow(
        "7",
        "Chestnut Binalyzer cfg, static binary",
        "static",
        {"ls": 318, "sqlite": 297, "redis": 292},
        {"ls": 11.88, "sqlite": 40.22, "redis": 60.52},
    ),
    QuotedRow(
        "8",
        "temporal specialization",
        "temporal",
        {"ls": None, "sqlite": 305, "redis": 287},
        {"ls": None, "sqlite": 1.91 + 138.37, "redis": 5.97 + 132.78},
        phases={"ls": None, "sqlite": (305, 311), "redis": (287, 295)},
        note="not run on ls; time is bitcode generation + analysis",
    ),
)

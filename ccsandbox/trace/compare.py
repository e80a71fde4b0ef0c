"""Static policy against dynamic traces (pure): the thesis' table, the set differences, a figure.

A syscall a trace saw but the policy does not allow is UNSOUND (the static analysis missed it):
listed first and makes the comparison fail. Calls made before the binary's embedded filter was
installed are kept apart: no filter was active, so no policy had to allow them.

A binary built with phases (``--phase-entry``/``--phase-at``) is also compared phase by phase:
static phase K's filter against what the traces saw from phase K on (traced with ``trace
--phase-at`` at the same points). The ``seccomp`` call that installs phase K's filter runs under
phase K-1's filter, although the tracer, stopping at the transition point, counts it in phase K;
it is counted where it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..syscalls import SYSCALL_NAMES

#: What a phase transition makes itself, under the filter of the phase before it.
TRANSITION_CALLS = frozenset({"seccomp"})

__all__ = ["Comparison", "PhaseComparison", "compare_phases", "compare_sets", "render_svg"]


@dataclass(frozen=True)
class PhaseComparison:
    """Static phase ``index`` against the traced phases from ``index`` on."""

    index: int
    transition: str | None
    static: frozenset[str]
    dynamic: frozenset[str] | None  # None: no trace has this phase

    @property
    def unsound(self) -> list[str]:
        return sorted(self.dynamic - self.static) if self.dynamic is not None else []

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.index,
            "transition": self.transition,
            "static_allowed": len(self.static),
            "dynamic": None if self.dynamic is None else len(self.dynamic),
            "unsound": self.unsound,
        }


def compare_phases(
    static: list[tuple[str | None, list[str]]], traces: list[dict[str, Any]], program: str
) -> list[PhaseComparison]:
    """Each static phase against the traces' cumulative sets of the same phase."""
    seen: dict[int, set[str]] = {}
    for trace in traces:
        programs = trace.get("programs", [])
        for record in [p for p in programs if Path(p["image"]).name == program] or programs[:1]:
            for phase in record.get("phases", []):
                seen.setdefault(int(phase["phase"]), set()).update(phase["cumulative"])
    result = []
    for k, (transition, names) in enumerate(static):
        allowed = frozenset(names)
        dynamic = seen.get(k) if k else None  # phase 0 is the whole comparison (without before-filter calls)
        if dynamic is not None and k > 0 and set(static[k - 1][1]) >= TRANSITION_CALLS:
            dynamic = dynamic - (TRANSITION_CALLS - allowed)
        result.append(PhaseComparison(k, transition, allowed, None if dynamic is None else frozenset(dynamic)))
    return result


@dataclass(frozen=True)
class Comparison:
    program: str
    static: frozenset[str]
    dynamic: frozenset[str]
    before_filter: frozenset[str]
    traces: int
    times: dict[str, float] = field(default_factory=dict)
    phases: tuple[tuple[str, frozenset[str]], ...] = ()  # (label, cumulative set) per traced phase
    static_phases: tuple[PhaseComparison, ...] = ()  # per static phase (a binary built with phases)

    @property
    def unsound(self) -> list[str]:
        return sorted(self.dynamic - self.static)

    @property
    def phase_unsound(self) -> dict[int, list[str]]:
        """Per static phase, what its filter would kill although the traces did it."""
        return {p.index: p.unsound for p in self.static_phases if p.unsound}

    @property
    def over_approximation(self) -> list[str]:
        return sorted(self.static - self.dynamic)

    def rows(self) -> list[tuple[str, int, int]]:
        """(source, allowed, blocked out of the table size)."""
        size = len(SYSCALL_NAMES)
        rows = [
            ("static (cc-sandbox)", len(self.static), size - len(self.static)),
            (
                f"dynamic ({self.traces} trace{'s' if self.traces != 1 else ''})",
                len(self.dynamic),
                size - len(self.dynamic),
            ),
        ]
        rows += [(label, len(names), size - len(names)) for label, names in self.phases]
        return rows + [
            (f"  static phase {p.index} ({p.transition or 'start-up'})", len(p.static), size - len(p.static))
            for p in self.static_phases
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "table_size": len(SYSCALL_NAMES),
            "rows": [{"source": s, "allowed": a, "blocked": b} for s, a, b in self.rows()],
            "unsound": self.unsound,
            **({"phases": [p.to_json() for p in self.static_phases]} if self.static_phases else {}),
            "over_approximation": self.over_approximation,
            "before_filter": sorted(self.before_filter),
            "times": self.times,
        }


def compare_sets(program: str, static: set[str], traces: list[dict[str, Any]], times: dict[str, float]) -> Comparison:
    """Compare a policy's allowed names with the program's part of each trace."""
    dynamic: set[str] = set()
    before: set[str] = set()
    phases: dict[tuple[int, str], set[str]] = {}
    for trace in traces:
        programs = trace.get("programs", [])
        mine = [p for p in programs if Path(p["image"]).name == program] or programs[:1]
        for record in mine:
            dynamic |= set(record.get("syscalls", []))
            before |= set(record.get("before_filter", []))
            for phase in record.get("phases", []):
                phases.setdefault((phase["phase"], phase["at"]), set()).update(phase["cumulative"])
    labelled = tuple((f"  phase {k} ({at}), cumulative", frozenset(names)) for (k, at), names in sorted(phases.items()))
    return Comparison(program, frozenset(static), frozenset(dynamic), frozenset(before), len(traces), times, labelled)


def render_svg(comparison: Comparison) -> str:
    """A bar chart of blocked syscalls per source, like the thesis' figures."""
    rows = comparison.rows()
    size, width, bar_h, left = len(SYSCALL_NAMES), 640, 28, 190
    height = 60 + bar_h * len(rows) * 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        f'font-size="13">',
        f'<text x="10" y="22" font-size="15">{comparison.program}: blocked syscalls (of {size}, x86_64)</text>',
    ]
    for i, (source, _, blocked) in enumerate(rows):
        y = 40 + i * bar_h * 2
        bar = (width - left - 60) * blocked / size
        color = "#3b7dd8" if i == 0 else "#7a7a7a"
        parts += [
            f'<text x="10" y="{y + 18}">{source}</text>',
            f'<rect x="{left}" y="{y}" width="{bar:.1f}" height="{bar_h}" fill="{color}"/>',
            f'<text x="{left + bar + 6:.1f}" y="{y + 18}">{blocked}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"

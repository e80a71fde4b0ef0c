"""Temporal phases: what the program can still do after a transition (pure).

A transition T is the first entry of a function (``--entry F``) or the moment just before a
call ``CALLER -> CALLEE`` (``--at``). Phase k+1 holds every syscall that *any thread* can make
once T has executed for the first time, in any thread: how that set is found is
:mod:`.phase_reach`, where a transition can happen :mod:`.transitions`.

Phase filters are cumulative because seccomp filters only tighten: phase k's filter allows the
union of the phases >= k, and what the next transition itself runs before its filter is active
(the runtime's ``__cc_sandbox_phase_N`` markers install filter N at their first entry, so their
own syscalls belong to the filter before).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..facts.schema import Facts
from ..syscalls import SYSCALL_NAMES, name_of
from .analyze import Analysis, analyze
from .asm_model import NativeFunction, load_asm_model
from .callgraph import is_dispatch
from .phase_program import PhaseProgram
from .phase_reach import PhaseReach, phase_reach
from .policy import IMPLIED, allowed_syscalls
from .roots import PHASE_MARKER_NAME, is_phase_marker
from .settings import IndirectMode
from .syscalls import SyscallSet, Unresolved, resolve_syscalls
from .transitions import Transition

__all__ = ["Phase", "PhaseAnalysis", "analyze_phases"]


@dataclass(frozen=True)
class Phase:
    index: int  # 0 = from the filter install at start-up
    allowed: frozenset[int]  # CUMULATIVE: what this phase's filter must allow
    own: frozenset[int]  # syscalls reachable in this phase alone (before cumulation); for phase
    # 0 the whole program's (what only runs before the first transition is not told apart)
    why: Mapping[int, str]  # per allowed nr, a one-line reason


@dataclass(frozen=True)
class PhaseAnalysis:
    transitions: tuple[Transition, ...]
    phases: tuple[Phase, ...]  # len(transitions) + 1
    seconds: float
    whole: Analysis | None = field(default=None, compare=False)
    reaches: tuple[PhaseReach, ...] = field(default=(), compare=False)


def _merge(sets: Iterable[SyscallSet]) -> SyscallSet:
    sites: dict[int, set[str]] = defaultdict(set)
    unresolved: set[Unresolved] = set()
    for found in sets:
        for nr, names in found.sites.items():
            sites[nr].update(names)
        unresolved.update(found.unresolved)
    return SyscallSet(
        sites={nr: tuple(sorted(n)) for nr, n in sorted(sites.items())}, unresolved=tuple(sorted(unresolved))
    )


def _allowed(found: SyscallSet, whole: SyscallSet) -> tuple[frozenset[int], dict[int, str]]:
    if found.unresolved:  # fail closed, as the whole-program policy does
        first = found.unresolved[0]
        return frozenset(SYSCALL_NAMES), dict.fromkeys(SYSCALL_NAMES, f"allow-all: unresolved site in {first.function}")
    why = allowed_syscalls(found)
    for nr, (trigger, reason) in IMPLIED.items():
        # A handler installed in an earlier phase still fires (and returns through rt_sigreturn)
        # after the transition, even when no later code can call rt_sigaction itself.
        if trigger in whole.sites and nr not in why:
            why[nr] = f"implied (by {name_of(trigger)} in an earlier phase): {reason}"
    return frozenset(why), dict(sorted(why.items()))


def analyze_phases(
    facts: Facts,
    transitions: Sequence[Transition],
    *,
    indirect_mode: str = "signature",
    natives: dict[str, NativeFunction] | None = None,
    whole: Analysis | None = None,
) -> PhaseAnalysis:
    """The phase sets of ``facts`` for ``transitions`` (in program order).

    Raises
    ------
    PhaseError
        unknown function (with close names), entry never reached, transition only inside a
        signal handler, inlined entry without debug info.
    """
    started = time.monotonic()
    natives = load_asm_model() if natives is None else natives
    whole = whole or analyze(facts, natives, IndirectMode(indirect_mode))
    program = PhaseProgram(facts, natives, whole)
    reaches: list[PhaseReach] = []
    for k, t in enumerate(transitions, start=1):
        done = frozenset(PHASE_MARKER_NAME.format(m) for m in range(1, k + 1))
        is_marker = t.entry is not None and is_phase_marker(t.entry)
        reach = phase_reach(program, t, done, marker=is_marker)
        if is_marker:
            assert t.entry is not None
            body = frozenset(n for n in program.descendants([t.entry]) if not is_dispatch(n))
            reach = replace(reach, needs=resolve_syscalls(facts, natives, program.graph, body, whole.roots))
        reaches.append(reach)
    own = [whole.syscalls, *(r.syscalls for r in reaches)]
    phases = []
    for k in range(len(own)):
        later = list(own[k:])
        if k < len(reaches) and reaches[k].needs is not None:
            later.append(reaches[k].needs)  # type: ignore[arg-type]
        allowed, why = _allowed(_merge(later), whole.syscalls)
        own_allowed, _ = _allowed(own[k], whole.syscalls)
        phases.append(Phase(index=k, allowed=allowed, own=own_allowed, why=why))
    return PhaseAnalysis(
        transitions=tuple(transitions),
        phases=tuple(phases),
        seconds=time.monotonic() - started,
        whole=whole,
        reaches=tuple(reaches),
    )

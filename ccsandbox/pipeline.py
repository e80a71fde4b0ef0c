"""The one path from facts to policy: every command that needs a syscall set goes through here.

bitcode -> facts -> call graph -> syscall sets -> **policy** -> filter -> binary. This module is
the middle step, written once: the asm model of musl's native functions, the analysis for
kernels from ``--min-kernel`` on and the one with every ENOSYS fallback (what older kernels
need), the policy of each, their argument constraints, and, on request, what the program can
exec and its phase sets. Link-time embedding (``embed.embed``), ``analyze``, ``explain``,
``phasecut`` and ``evaluate`` call :func:`compute_policy` (or :func:`policy_for_target`) and
print, embed or export the :class:`PolicyResult`; none of them re-assembles the steps, so the
filter in the binary and what the commands show cannot drift apart.

Pure apart from reading the asm model (a bundled file) and, for exec paths, the module's IR.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .analysis.analyze import Analysis
from .analysis.argfacts import analysis_constraints
from .analysis.asm_model import NativeFunction, load_asm_model
from .analysis.constraints import ConstraintSet
from .analysis.exec_facts import ExecFacts, module_exec_facts
from .analysis.fallbacks import FallbackPruning, analyze_for_kernels, fallback_report
from .analysis.phases import PhaseAnalysis, analyze_phases
from .analysis.policy import Policy
from .analysis.report import build_policy
from .analysis.settings import Settings, parse_min_kernel
from .analysis.transitions import Transition
from .facts.extract import load_facts
from .facts.schema import Facts
from .syscalls import SYSCALL_NAMES

__all__ = ["PhaseSets", "PolicyResult", "compute_policy", "phases_document", "policy_for_target"]

#: (transition as the user wrote it, the phase's allowed numbers), for phases 1..N.
PhaseSets = list[tuple[str, frozenset[int]]]


@dataclass(frozen=True)
class PolicyResult:
    """Everything computed from one program's facts, for kernels from ``--min-kernel`` on
    (``facts``, ``analysis``, ``policy``, ``constraints``) and, when fallback pruning removed
    something, for older kernels too (``loaded``, ``everywhere``, ``older``)."""

    program: str
    loaded: Facts  # as read: with every ENOSYS fallback
    facts: Facts  # of the filter for kernels >= min_kernel (``loaded`` when nothing was pruned)
    natives: dict[str, NativeFunction]
    analysis: Analysis
    everywhere: Analysis  # of ``loaded``; ``analysis`` itself when nothing was pruned
    pruning: FallbackPruning | None
    policy: Policy
    older: Policy | None  # the older kernels' policy, when pruning removed a site
    settings: Settings = field(default_factory=Settings)

    @cached_property
    def constraints(self) -> ConstraintSet:
        """The argument checks of ``policy``."""
        return analysis_constraints(self.analysis, self.facts, self.natives)

    @cached_property
    def older_constraints(self) -> ConstraintSet:
        """The argument checks of the older kernels' policy."""
        return analysis_constraints(self.everywhere, self.loaded, self.natives)

    @cached_property
    def fallbacks(self) -> dict[str, Any] | None:
        """The policy JSON's "fallbacks": what only older kernels' filter allows, and why."""
        if self.pruning is None or self.older is None:
            return None
        return fallback_report(set(self.older.allowed), set(self.policy.allowed), self.pruning)

    def exec_facts(self, module: Path | None) -> ExecFacts:
        """What the program can exec, from the facts (``module``: where to extract them again
        when the facts predate ``exec_calls``; None: nowhere)."""
        return module_exec_facts(self.loaded, self.everywhere, module, self.program)

    def phases(self, transitions: Sequence[Transition], older: bool = False) -> PhaseAnalysis:
        """The phase analysis of the newer kernels' facts (``phasecut``, ``explain --phase``), or
        (``older``) of the facts with every fallback."""
        facts, whole = (self.loaded, self.everywhere) if older else (self.facts, self.analysis)
        return analyze_phases(
            facts, transitions, indirect_mode=self.settings.mode.value, natives=self.natives, whole=whole
        )

    def phase_sets(self, specs: Sequence[str], transitions: Sequence[Transition], older: bool = False) -> PhaseSets:
        """(spec, set) of phases 1..N of the filter for newer kernels, or older ones: no phase
        allows what that start-up filter does not."""
        allowed = set((self.older if older and self.older is not None else self.policy).allowed)
        analysis = self.phases(transitions, older)
        return [
            (spec, frozenset(phase.allowed) & allowed) for spec, phase in zip(specs, analysis.phases[1:], strict=True)
        ]

    def document(self, execs: ExecFacts | None = None, phases: PhaseSets | None = None) -> dict[str, Any]:
        """The policy document (format cc-sandbox-policy) as the build writes it beside a binary:
        the policy, its constraints, exec, phases and fallbacks, in that order."""
        document = {**self.policy.to_json(), "constraints": self.constraints.to_json()}
        if execs is not None:
            document["exec"] = execs.to_json()
        if phases is not None:
            document["phases"] = phases_document(set(self.policy.allowed), phases)
        if self.fallbacks is not None:
            document["fallbacks"] = self.fallbacks
        return document


def phases_document(allowed: set[int], phases: PhaseSets) -> list[dict[str, Any]]:
    """The policy JSON's "phases": phase 0 is the start-up filter's set (the top-level allowed)."""
    rows: list[tuple[str | None, frozenset[int]]] = [(None, frozenset(allowed)), *phases]
    size = len(SYSCALL_NAMES)
    return [
        {
            "index": k,
            "transition": at,
            "allowed": sorted(nrs),
            "allowed_count": len(nrs),
            "blocked_count": size - sum(1 for nr in nrs if nr in SYSCALL_NAMES),
        }
        for k, (at, nrs) in enumerate(rows)
    ]


def compute_policy(
    facts: Facts, program: str, settings: Settings | None = None, started: float | None = None
) -> PolicyResult:
    """The policy of ``facts`` under ``settings``. ``started`` (a ``time.monotonic()`` reading,
    default now) is where the policy's measured seconds begin: a caller that loaded the facts
    itself passes the time it began loading.

    Raises
    ------
    AnalysisError
        with ``settings.unresolved == "refuse"``, when a site's number is unknown.
    CcSandboxError
        for a malformed ``settings.min_kernel``.
    """
    started = time.monotonic() if started is None else started
    settings = settings or Settings()
    natives = load_asm_model()
    pruned, analysis, everywhere, pruning = analyze_for_kernels(
        facts, natives, settings.mode, parse_min_kernel(settings.min_kernel)
    )
    policy = build_policy(analysis, program, settings.unresolved, time.monotonic() - started)
    older = build_policy(everywhere, program, settings.unresolved) if pruning is not None else None
    return PolicyResult(program, facts, pruned, natives, analysis, everywhere, pruning, policy, older, settings)


def policy_for_target(target: Path, settings: Settings | None = None, program: str | None = None) -> PolicyResult:
    """:func:`compute_policy` of TARGET (a binary built by cc-sandbox, its .bc, or .facts)."""
    started = time.monotonic()
    return compute_policy(load_facts(target), program or str(target), settings, started)

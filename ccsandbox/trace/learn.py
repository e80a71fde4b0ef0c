"""A usage-specific policy learned from traces, in the same ``cc-sandbox-policy`` format that
``analyze`` writes (so ``inspect``-style tools, ``compare``, ``export`` and ``--exec-allow`` read both).

It allows what the traced runs did once a filter would be active, plus the always-allowed set
(justified in ccsandbox/analysis/policy.py). Unlike the static policy it is not sound: code paths
the workload did not exercise are not in it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..analysis.policy import ALWAYS_ALLOWED, IMPLIED, Policy
from ..syscalls import SYSCALL_NUMBERS

__all__ = ["learn_policy"]


def learn_policy(trace: dict[str, Any]) -> Policy:
    """The policy of the trace's first program (the command that was traced)."""
    record = trace["programs"][0]
    allowed = {SYSCALL_NUMBERS[n]: "seen in a trace" for n in record["syscalls"] if n in SYSCALL_NUMBERS}
    for nr, why in ALWAYS_ALLOWED.items():
        allowed.setdefault(nr, "always: " + why)
    for nr, (trigger, why) in IMPLIED.items():
        if trigger in allowed:
            allowed.setdefault(nr, "implied: " + why)
    stats = {
        "source": "trace",
        "runs": trace.get("runs", 1),
        "command": trace.get("command"),
        "seconds": trace.get("seconds", 0.0),
    }
    return Policy(
        program=Path(record["image"]).name,
        allowed=dict(sorted(allowed.items())),
        unresolved=(),
        allow_all=False,
        stats=stats,
    )

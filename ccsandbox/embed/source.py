"""Reading "the policy of" something: a sandboxed binary (its embedded metadata) or a
``cc-sandbox-policy`` JSON file. Shared by ``export`` and ``compare``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analysis.constraints import ConstraintSet
from ..bpf.args import ArgRule
from ..errors import CcSandboxError
from ..section import read_embedded
from ..syscalls import name_of

__all__ = ["PolicySource", "read_policy_source"]


@dataclass(frozen=True)
class PolicySource:
    program: str
    allowed: list[str]  # syscall names
    action: str  # kill, trap, errno, log, or allow-all
    errno: int
    analysis_seconds: float
    exec_mode: str | None = None  # block | allow | floor | none | None: how the binary treats execve/execveat
    sandboxed: bool = False  # the binary installs its own filter at start-up (an embedded policy)
    enforced: tuple[str, ...] | None = None  # what its filter allows, when that differs (--deny, exec)
    args: Mapping[str, ArgRule] = field(default_factory=dict)  # syscall name -> argument rule

    #: phase K's transition (None for 0) and allowed names, for binaries built with phases
    phases: list[tuple[str | None, list[str]]] = field(default_factory=list)
    #: names allowed only on kernels older than ``older_below`` (musl's ENOSYS fallbacks)
    older_kernels: tuple[str, ...] = ()
    older_below: str | None = None

    def phase(self, index: int) -> list[str]:
        """The allowed names of phase ``index``; one clear error when there is no such phase."""
        if index == 0 and not self.phases:
            return self.allowed
        if not 0 <= index < len(self.phases):
            count = max(len(self.phases), 1)
            raise CcSandboxError(
                f"{self.program} has no phase {index}: it has {count} phase(s), 0"
                + (f" to {count - 1}" if count > 1 else "")
                + " (phases come from --phase-entry/--phase-at at build time)"
            )
        return self.phases[index][1]


def _args(doc: Any) -> dict[str, ArgRule]:
    """Argument rules from a ``constraints`` document (absent in policies without any)."""
    if not isinstance(doc, dict):
        return {}
    return {name_of(nr): rule for nr, rule in ConstraintSet.from_json(doc).rules.items()}


def _seconds(policy: dict[str, object]) -> float:
    analysis = policy.get("analysis")
    return float(analysis.get("seconds", 0.0)) if isinstance(analysis, dict) else 0.0


def _phases(rows: Any, names: bool) -> list[tuple[str | None, list[str]]]:
    """(transition, allowed names) per phase from the metadata (names) or a policy (numbers)."""
    if not isinstance(rows, list):
        return []
    return [
        (
            row.get("transition"),
            [str(n) for n in row["allowed"]] if names else [name_of(int(n)) for n in row["allowed"]],
        )
        for row in sorted(rows, key=lambda r: int(r["index"]))
    ]


def _older(doc: Any, allowed: list[str]) -> dict[str, Any]:
    """``older_kernels``/``older_below`` fields from an ``older_kernels`` entry (the enforcement's
    filter for kernels older than --min-kernel) or a policy's ``fallbacks``."""
    if not isinstance(doc, dict):
        return {}
    names: list[Any] = doc.get("allowed") or doc.get("older_kernel_allowed") or []
    below = doc.get("below", doc.get("min_kernel"))
    extra = tuple(sorted(set(map(str, names)) - set(allowed)))
    return {"older_kernels": extra, "older_below": str(below)} if extra else {}


def read_policy_source(source: Path) -> PolicySource:
    """The policy carried by ``source``; one clear error if it is neither kind."""
    with open(source, "rb") as stream:
        is_elf = stream.read(4) == b"\x7fELF"
    if is_elf:
        meta = read_embedded(source).metadata
        sidecar = Path(f"{source}.policy.json")
        seconds = _seconds(json.loads(sidecar.read_text())) if sidecar.is_file() else 0.0
        return PolicySource(
            str(meta.get("program", source.name)),
            list(meta.get("allowed", [])),
            str(meta.get("action", "kill")),
            int(meta.get("errno") or 1),
            seconds,
            meta.get("exec"),
            True,
            args=_args(meta.get("constraints")),
            phases=_phases(meta.get("phases"), names=True),
            **_older(meta.get("older_kernels"), list(meta.get("allowed", []))),
        )
    try:
        policy = json.loads(source.read_text())
        enforced = policy.get("enforcement")
        if isinstance(enforced, dict):  # the policy a sandboxed link wrote: what its binary enforces
            return PolicySource(
                str(policy["program"]),
                [entry["name"] for entry in policy["allowed"]],
                str(enforced["action"]),
                int(enforced.get("errno") or 1),
                _seconds(policy),
                enforced.get("exec"),
                True,
                tuple(enforced["allowed"]),
                _args(enforced.get("constraints")),
                phases=_phases(policy.get("phases"), names=False),
                **_older(enforced.get("older_kernels"), list(enforced["allowed"])),
            )
        return PolicySource(
            str(policy["program"]),
            [entry["name"] for entry in policy["allowed"]],
            "allow-all" if policy.get("allow_all") else "kill",
            1,
            _seconds(policy),
            args=_args(policy.get("constraints")),
            phases=_phases(policy.get("phases"), names=False),
            **_older(policy.get("fallbacks"), [entry["name"] for entry in policy["allowed"]]),
        )
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError, AttributeError, ValueError):
        raise CcSandboxError(f"{source} is neither a sandboxed binary nor a cc-sandbox policy JSON") from None

"""Argument constraints (pure): which arguments of which syscalls the filter checks, and why, and
how the values that reachable sites pass become a rule the filter enforces.

Soundness: a constraint only ever allows *at least* every value some reachable site can pass. The
input is, per reachable site of a syscall, the values each argument can take there (a set of
constants, after propagation through wrappers and callers) or ``None`` when the extractor cannot
tell (a value read from memory, a parameter of a function with an unknown caller, arithmetic).
One unknown at any reachable site leaves that argument unchecked, and the site is recorded so
``explain`` can say which one it was.

The chosen arguments (:data:`SPECS`) are those whose values decide what an exploit gains from a
syscall the program legitimately makes; each says why. Others stay name-level: a path or a
buffer cannot be checked by seccomp at all (it sees pointers, not what they point to).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..bpf.args import ArgCmp, ArgRule
from ..syscalls import SYSCALL_NUMBERS, name_of

__all__ = [
    "SPECS",
    "ArgSpec",
    "Constraint",
    "ConstraintSet",
    "SiteArgs",
    "Unconstrained",
    "derive_constraints",
    "explain_constraint",
    "render_constraints",
]

PROT_WRITE, PROT_EXEC = 0x2, 0x4
MAX_ALTERNATIVES = 256  # more distinct value combinations than this: left unchecked (filter size)


@dataclass(frozen=True)
class ArgSpec:
    """One checked argument: its index, its kernel type's width, and the security reason."""

    syscall: str
    index: int
    name: str
    width: int  # 32: int/unsigned int in the kernel (only the low half matters); 64: long
    kind: str  # "set": exactly the values sites pass; "prot": PROT_EXEC / W^X masks
    reason: str

    @property
    def nr(self) -> int:
        return SYSCALL_NUMBERS[self.syscall]


_PROT_WHY = (
    "W^X: with PROT_EXEC an exploit makes its injected code executable; a static non-PIE musl "
    "binary's code is mapped by the kernel at exec, so no site needs PROT_EXEC unless the program "
    "JITs, and none needs a mapping both writable and executable"
)

#: The checked arguments. Each reason is what allowing every value would hand an attacker.
SPECS: tuple[ArgSpec, ...] = (
    ArgSpec("mmap", 2, "prot", 64, "prot", _PROT_WHY),
    ArgSpec("mprotect", 2, "prot", 64, "prot", _PROT_WHY),
    ArgSpec("pkey_mprotect", 2, "prot", 64, "prot", _PROT_WHY),
    ArgSpec(
        "personality",
        0,
        "persona",
        32,
        "set",
        "READ_IMPLIES_EXEC makes every later PROT_READ mapping executable, which would undo the prot checks",
    ),
    ArgSpec(
        "ioctl",
        1,
        "request",
        32,
        "set",
        "each request is its own kernel interface (TIOCSTI injects terminal input, driver requests "
        "reach driver code); the program needs the few it passes",
    ),
    ArgSpec(
        "socket",
        0,
        "domain",
        32,
        "set",
        "a family is a whole protocol stack (AF_NETLINK, AF_PACKET, AF_ALG, AF_VSOCK...), the usual "
        "kernel attack surface; a program that only uses AF_UNIX should not open the others",
    ),
    ArgSpec("socket", 1, "type", 32, "set", "SOCK_RAW forges packets; the type selects the protocol code"),
    ArgSpec("socketpair", 0, "domain", 32, "set", "as for socket: the family selects a protocol stack"),
    ArgSpec(
        "clone",
        0,
        "flags",
        32,  # unsigned long, but clone(2) reads only its low 32 bits (lower_32_bits in kernel/fork.c)
        "set",
        "a program that only creates threads never needs a new process, a new namespace "
        "(CLONE_NEW*) or a shared-nothing fork from an exploit",
    ),
    ArgSpec(
        "prctl",
        0,
        "option",
        32,
        "set",
        "each option is its own interface (PR_SET_DUMPABLE, PR_SET_MM rewrites the memory map "
        "description, PR_SET_PTRACER lets another process attach)",
    ),
    ArgSpec(
        "fcntl",
        1,
        "cmd",
        32,
        "set",
        "F_SETOWN/F_SETSIG direct signals at other processes, F_SETPIPE_SZ pins kernel memory, "
        "leases and notifications watch other files",
    ),
    ArgSpec("kill", 1, "sig", 32, "set", "which signals the program can send to other processes"),
    ArgSpec("tkill", 1, "sig", 32, "set", "which signals the program can send to other threads"),
    ArgSpec("tgkill", 2, "sig", 32, "set", "which signals the program can send to other threads"),
)


@dataclass(frozen=True)
class SiteArgs:
    """One reachable syscall site: where it is, and per argument index its possible values
    (``None``: unknown). Indices absent from ``args`` are unknown."""

    nr: int
    site: str  # for explain, e.g. "mprotect in __expand_heap" or "via caller f"
    args: Mapping[int, frozenset[int] | None]


@dataclass(frozen=True)
class Unconstrained:
    """A checked argument left unchecked, and the site that made it so."""

    nr: int
    spec: ArgSpec
    site: str
    why: str

    def to_json(self) -> dict[str, Any]:
        return {
            "nr": self.nr,
            "name": name_of(self.nr),
            "arg": self.spec.index,
            "arg_name": self.spec.name,
            "site": self.site,
            "why": self.why,
        }


@dataclass(frozen=True)
class Constraint:
    """The rule for one syscall, and its explanation per argument."""

    nr: int
    rule: ArgRule
    summary: tuple[str, ...]  # e.g. "prot never PROT_EXEC"
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "nr": self.nr,
            "name": name_of(self.nr),
            "summary": list(self.summary),
            "reasons": list(self.reasons),
            "alternatives": [[{"index": c.index, "mask": c.mask, "value": c.value} for c in alt] for alt in self.rule],
        }


@dataclass(frozen=True)
class ConstraintSet:
    """Every constraint of a policy and every checked argument left unchecked."""

    constraints: dict[int, Constraint] = field(default_factory=dict)
    unconstrained: tuple[Unconstrained, ...] = ()

    @property
    def rules(self) -> dict[int, ArgRule]:
        return {nr: c.rule for nr, c in self.constraints.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "constrained_count": len(self.constraints),
            "constraints": [c.to_json() for c in self.constraints.values()],
            "unconstrained": [u.to_json() for u in self.unconstrained],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ConstraintSet:
        """The enforceable part back from a policy document (explanations kept as text)."""
        out = {}
        for c in doc.get("constraints", []):
            rule = tuple(tuple(ArgCmp(a["index"], a["mask"], a["value"]) for a in alt) for alt in c["alternatives"])
            out[c["nr"]] = Constraint(c["nr"], rule, tuple(c["summary"]), tuple(c["reasons"]))
        return cls(out, ())


def _prot_rule(values: frozenset[int]) -> tuple[ArgRule, str]:
    if not any(v & PROT_EXEC for v in values):
        return ((ArgCmp(2, PROT_EXEC, 0),),), "prot never has PROT_EXEC"
    if not any(v & PROT_EXEC and v & PROT_WRITE for v in values):
        return ((ArgCmp(2, PROT_EXEC, 0),), (ArgCmp(2, PROT_WRITE, 0),)), "prot never PROT_WRITE|PROT_EXEC (W^X)"
    rule = tuple((ArgCmp.eq(2, v, 32),) for v in sorted(values))
    return rule, "prot in {" + ", ".join(hex(v) for v in sorted(values)) + "} (a site passes W|X)"


def _minimal(alternatives: set[tuple[ArgCmp, ...]]) -> ArgRule:
    """Drop alternatives implied by a weaker one (a superset of its comparisons)."""
    kept = [a for a in alternatives if not any(set(b) < set(a) for b in alternatives)]
    return tuple(sorted(kept))


def _derive_one(nr: int, specs: list[ArgSpec], sites: list[SiteArgs]) -> tuple[Constraint | None, list[Unconstrained]]:
    """Each site contributes the combinations of its known values (an argument unknown at a
    site is unchecked for that site's alternatives only); a site with nothing known frees the
    syscall."""
    unknown = [
        Unconstrained(nr, spec, first.site, f"{spec.name} is not a known constant there")
        for spec in specs
        if (first := next((s for s in sites if s.args.get(spec.index) is None), None)) is not None
    ]
    if specs[0].kind == "prot":  # prot is the only checked argument of its syscalls
        if unknown:
            return None, unknown
        rule, text = _prot_rule(frozenset().union(*(s.args[2] or frozenset() for s in sites)))
        return Constraint(nr, rule, (text,), (specs[0].reason,)), unknown
    alternatives: set[tuple[ArgCmp, ...]] = set()
    for site in sites:
        known = [s for s in specs if site.args.get(s.index) is not None]
        if not known:
            return None, unknown
        per_arg = [[ArgCmp.eq(s.index, v, s.width) for v in sorted(site.args[s.index] or ())] for s in known]
        alternatives |= {tuple(combo) for combo in itertools.product(*per_arg)}
    if len(alternatives) > MAX_ALTERNATIVES:
        why = f"{len(alternatives)} value combinations, more than the filter checks ({MAX_ALTERNATIVES})"
        return None, unknown + [Unconstrained(nr, s, "all sites", why) for s in specs]
    summary, reasons = [], []
    for spec in specs:
        values = sorted({v & ((1 << spec.width) - 1) for s in sites for v in s.args.get(spec.index) or ()})
        if values:
            partly = " (where known)" if any(u.spec == spec for u in unknown) else ""
            summary.append(f"{spec.name} in {{{', '.join(hex(v) for v in values)}}}{partly}")
            reasons.append(spec.reason)
    return Constraint(nr, _minimal(alternatives), tuple(summary), tuple(reasons)), unknown


def derive_constraints(sites: Iterable[SiteArgs], allowed: Iterable[int]) -> ConstraintSet:
    """The constraints for the allowed syscalls, from the argument values of their reachable
    sites. A syscall allowed without any site (always-allowed, implied, added by hand) gets no
    constraint: nothing shows which values it needs."""
    by_nr: dict[int, list[SiteArgs]] = {}
    for site in sorted(sites, key=lambda s: s.site):  # by name: the site a reason names is the same every run
        by_nr.setdefault(site.nr, []).append(site)
    specs_by_nr: dict[int, list[ArgSpec]] = {}
    for spec in SPECS:
        specs_by_nr.setdefault(spec.nr, []).append(spec)
    constraints: dict[int, Constraint] = {}
    unconstrained: list[Unconstrained] = []
    for nr in sorted(set(allowed) & set(specs_by_nr)):
        if nr not in by_nr:
            unconstrained += [Unconstrained(nr, s, "(no site)", "allowed without a site") for s in specs_by_nr[nr]]
            continue
        constraint, unknown = _derive_one(nr, specs_by_nr[nr], by_nr[nr])
        unconstrained += unknown
        if constraint is not None:
            constraints[nr] = constraint
    return ConstraintSet(constraints, tuple(unconstrained))


def explain_constraint(found: ConstraintSet, nr: int) -> list[str]:
    """Lines for ``explain``: which argument values the filter allows for ``nr`` and why, and
    which reachable site left a checked argument unchecked."""
    lines = []
    constraint = found.constraints.get(nr)
    if constraint is not None:
        lines.append(f"arguments: {name_of(nr)} is allowed only with {'; '.join(constraint.summary)}")
        lines += [f"  why: {reason}" for reason in dict.fromkeys(constraint.reasons)]
    for u in found.unconstrained:
        if u.nr == nr:
            lines.append(f"arguments: {u.spec.name} (arg {u.spec.index}) is unchecked: {u.why}: {u.site}")
    return lines


def render_constraints(found: ConstraintSet) -> list[str]:
    """Lines for ``analyze``'s summary."""
    lines = [f"args        {name_of(c.nr)}: {'; '.join(c.summary)}" for c in found.constraints.values()]
    unchecked = sorted({name_of(u.nr) for u in found.unconstrained} - {name_of(nr) for nr in found.constraints})
    lines.append(
        f"args        {len(found.constraints)} allowed syscalls checked by argument"
        + (f"; unchecked (see explain): {' '.join(unchecked)}" if unchecked else "")
    )
    return lines

"""Argument values of the reachable syscall sites (pure): the input of the constraints.

The extractor records, per syscall site, each argument as constants and parameters of the
enclosing function (``pN``), or nothing when unknown. A site whose number or arguments are
parameters is expanded through the function's reachable direct callers, substituting what each
call passes, the way syscall numbers are resolved (:mod:`.syscalls`), but jointly: a wrapper's
number and arguments come from the same call. A parameter stays unknown when its function is an
entry point or is called through a pointer (any caller could pass anything), when a caller
passes something other than a constant or its own parameter, and past :data:`MAX_DEPTH`
callers. A syscall site without argument facts (an older extractor, a native function the asm
model does not describe) has every argument unknown: nothing is ever dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..facts.schema import Facts
from .analyze import Analysis
from .asm_model import NativeFunction
from .constraints import SPECS, ConstraintSet, SiteArgs, derive_constraints
from .digraph import Digraph
from .policy import allowed_syscalls
from .syscalls import field_numbers

__all__ = [
    "MAX_DEPTH",
    "ArgSite",
    "analysis_constraints",
    "argument_constraints",
    "collect_arg_sites",
    "from_entry",
    "resolve_arg_sites",
    "sites_by_function",
]

#: An argument atom: a constant, or the enclosing function's N-th parameter ("pN").
Atom = int | str
MAX_DEPTH = 24
CHECKED = frozenset(s.nr for s in SPECS)


@dataclass(frozen=True)
class ArgSite:
    """One syscall site as extracted: its number and, per argument index, the atoms it may be
    (an index absent from ``args`` is unknown)."""

    nr: tuple[Atom, ...]
    args: tuple[tuple[int, tuple[Atom, ...]], ...]


def _is_param(atom: Atom) -> bool:
    return isinstance(atom, str) and atom.startswith("p") and atom[1:].isdigit()


class _Expander:
    def __init__(
        self,
        calls: Mapping[str, Iterable[tuple[str, Mapping[int, Atom]]]],
        open_params: frozenset[str],
        why_open: Mapping[str, str],
    ) -> None:
        self.calls = calls  # callee -> (caller, args it passes)
        self.open = open_params  # functions any caller could reach with any value
        self.why_open = why_open
        self.out: list[SiteArgs] = []
        self.seen: set[tuple[str, ArgSite]] = set()

    def expand(self, function: str, site: ArgSite, where: tuple[str, ...]) -> None:
        key = (function, site)
        if key in self.seen:
            return  # the same atoms in the same function: already expanded (or a recursion)
        self.seen.add(key)
        params = [a for a in site.nr if _is_param(a)] + [a for _, atoms in site.args for a in atoms if _is_param(a)]
        here = " <- ".join(where)
        if not params:
            self._emit(site, here)
            return
        if function in self.open or len(where) >= MAX_DEPTH:
            why = self.why_open.get(function, "too many callers deep")
            self._emit(_unknown_params(site), f"{here} ({why})")
        for caller, passed in self.calls.get(function, ()):
            self.expand(caller, _substitute(site, passed), (*where, caller))

    def _emit(self, site: ArgSite, where: str) -> None:
        numbers = {a for a in site.nr if isinstance(a, int)}
        if any(not isinstance(a, int) for a in site.nr):
            return  # an unknown number: the syscall analysis reports it (fail-closed)
        args: dict[int, frozenset[int] | None] = {}
        for index, atoms in site.args:
            args[index] = None if any(not isinstance(a, int) for a in atoms) else frozenset(int(a) for a in atoms)
        for nr in sorted(numbers & CHECKED):
            self.out.append(SiteArgs(nr, where, args))


def _unknown_params(site: ArgSite) -> ArgSite:
    args = tuple((i, atoms) for i, atoms in site.args if not any(_is_param(a) for a in atoms))
    return ArgSite(tuple(a if not _is_param(a) else "?" for a in site.nr), args)


def _substitute(site: ArgSite, passed: Mapping[int, Atom]) -> ArgSite:
    """The site seen from a caller: each parameter replaced by what the call passes."""

    def sub(atoms: tuple[Atom, ...]) -> tuple[Atom, ...] | None:
        out: list[Atom] = []
        for atom in atoms:
            if _is_param(atom):
                value = passed.get(int(str(atom)[1:]))
                if value is None or not (isinstance(value, int) or _is_param(value)):
                    return None
                out.append(value)
            else:
                out.append(atom)
        return tuple(sorted(set(out), key=str))

    nr = sub(site.nr)
    args = tuple((i, a) for i, atoms in site.args if (a := sub(atoms)) is not None)
    return ArgSite(nr if nr is not None else ("?",), args)


def resolve_arg_sites(
    sites: Mapping[str, Iterable[ArgSite]],
    calls: Mapping[str, Iterable[tuple[str, Mapping[int, Atom]]]],
    graph: Digraph,
    reachable: Iterable[str],
    roots: Iterable[str],
    from_native: Iterable[str] = (),
) -> list[SiteArgs]:
    """Concrete argument values at every reachable site of a checked syscall.

    ``from_native``: functions that assembly calls or jumps to, with registers no fact shows.

    ``sites``: function -> its syscall sites with argument atoms (every site, including those
    with no argument known); ``calls``: function -> its direct calls as (callee, passed atoms).
    """
    live = frozenset(reachable)
    callers: dict[str, list[tuple[str, Mapping[int, Atom]]]] = defaultdict(list)
    for name in live:
        for callee, passed in calls.get(name, ()):
            callers[callee].append((name, passed))
    live_pseudo: set[str] = set()
    frontier = [v for u in live if u in graph for v in graph.successors(u) if str(v).startswith("<")]
    while frontier:
        node = frontier.pop()
        if node not in live_pseudo:
            live_pseudo.add(node)
            frontier += [v for v in graph.successors(node) if str(v).startswith("<")]
    why_open = {v: "called through a pointer" for u in live_pseudo for v in graph.successors(u)}
    why_open |= {name: "called from assembly" for name in from_native}
    why_open |= {root: "an entry point" for root in roots}
    expander = _Expander(callers, frozenset(why_open), why_open)
    for name in sorted(live):
        for site in sites.get(name, ()):
            expander.expand(name, site, (name,))
    return expander.out


def sites_by_function(raw: Mapping[str, Iterable[Mapping[str, object]]]) -> dict[str, list[ArgSite]]:
    """ArgSites from the facts' per-function ``syscall_args`` entries (FORMAT.md)."""
    out: dict[str, list[ArgSite]] = {}
    for name, entries in raw.items():
        for entry in entries:
            out.setdefault(name, []).append(from_entry(entry))
    return out


def from_entry(entry: Mapping[str, object]) -> ArgSite:
    def atoms(value: object) -> tuple[Atom, ...]:
        items = value if isinstance(value, list) else [value]
        return tuple(a for a in items if isinstance(a, int | str))

    raw_args = entry.get("args", {})
    args = tuple(sorted((int(k), atoms(v)) for k, v in raw_args.items())) if isinstance(raw_args, dict) else ()
    return ArgSite(atoms(entry["nr"]), args)


def _numbers_of_fields(site: ArgSite, fields: Mapping[str, frozenset[int] | None]) -> ArgSite:
    """The site with a number loaded from a struct field ("@ctx+12") replaced by every number the
    field can hold (unknown when it can hold anything): its arguments then constrain each."""
    if not any(isinstance(a, str) and a.startswith("@") for a in site.nr):
        return site
    nr: set[Atom] = set()
    for atom in site.nr:
        if isinstance(atom, str) and atom.startswith("@"):
            known = fields.get(atom[1:])
            nr |= set(known) if known is not None else {"?"}
        else:
            nr.add(atom)
    return ArgSite(tuple(sorted(nr, key=str)), site.args)


def collect_arg_sites(
    facts: Facts,
    natives: Mapping[str, NativeFunction],
    reachable: Iterable[str],
    fields: Mapping[str, frozenset[int] | None] | None = None,
) -> tuple[dict[str, list[ArgSite]], dict[str, list[tuple[str, dict[int, Atom]]]]]:
    """Per reachable function, its syscall sites with argument atoms and its direct calls.

    A number in a function's ``syscalls`` that no ``syscall_args`` entry covers (facts from an
    extractor without argument facts, a native syscall the asm model gives no arguments for)
    becomes a site with every argument unknown. A number loaded from a struct field becomes
    each number ``fields`` says it can hold."""
    sites: dict[str, list[ArgSite]] = {}
    calls: dict[str, list[tuple[str, dict[int, Atom]]]] = {}
    for name in reachable:
        fn = facts.functions.get(name)
        native = natives.get(name)
        numbers: list[Atom] = []
        entries: list[Mapping[str, object]] = []
        if fn is not None:
            numbers += list(fn.syscalls)
            entries += list(fn.syscall_args)
            calls[name] = [(c.callee, dict(c.args)) for c in fn.calls]
        if native is not None:
            numbers += list(native.syscalls)
            if native.syscall_param is not None:
                numbers.append(f"p{native.syscall_param}")
            entries += list(native.syscall_args)
        found = [from_entry(e) for e in entries]
        covered = {a for s in found for a in s.nr}
        if any(str(a).startswith("?") for a in covered):
            covered = set()  # a site whose arguments could not be read: none of them is known
        found += [ArgSite((n,), ()) for n in numbers if n not in covered and not str(n).startswith("?")]
        if found:
            sites[name] = [_numbers_of_fields(site, fields or {}) for site in found]
    return sites, calls


def argument_constraints(
    facts: Facts,
    natives: Mapping[str, NativeFunction],
    graph: Digraph,
    reachable: Iterable[str],
    roots: Iterable[str],
    allowed: Iterable[int],
) -> ConstraintSet:
    """The argument constraints of a whole program's allowed set."""
    live = list(reachable)
    sites, calls = collect_arg_sites(facts, natives, live, field_numbers(facts, graph, roots))
    from_native = {callee for native in natives.values() for callee in native.calls}
    return derive_constraints(resolve_arg_sites(sites, calls, graph, live, roots, from_native), allowed)


def analysis_constraints(analysis: Analysis, facts: Facts, natives: Mapping[str, NativeFunction]) -> ConstraintSet:
    """The constraints for an analysed program's allowed set (none for an allow-all policy)."""
    if analysis.syscalls.unresolved:
        return ConstraintSet()
    allowed = allowed_syscalls(analysis.syscalls)
    return argument_constraints(facts, natives, analysis.call_graph.graph, analysis.reachable, analysis.roots, allowed)

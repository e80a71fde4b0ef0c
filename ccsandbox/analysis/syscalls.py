"""Resolving syscall numbers over the reachable part of the call graph (pure).

A site's number is a constant, or a parameter of its function: that function is then a
*wrapper* and its callers supply the number (e.g. musl's ``syscall()`` or ``__syscall_cp_asm``).
Wrappers are resolved transitively through reachable callers. Anything that stays unknown -- a
non-constant argument, a wrapper called through a pointer, a site the pass could not read -- is
returned as :class:`Unresolved`, never dropped: the policy then fails closed.

A number may also travel through memory: loaded at the site from a struct field ("@ctx+12":
musl's setuid family puts it into a ``struct ctx`` that ``__synccall`` hands to every thread).
It is every value any function of the module stores into that field (constants, parameters
resolved through their callers, other fields), every constant an initializer puts there, and 0
(static storage and ``memset``/``= {0}`` zero-fill write no store of their own). The stores are
taken from the whole program, not just the reachable part: a phase may load what an earlier
phase stored. A field with a store of an unknown value, or that nothing visibly writes, stays
unresolved. What this assumes is C's aliasing rule, which the optimiser relies on as well: the
field is written through its member (or zero-filled), not through another type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, TypeAlias

from ..facts.schema import CallSite, Facts, Value
from .asm_model import NativeFunction

if TYPE_CHECKING:  # only a type here: the sets are read from a graph built elsewhere
    from .digraph import Digraph

__all__ = ["BY_DESIGN", "MODULE_ASM", "SyscallSet", "Unresolved", "field_numbers", "resolve_syscalls"]

#: Sites the pass records for ``int $0x80`` and ``sysenter``: they enter the i386 syscall ABI,
#: which the filter's architecture check kills whatever the number (AUDIT_ARCH_I386 is never
#: allowed), so they add nothing to the policy and need no number.
BY_DESIGN = "?int80"

#: What the pass's reasons for an unknown number mean (others are the LLVM opcode it came from).
REASONS = {
    "asm-rax": "asm: rax is not set from a constant or an operand before the syscall instruction",
    "asm-no-rax-operand": 'asm: no operand is bound to rax (use an "a" constraint)',
    "asm-rax-operands": "asm: several operands are bound to rax",
    "asm-label": "asm: a label before the syscall instruction (rax could come from a jump)",
    "asm-intel-syntax": "asm in Intel syntax, which cc-sandbox does not read",
}

#: The name under which syscall sites in file-scope asm outside any function label are listed.
MODULE_ASM = "module-level asm"


@dataclass(frozen=True, order=True)
class Unresolved:
    function: str
    reason: str


@dataclass(frozen=True)
class SyscallSet:
    sites: dict[int, tuple[str, ...]]  # number -> functions that contain a site for it
    unresolved: tuple[Unresolved, ...]


#: numbers found, and what stayed unknown
Found: TypeAlias = tuple[frozenset[int], tuple[Unresolved, ...]]


class _Resolver:
    """Resolves values over the ``reachable`` functions. Who calls a function, and whether a
    pointer can, are looked up per function on demand: only wrappers' parameters ask, and an
    index over every call of the program cost more than the whole resolution."""

    def __init__(self, facts: Facts, graph: Digraph, reachable: frozenset[str], roots: frozenset[str]) -> None:
        self.facts, self.graph, self.reachable, self.roots = facts, graph, reachable, roots
        self.whole: _Resolver | None = None  # for field values: every function of the module
        self.memo: dict[tuple[str, int], Found] = {}
        self._callers: dict[str, list[tuple[str, CallSite]]] = {}
        self._live_pseudo: dict[str, bool] = {}

    def callers(self, function: str) -> list[tuple[str, CallSite]]:
        """(caller, call) for each call of ``function`` in a reachable function."""
        found = self._callers.get(function)
        if found is None:
            found = []
            for caller in self.graph.predecessors(function) if function in self.graph else ():
                fn = self.facts.functions.get(caller) if caller in self.reachable else None
                found += [(caller, call) for call in (fn.calls if fn else ()) if call.callee == function]
            self._callers[function] = found
        return found

    def _pseudo_is_live(self, node: str) -> bool:
        """Is the pseudo node (dispatch or type group) ``node`` entered from reachable code,
        directly or through other pseudo nodes?"""
        known = self._live_pseudo.get(node)
        if known is None:
            seen, stack, known = {node}, [node], False
            while stack and not known:
                for p in self.graph.predecessors(stack.pop()):
                    if not p.startswith("<"):
                        known = known or p in self.reachable
                    elif p not in seen:
                        seen.add(p)
                        stack.append(p)
            self._live_pseudo[node] = known
        return known

    def indirectly_called(self, function: str) -> bool:
        """Can a live pointer call (through a dispatch or group node) enter ``function``?"""
        return function in self.graph and any(
            p.startswith("<") and self._pseudo_is_live(p) for p in self.graph.predecessors(function)
        )

    def param_values(self, function: str, index: int, stack: frozenset[tuple[str, int]] = frozenset()) -> Found:
        key = (function, index)
        if key in self.memo:
            return self.memo[key]
        if key in stack:
            return frozenset(), ()
        numbers: set[int] = set()
        unresolved: list[Unresolved] = []
        for caller, call in self.callers(function):
            value = dict(call.args).get(index)
            found, missing = self.value(caller, value, stack | {key}, callee=function)
            numbers |= found
            unresolved += missing
        if function in self.roots:
            unresolved.append(Unresolved(function, f"syscall number in parameter {index} of an entry point"))
        if self.indirectly_called(function):
            unresolved.append(
                Unresolved(function, f"syscall number in parameter {index}, and called through a pointer")
            )
        result = (frozenset(numbers), tuple(unresolved))
        self.memo[key] = result
        return result

    @cached_property
    def written(self) -> frozenset[str]:
        """Number fields that something visibly writes (a store, or an initializer); read only
        when a site loads its number from a field."""
        stores = {stored for fn in self.facts.functions.values() for stored, _ in fn.int_field_stores}
        return frozenset(stores | set(self.facts.global_int_fields))

    def field_values(self, field: str, stack: frozenset[tuple[str, int]]) -> Found:
        """What a number loaded from ``field`` can be, from every store in the whole program."""
        if self.whole is None:
            self.whole = _whole_program(self.facts, self.graph, self.roots)
        return self.whole.stored_values(field, stack)

    def stored_values(self, field: str, stack: frozenset[tuple[str, int]]) -> Found:
        key = (f"@{field}", -1)
        if key in self.memo:
            return self.memo[key]
        if key in stack:
            return frozenset(), ()
        numbers: set[int] = {0, *self.facts.global_int_fields.get(field, ())}
        unresolved: list[Unresolved] = []
        for name, fn in self.facts.functions.items():
            for stored_field, stored in fn.int_field_stores:
                if stored_field == field:
                    found, missing = self.value(name, stored, stack | {key}, into=field)
                    numbers |= found
                    unresolved += missing
        result = (frozenset(numbers), tuple(unresolved))
        self.memo[key] = result
        return result

    def value(
        self, function: str, value: Value | None, stack: frozenset[tuple[str, int]], callee: str = "", into: str = ""
    ) -> Found:
        if isinstance(value, int):
            return frozenset({value}), ()
        if isinstance(value, str) and value.startswith("p") and value[1:].isdigit():
            return self.param_values(function, int(value[1:]), stack)
        if isinstance(value, str) and value.startswith("@"):
            numbers, missing = self.field_values(value[1:], stack)
            if value[1:] not in self.written:  # written by means the facts do not show: nothing can be said
                missing += (
                    Unresolved(function, f"syscall number loaded from field {value[1:]}, which nothing visibly writes"),
                )
            return numbers, missing
        if into:
            reason = REASONS.get(value[1:], value[1:]) if isinstance(value, str) else "not a constant"
            return frozenset(), (
                Unresolved(function, f"syscall number stored into field {into} is unknown ({reason})"),
            )
        reason = value[1:] if isinstance(value, str) else "not a constant"
        reason = REASONS.get(reason, reason)
        target = f" passed to {callee}" if callee else ""
        return frozenset(), (Unresolved(function, f"syscall number{target} is unknown ({reason})"),)


def resolve_syscalls(
    facts: Facts,
    natives: dict[str, NativeFunction],
    graph: Digraph,
    reachable: Iterable[str],
    roots: Iterable[str] = (),
) -> SyscallSet:
    """Syscall numbers made by the ``reachable`` functions, with where each comes from."""
    live = frozenset(reachable)
    resolver = _Resolver(facts, graph, live, frozenset(roots))
    sites: dict[int, set[str]] = defaultdict(set)
    unresolved: set[Unresolved] = set()
    per_function: list[tuple[str, list[Value | None]]] = []
    for name in sorted(live):
        fn = facts.functions.get(name)
        native = natives.get(name)
        values: list[Value | None] = list(fn.syscalls) if fn else []
        if native is not None:
            values += list(native.syscalls)
            if native.syscall_param is not None:
                values.append(f"p{native.syscall_param}")
        per_function.append((name, values))
    if facts.module_asm_syscalls:  # file-scope asm outside any known function: assume it runs
        per_function.append((MODULE_ASM, list(facts.module_asm_syscalls)))
    for name, values in per_function:
        for value in values:
            if value == BY_DESIGN:
                continue
            numbers, missing = resolver.value(name, value, frozenset())
            for nr in numbers:
                sites[nr].add(name)
            unresolved.update(missing)
    return SyscallSet(
        sites={nr: tuple(sorted(names)) for nr, names in sorted(sites.items())},
        unresolved=tuple(sorted(unresolved)),
    )


def field_numbers(facts: Facts, graph: Digraph, roots: Iterable[str] = ()) -> dict[str, frozenset[int] | None]:
    """Every number each field that some site loads its number from can hold, as the
    resolution above finds it (whole program); None for a field with a value nobody can know."""
    resolver = _whole_program(facts, graph, frozenset(roots))
    loaded = {
        value[1:]
        for fn in facts.functions.values()
        for value in (*fn.syscalls, *(entry["nr"] for entry in fn.syscall_args))
        if isinstance(value, str) and value.startswith("@")
    }
    out: dict[str, frozenset[int] | None] = {}
    for field in sorted(loaded):
        numbers, missing = resolver.stored_values(field, frozenset())
        out[field] = None if missing or field not in resolver.written else numbers
    return out


def _whole_program(facts: Facts, graph: Digraph, roots: frozenset[str]) -> _Resolver:
    """A resolver over every defined function: what stores into a number field can put there."""
    defined = frozenset(n for n, fn in facts.functions.items() if not fn.declaration)
    resolver = _Resolver(facts, graph, defined, roots)
    resolver.whole = resolver
    return resolver

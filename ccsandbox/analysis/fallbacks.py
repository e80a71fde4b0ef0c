"""ENOSYS fallbacks that cannot run on a kernel at least ``--min-kernel`` (pure).

musl tries a newer syscall first and falls back to an older one when the kernel answers
``-ENOSYS``: ``epoll_create1`` -> ``epoll_create``, ``epoll_pwait`` -> ``epoll_wait``, ``pipe2`` ->
``pipe``, ``prlimit64`` -> the ``__synccall`` dance of ``setrlimit``, ``clock_gettime`` ->
``gettimeofday``. The facts mark the blocks that run only after a site's result was -ENOSYS
(``enosys_blocks``, passes/lib/FallbackFacts.cpp); this module decides which of those guards
really mean "this kernel lacks the syscall", and removes the sites of such blocks when every
kernel from ``min_kernel`` on has it. The analysis then runs on the pruned facts as on any
others, and the binary carries both filters: the runtime picks the pruned one on kernels at
least ``min_kernel`` and the unpruned one on older kernels (or when it cannot read the version),
so an older kernel never gets a kill.

A guard counts only when each site it names is a syscall whose number is listed in
:data:`ENOSYS_MEANS_MISSING` -- inline asm, or a call to a native wrapper the asm model says
returns its syscall's raw result (``__syscall_cp_asm``). Everything else stays a normal site:
errno comparisons, futex (it answers ENOSYS for operations it does not support), calls that
reach a filesystem (utimensat: a FUSE server may answer ENOSYS).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..facts.schema import Facts, FunctionFacts
from ..syscalls import SYSCALL_NAMES
from .analyze import Analysis, analyze
from .asm_model import NativeFunction
from .callgraph import call_graph_with_fewer_sites
from .settings import IndirectMode, KernelVersion, kernel_text

__all__ = [
    "ENOSYS_MEANS_MISSING",
    "FallbackPruning",
    "RemovedSite",
    "analyze_for_kernels",
    "fallback_report",
    "prune_fallbacks",
]

#: Syscalls whose -ENOSYS answer can only mean "this kernel predates it", with the x86_64 kernel
#: version that added it. None of them reaches a filesystem or a driver that could answer ENOSYS
#: for its own reasons, and none answers it for an unsupported flag or operation (their bad
#: arguments give EINVAL/EOPNOTSUPP). An outer sandbox that answers ENOSYS for one of these on a
#: new kernel (a seccomp profile with ENOSYS as its default action that omits it) would send
#: musl to the fallback and the pruned filter would kill it: `--min-kernel none` keeps every
#: fallback for such places. The mainstream container profiles allow all of them.
ENOSYS_MEANS_MISSING: dict[int, tuple[int, int, int]] = {
    228: (2, 6, 0),  # clock_gettime (an unsupported clock gives EINVAL)
    281: (2, 6, 19),  # epoll_pwait
    288: (2, 6, 28),  # accept4
    289: (2, 6, 27),  # signalfd4
    290: (2, 6, 27),  # eventfd2
    291: (2, 6, 27),  # epoll_create1
    292: (2, 6, 27),  # dup3
    293: (2, 6, 27),  # pipe2
    294: (2, 6, 27),  # inotify_init1
    302: (2, 6, 36),  # prlimit64
    322: (3, 19, 0),  # execveat (a file it cannot run gives ENOEXEC)
}


@dataclass(frozen=True)
class RemovedSite:
    """One site the fallback rule removed, and why."""

    function: str
    kind: str  # "c" (direct call), "i" (indirect call) or "s" (syscall)
    what: tuple[str, ...]  # callees, the indirect call's type, or syscall numbers (as text)
    needs_enosys_from: tuple[int, ...]  # the syscalls whose -ENOSYS it runs after

    def to_json(self) -> dict[str, object]:
        return {
            "function": self.function,
            "kind": {"c": "call", "i": "indirect call", "s": "syscall"}[self.kind],
            "what": list(self.what),
            "runs_only_after_enosys_from": [SYSCALL_NAMES.get(nr, str(nr)) for nr in self.needs_enosys_from],
        }


@dataclass(frozen=True)
class FallbackPruning:
    """The facts without the fallbacks a kernel >= ``min_kernel`` never runs."""

    min_kernel: KernelVersion
    facts: Facts
    removed: tuple[RemovedSite, ...]


def _guard_syscalls(fn: FunctionFacts, guard: tuple[int, ...], natives: dict[str, NativeFunction]) -> set[int] | None:
    """The syscalls whose raw results the guard's sites are, or None if one is anything else."""
    numbers: set[int] = set()
    for n in guard:
        site = fn.sites[n]
        values: list[object]
        if site.kind == "s":
            values = [fn.syscalls[r] for r in site.refs]
        elif site.kind == "c":
            values = []
            for r in site.refs:
                call = fn.calls[r]
                native = natives.get(call.callee)
                if native is None or not native.returns_syscall_result or native.syscall_param is None:
                    return None
                values.append(dict(call.args).get(native.syscall_param))
        else:
            return None
        for value in values:
            if not isinstance(value, int) or value not in ENOSYS_MEANS_MISSING:
                return None
            numbers.add(value)
    return numbers


def _what(fn: FunctionFacts, n: int) -> tuple[str, ...]:
    site = fn.sites[n]
    if site.kind == "c":
        return tuple(sorted({fn.calls[r].callee for r in site.refs}))
    if site.kind == "i":
        return tuple(fn.indirect_calls[r].type for r in site.refs)
    return tuple(str(fn.syscalls[r]) for r in site.refs)


def prune_fallbacks(facts: Facts, natives: dict[str, NativeFunction], min_kernel: KernelVersion) -> FallbackPruning:
    """Remove every site of a block that runs only after a listed syscall returned -ENOSYS,
    when ``min_kernel`` and every later kernel have that syscall."""
    floor = (*min_kernel, 0)
    functions = dict(facts.functions)
    removed: list[RemovedSite] = []
    for name, fn in facts.functions.items():
        blocks = fn.enosys_blocks
        if not blocks:
            continue
        dead_blocks: dict[int, tuple[int, ...]] = {}
        for block, guards in blocks.items():
            for guard in guards:
                numbers = _guard_syscalls(fn, guard, natives)
                if numbers and all(ENOSYS_MEANS_MISSING[nr] <= floor for nr in numbers):
                    dead_blocks[block] = tuple(sorted(numbers))
                    break
        dead = frozenset(n for n, site in enumerate(fn.sites) if site.block in dead_blocks)
        if not dead:
            continue
        functions[name] = fn.without_sites(dead)
        removed += [
            RemovedSite(name, fn.sites[n].kind, _what(fn, n), dead_blocks[fn.sites[n].block]) for n in sorted(dead)
        ]
    return FallbackPruning(min_kernel, replace(facts, functions=functions), tuple(removed))


def fallback_report(
    before: set[int], after: set[int], pruning: FallbackPruning, per_syscall: int = 4
) -> dict[str, Any]:
    """What the rule removed, for the policy JSON, ``analyze --json`` and ``inspect``: the
    syscalls allowed on older kernels only, each with the removed sites that made it (or, when it
    was reached through a removed call, those calls), and every removed site."""
    calls = [site for site in pruning.removed if site.kind != "s"]
    removed: dict[str, list[dict[str, object]]] = {}
    for nr in sorted(before - after):
        own = [site for site in pruning.removed if site.kind == "s" and str(nr) in site.what]
        why = own or calls
        removed[SYSCALL_NAMES.get(nr, str(nr))] = [site.to_json() for site in why[:per_syscall]]
    return {
        "min_kernel": kernel_text(pruning.min_kernel),
        "older_kernel_allowed": sorted(SYSCALL_NAMES.get(nr, str(nr)) for nr in before),
        "older_kernel_allowed_count": len(before),
        "removed_syscalls": removed,
        "removed_sites": len(pruning.removed),
    }


def analyze_for_kernels(
    facts: Facts, natives: dict[str, NativeFunction], mode: IndirectMode, min_kernel: KernelVersion | None
) -> tuple[Facts, Analysis, Analysis, FallbackPruning | None]:
    """(the facts of the filter for kernels >= ``min_kernel``, their analysis, the analysis with
    every fallback, the pruning or None when nothing was pruned), as the build computes them.
    The call graph is built once: pruning removes sites from a few functions, whose edges alone
    are built again for the newer kernels' analysis."""
    everywhere = analyze(facts, natives, mode)
    pruning = prune_fallbacks(facts, natives, min_kernel) if min_kernel else None
    if pruning is None or not pruning.removed:
        return facts, everywhere, everywhere, None
    changed = {site.function for site in pruning.removed}
    graph = call_graph_with_fewer_sites(everywhere.call_graph, facts, pruning.facts, natives, changed)
    return pruning.facts, analyze(pruning.facts, natives, mode, graph), everywhere, pruning

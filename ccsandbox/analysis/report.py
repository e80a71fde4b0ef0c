"""Building a policy from an analysis, and the "why is this allowed" chain (pure)."""

from __future__ import annotations

from ..errors import AnalysisError
from ..facts.schema import Facts
from ..syscalls import name_of
from .analyze import Analysis
from .callgraph import is_dispatch
from .policy import ALWAYS_ALLOWED, IMPLIED, Policy, allowed_syscalls

__all__ = ["build_policy", "explain_chain"]


def build_policy(analysis: Analysis, program: str, unresolved: str = "allow-all", seconds: float = 0.0) -> Policy:
    """The policy for ``analysis``; ``unresolved`` is what unknown numbers do: allow-all or refuse."""
    found = analysis.syscalls
    if found.unresolved and unresolved == "refuse":
        first = found.unresolved[0]
        raise AnalysisError(
            f"{len(found.unresolved)} syscall site(s) have unknown numbers (first: {first.function}: "
            f"{first.reason}); refusing to build a policy (use --unresolved allow-all to allow everything)"
        )
    cg = analysis.call_graph
    stats = {
        "indirect_mode": cg.mode.value,
        "functions": sum(1 for node in cg.graph if not is_dispatch(node)),
        "reachable_functions": len(analysis.reachable),
        "roots": sorted(analysis.roots),
        "indirect_sites": cg.indirect_sites,
        "indirect_targets": cg.indirect_targets,
        "seconds": round(seconds, 3),
    }
    return Policy(
        program=program,
        allowed=allowed_syscalls(found),
        unresolved=found.unresolved,
        allow_all=bool(found.unresolved),
        stats=stats,
    )


def explain_chain(analysis: Analysis, nr: int) -> list[str]:
    """Lines explaining why syscall ``nr`` is allowed: a shortest call chain from a root to a site."""
    sites = analysis.syscalls.sites.get(nr)
    if not sites:
        if nr in ALWAYS_ALLOWED:
            return [f"{name_of(nr)} is always allowed: {ALWAYS_ALLOWED[nr]}"]
        if nr in IMPLIED and IMPLIED[nr][0] in analysis.syscalls.sites:
            trigger, why = IMPLIED[nr]
            return [f"{name_of(nr)} is implied by {name_of(trigger)}: {why}", *explain_chain(analysis, trigger)]
        raise AnalysisError(f"{name_of(nr)} ({nr}) is not allowed: no reachable code makes it")
    full = analysis.call_graph.graph
    keep = set(analysis.reachable) | {n for n in full if is_dispatch(n)}
    graph = full.subgraph(keep)
    source = "<entry>"
    graph.add_edges_from((source, root) for root in analysis.roots if root in graph)
    paths = graph.shortest_paths(source)
    if not any(s in paths for s in sites):  # file-scope asm outside any function: always counted
        return [f"{name_of(nr)} ({nr}) is made in {', '.join(sites)}, which is counted as always reachable"]
    best = min((paths[s] for s in sites if s in paths), key=len)
    lines = [f"{name_of(nr)} ({nr}) is made in {', '.join(sites)}; shortest chain from an entry point:"]
    chain = [n for n in best[1:]]
    depth = 0
    for i, caller in enumerate(chain[:-1]):
        if is_dispatch(caller):
            continue
        j = i + 1
        while is_dispatch(chain[j]):
            j += 1
        via = ""
        if j > i + 1:
            via = f"   [indirect call, {chain[i + 1][len('<indirect ') : -1]}]"
        elif graph.kind(caller, chain[j]) == "native":
            via = "   [from assembly]"
        lines.append(f"  {'  ' * depth}{caller} -> {chain[j]}{via}")
        depth += 1
    root = best[1]
    lines.insert(1, f"  {root}: {analysis.roots[root]}")
    return lines


def _may_be(value: object, nr: int) -> bool:
    """Can a stored value be ``nr``? A constant that is, or a parameter or field (resolved elsewhere)."""
    return value == nr or (isinstance(value, str) and value[:1] in "p@")


def explain_fields(facts: Facts, analysis: Analysis, nr: int) -> list[str]:
    """Lines saying where syscall ``nr``'s number comes from when a site loads it from a struct
    field (musl's setuid family): the field, and the functions that write ``nr`` there."""
    lines = []
    for site in analysis.syscalls.sites.get(nr, ()):
        fn = facts.functions.get(site)
        for value in fn.syscalls if fn else ():
            if not (isinstance(value, str) and value.startswith("@")):
                continue
            field = value[1:]
            writers = sorted(
                name
                for name, other in facts.functions.items()
                if any(f == field and _may_be(v, nr) for f, v in other.int_field_stores)
            )
            shown = ", ".join(writers[:6]) + (" ..." if len(writers) > 6 else "")
            lines.append(
                f"  number    loaded in {site} from struct field {field}, written by {shown or 'initializers'}"
            )
    return lines

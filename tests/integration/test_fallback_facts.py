"""ENOSYS fallbacks: the ``enosys_blocks`` facts on the shared fixture passes/test/Inputs/enosys.c
(the pass and the reference extractor state the same facts), and which of them the analysis
prunes for a minimum kernel."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ccsandbox.analysis.asm_model import NativeFunction, load_asm_model
from ccsandbox.analysis.fallbacks import ENOSYS_MEANS_MISSING, prune_fallbacks
from ccsandbox.analysis.settings import parse_min_kernel
from ccsandbox.errors import CcSandboxError
from ccsandbox.facts.schema import Facts, canonical_facts, parse_facts

from .helpers import INPUTS, pass_facts, reference_facts

GOLDEN = json.loads((INPUTS / "enosys.facts.json").read_text())
#: the fixture's stand-in for musl's __syscall_cp_asm: returns its syscall's raw result
NATIVES = {
    **load_asm_model(),
    "native_cp": NativeFunction("native_cp", "fixture", syscall_param=1, returns_syscall_result=True),
}


def _function(name: str) -> dict[str, Any]:
    return dict(next(f for f in GOLDEN["functions"] if f["name"] == name))


def _guarded(name: str) -> list[tuple[Any, list[list[Any]]]]:
    """(what each guarded site is, its guards as what their sites are), in site order."""
    fn = _function(name)

    def what(n: int) -> Any:
        _, kind, *refs = fn["sites"][n]
        if kind == "s":
            return fn["syscalls"][refs[0]]
        return fn["calls"][refs[0]]["callee"]

    blocks = fn.get("enosys_blocks", {})
    return [
        (what(n), [[what(s) for s in guard] for guard in blocks[str(site[0])]])
        for n, site in enumerate(fn["sites"])
        if str(site[0]) in blocks
    ]


def test_the_pass_gives_the_golden_fallback_facts() -> None:
    assert pass_facts(INPUTS / "enosys.ll") == GOLDEN


def test_the_reference_extractor_gives_the_same_facts() -> None:
    assert canonical_facts(reference_facts(INPUTS / "enosys.ll")) == canonical_facts(GOLDEN)


def test_what_counts_as_running_only_after_enosys() -> None:
    # r == -ENOSYS && !flags, with the int truncation as a mask of the low 32 bits
    assert _guarded("create1") == [(213, [[291]])]
    # r != -ENOSYS returns: everything after, calls included, runs only after -ENOSYS
    assert _guarded("pipe2_like") == [("pipe_old", [[293]]), ("log_it", [[293]])]
    # the compared value is either site's result (a phi): one guard naming both
    assert _guarded("pwait") == [(232, [[281, "native_cp"]])]
    # a chain: the last fallback has seen both answers
    assert _guarded("chain") == [(261, [[280]]), (235, [[280], [261]])]
    # a switch case of -ENOSYS
    assert _guarded("switched") == [("log_it", [[292]]), (33, [[292]])]
    # a constant -ENOSYS no syscall returned, another errno, a merge point: only the one real case
    assert _guarded("not_fallbacks") == [(104, [[102]])]


def _facts() -> Facts:
    return parse_facts(GOLDEN)


def test_pruning_removes_fallbacks_of_syscalls_the_kernel_has() -> None:
    pruned = prune_fallbacks(_facts(), NATIVES, (6, 1)).facts.functions
    assert pruned["create1"].syscalls == (291,)
    assert [c.callee for c in pruned["pipe2_like"].calls] == []
    assert pruned["pwait"].syscalls == (281,)  # the call to native_cp stays: it is the guard
    assert [c.callee for c in pruned["pwait"].calls] == ["native_cp"]
    assert pruned["switched"].syscalls == (292,) and not pruned["switched"].calls
    # order facts stay consistent: every site refers to a fact that is still there
    assert [s.kind for s in pruned["switched"].sites] == ["s"]
    assert not pruned["create1"].enosys_blocks


def test_pruning_keeps_what_could_still_run() -> None:
    facts = _facts()
    pruned = prune_fallbacks(facts, NATIVES, (6, 1)).facts.functions
    # utimensat may answer ENOSYS from a filesystem (FUSE), and getuid is not listed: kept
    assert 280 not in ENOSYS_MEANS_MISSING
    assert pruned["chain"] == facts.functions["chain"]
    assert pruned["not_fallbacks"] == facts.functions["not_fallbacks"]
    # a kernel older than epoll_create1 (2.6.27) may answer ENOSYS: nothing is removed
    assert not prune_fallbacks(facts, NATIVES, (2, 6)).removed


def test_a_wrapper_not_known_to_return_the_raw_result_is_no_guard() -> None:
    plain = {**NATIVES, "native_cp": NativeFunction("native_cp", "fixture", syscall_param=1)}
    pruned = prune_fallbacks(_facts(), plain, (6, 1)).facts.functions
    assert 232 in pruned["pwait"].syscalls


def test_the_removed_sites_say_why() -> None:
    removed = prune_fallbacks(_facts(), NATIVES, (6, 1)).removed
    dup2 = next(r for r in removed if r.function == "switched" and r.kind == "s")
    assert dup2.to_json() == {
        "function": "switched",
        "kind": "syscall",
        "what": ["33"],
        "runs_only_after_enosys_from": ["dup3"],
    }


@pytest.mark.parametrize("text", ["6", "6.1.2", "latest", "-1.0", ""])
def test_a_bad_min_kernel_is_one_clear_error(text: str) -> None:
    with pytest.raises(CcSandboxError, match=r"MAJOR\.MINOR"):
        parse_min_kernel(text)
    assert parse_min_kernel("none") is None
    assert parse_min_kernel("5.10") == (5, 10)

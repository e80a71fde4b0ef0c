"""ENOSYS fallbacks in a real build: the filter for kernels from --min-kernel on leaves musl's
fallbacks out, the binary carries the filter with them too and installs it on older kernels, and
the choice is the running kernel's. An older kernel is played by answering pipe2 with -ENOSYS at
its exit stop (ptrace), as a kernel without pipe2 would: musl then calls pipe."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from ccsandbox.analysis.asm_model import load_asm_model
from ccsandbox.analysis.callgraph import build_call_graph, call_graph_with_fewer_sites
from ccsandbox.analysis.fallbacks import prune_fallbacks
from ccsandbox.analysis.settings import parse_min_kernel
from ccsandbox.facts.extract import load_facts
from ccsandbox.syscalls import SYSCALL_NUMBERS as NR

from .helpers import REPO
from .inject import Outcome, run_with_injection

PROGRAMS = Path(__file__).parent / "programs"
ENOSYS = 38


def _build(work: Path, cc_sandbox: str, *options: str) -> tuple[Path, dict[str, object]]:
    work.mkdir()
    shutil.copy(PROGRAMS / "fallbacks.c", work)
    (work / "Makefile").write_text("fallbacks: fallbacks.c\n\t$(CC) -O2 -o $@ $<\n")
    subprocess.run([cc_sandbox, "make", "-s", *options, "-C", str(work)], check=True, capture_output=True)
    return work / "fallbacks", json.loads((work / "fallbacks.policy.json").read_text())


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, sysroot: object) -> dict[str, tuple[Path, dict]]:
    """fallbacks.c built with the default --min-kernel, with one newer than any kernel (so this
    kernel counts as older), and with none."""
    work = tmp_path_factory.mktemp("fallbacks")
    return {
        "default": _build(work / "default", cc_sandbox),
        "future": _build(work / "future", cc_sandbox, "--min-kernel", "99.0"),
        "none": _build(work / "none", cc_sandbox, "--min-kernel", "none"),
        "future-deny": _build(work / "future-deny", cc_sandbox, "--min-kernel", "99.0", "--deny", "pipe"),
    }


def _names(policy: dict) -> set[str]:
    return {entry["name"] for entry in policy["allowed"]}


def test_the_filter_for_new_kernels_leaves_the_fallbacks_out(builds: dict[str, tuple[Path, dict]]) -> None:
    binary, policy = builds["default"]
    assert {"pipe2", "epoll_create1"} <= _names(policy)
    assert not {"pipe", "epoll_create"} & _names(policy)
    fallbacks = policy["fallbacks"]
    assert fallbacks["min_kernel"] == "6.1"
    assert {"pipe", "epoll_create"} <= set(fallbacks["removed_syscalls"])
    assert {"pipe", "epoll_create"} <= set(fallbacks["older_kernel_allowed"])
    why = fallbacks["removed_syscalls"]["epoll_create"][0]
    assert why["runs_only_after_enosys_from"] == ["epoll_create1"]
    assert policy["enforcement"]["older_kernels"]["below"] == "6.1"
    assert "pipe" in policy["enforcement"]["older_kernels"]["allowed"]
    done = subprocess.run([str(binary)], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "ok\n")


def test_an_older_kernel_gets_the_filter_with_the_fallbacks(builds: dict[str, tuple[Path, dict]]) -> None:
    """pipe2 answered -ENOSYS: musl falls back to pipe. Under the filter for new kernels that is
    a call no such kernel makes, and it dies; a binary whose --min-kernel is above this kernel
    installed the filter with the fallbacks, and goes on."""
    killed = run_with_injection([str(builds["default"][0])], NR["pipe2"], None, answer=-ENOSYS)
    assert killed == Outcome(signal.SIGSYS, None)
    older = run_with_injection([str(builds["future"][0])], NR["pipe2"], None, answer=-ENOSYS)
    assert older == Outcome(None, 0)
    # the older kernels' filter is a real one: a fallback denied in it (--deny) dies there
    denied = run_with_injection([str(builds["future-deny"][0])], NR["pipe2"], None, answer=-ENOSYS)
    assert denied == Outcome(signal.SIGSYS, None)
    # and without the answer, the binary of a future --min-kernel works as well
    done = subprocess.run([str(builds["future"][0])], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "ok\n")


def test_min_kernel_none_keeps_one_filter_with_every_fallback(
    builds: dict[str, tuple[Path, dict]], cc_sandbox: str
) -> None:
    binary, policy = builds["none"]
    assert {"pipe", "epoll_create"} <= _names(policy)
    assert "fallbacks" not in policy and "older_kernels" not in policy["enforcement"]
    assert run_with_injection([str(binary)], NR["pipe2"], None, answer=-ENOSYS) == Outcome(None, 0)
    shown = subprocess.run([cc_sandbox, "inspect", "--json", str(builds["default"][0])], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    meta = json.loads(shown.stdout)
    assert meta["min_kernel"] == "6.1" and "pipe" in meta["fallbacks"]["removed_syscalls"]
    jsonschema = pytest.importorskip("jsonschema")
    for document, schema in ((meta, "embedded"), (builds["default"][1], "policy")):
        found = json.loads((REPO / "schemas" / f"{schema}.schema.json").read_text())
        jsonschema.Draft202012Validator(found).validate(document)


def test_analyze_and_explain_say_what_the_rule_removed(builds: dict[str, tuple[Path, dict]], cc_sandbox: str) -> None:
    binary = builds["default"][0]
    shown = subprocess.run([cc_sandbox, "analyze", str(binary)], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    line = next(text for text in shown.stdout.splitlines() if text.startswith("fallbacks"))
    assert "kernels older than 6.1 also get:" in line and "pipe" in line
    why = subprocess.run([cc_sandbox, "explain", str(binary), "epoll_create"], capture_output=True, text=True)
    assert why.returncode == 0, why.stderr
    assert "only on kernels older than 6.1" in why.stdout and "after -ENOSYS from epoll_create1" in why.stdout
    bad = subprocess.run(
        [cc_sandbox, "make", "--min-kernel", "six", "-C", "/nonexistent"], capture_output=True, text=True
    )
    assert bad.returncode != 0 and "MAJOR.MINOR" in bad.stderr and "Traceback" not in bad.stderr


def test_the_newer_kernels_call_graph_is_the_one_a_fresh_build_gives(builds: dict[str, tuple[Path, dict]]) -> None:
    """One graph build serves both analyses: the edges of the pruned functions alone are built
    again, and the result is the graph of the pruned facts, but for dispatch nodes that only a
    removed site used (nothing enters them)."""
    binary, _ = builds["default"]
    facts, natives = load_facts(binary), load_asm_model()
    pruning = prune_fallbacks(facts, natives, parse_min_kernel("6.1"))
    assert pruning.removed
    changed = {site.function for site in pruning.removed}
    derived = call_graph_with_fewer_sites(build_call_graph(facts, natives), facts, pruning.facts, natives, changed)
    fresh = build_call_graph(pruning.facts, natives)
    unused = {n for n in derived.graph if n not in fresh.graph}
    assert all(n.startswith("<indirect ") and not list(derived.graph.predecessors(n)) for n in unused)
    assert derived.graph.subgraph(fresh.graph).succ == fresh.graph.succ
    assert (derived.indirect_sites, derived.indirect_targets) == (fresh.indirect_sites, fresh.indirect_targets)

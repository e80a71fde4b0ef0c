"""The three real programs build from Debian sources through cc-sandbox and pass smoke runs.

Each recipe (examples/real/<name>/build.sh) fetches the source with apt-get source, builds it
with `cc-sandbox make`/`build`, and prints the binary's path; smoke.sh then exercises it. Set
CC_SANDBOX_REAL_WORK to a directory to reuse sources and builds between runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ccsandbox.facts.llvmlite_extract import extract_facts
from ccsandbox.facts.schema import canonical_facts
from ccsandbox.trace.compare import compare_sets
from ccsandbox.trace.tracer import run_trace
from ccsandbox.trace.workload import load_workload, run_workload

from .helpers import EXAMPLES, module_functions, run
from .real_builds import build_once
from .tracing import unsound
from .workloads import WORKLOADS

RECIPES = {
    # name: (libc function the module must contain, program function it must contain)
    "sqlite3": ("__stdio_write", "sqlite3_open_v2"),
    "redis": ("epoll_wait", "aeProcessEvents"),  # aeMain itself is inlined into main by LTO
    "coreutils-ls": ("__stdio_write", "main"),
}


def build(name: str, real_work: Path, env: dict[str, str]) -> Path:
    """Build a recipe once per test session; returns the binary."""
    return build_once(name, real_work, env)[0]


@pytest.mark.real_programs
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_real_program_builds_and_passes_its_smoke_run(name: str, real_work: Path, tool_env: dict[str, str]) -> None:
    binary = build(name, real_work, tool_env)
    assert binary.is_file() and Path(f"{binary}.link.json").is_file()
    smoke = run([str(EXAMPLES / "real" / name / "smoke.sh"), str(binary)], tool_env, timeout=120)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr  # run under the embedded kill-process filter
    inspected = run(
        [str(Path(tool_env["PATH"].split(":")[0]) / "cc-sandbox"), "inspect", "--json", str(binary)], tool_env
    )
    assert inspected.returncode == 0 and json.loads(inspected.stdout)["action"] == "kill", inspected.stdout
    libc_function, program_function = RECIPES[name]
    functions = module_functions(Path(f"{binary}.bc"))
    assert {"main", libc_function, program_function} <= functions


@pytest.mark.real_programs
@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_real_program_policy_covers_everything_its_workload_does(
    name: str, real_work: Path, tool_env: dict[str, str], tmp_path: Path
) -> None:
    binary = build(name, real_work, tool_env)
    policy = Path(f"{binary}.policy.json")
    assert not json.loads(policy.read_text())["allow_all"], "the policy must not fall back to allow-all"
    observed = WORKLOADS[name](binary, tmp_path)
    assert len(observed) > 15, f"the workload did too little: {sorted(observed)}"
    assert unsound(observed, policy) == []


@pytest.mark.real_programs
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_reference_extractor_agrees_with_the_pass_on_real_programs(
    name: str, real_work: Path, tool_env: dict[str, str]
) -> None:
    binary = build(name, real_work, tool_env)
    in_link = json.loads(Path(f"{binary}.facts").read_text())
    assert canonical_facts(extract_facts(Path(f"{binary}.bc"))) == canonical_facts(in_link)


@pytest.mark.real_programs
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_bundled_workload_traced_by_our_tracer_finds_nothing_unsound(
    name: str, real_work: Path, tool_env: dict[str, str]
) -> None:
    binary = build(name, real_work, tool_env)
    merged = run_workload(load_workload(EXAMPLES / "real" / name / "workload.json"), binary, lambda line: None)
    policy = json.loads(Path(f"{binary}.policy.json").read_text())
    result = compare_sets(binary.name, {e["name"] for e in policy["allowed"]}, [merged], {})
    assert len(result.dynamic) > 15 and result.unsound == [], result.unsound


@pytest.mark.real_programs
@pytest.mark.parametrize("name", ["sqlite3", "coreutils-ls"])
def test_our_tracer_sees_what_strace_sees_on_the_workloads(
    name: str, real_work: Path, tool_env: dict[str, str], tmp_path: Path
) -> None:
    binary = build(name, real_work, tool_env)
    workload = load_workload(EXAMPLES / "real" / name / "workload.json")
    ours_dir, strace_dir = tmp_path / "ours", tmp_path / "strace"  # each side replays every case in order
    ours_dir.mkdir()
    strace_dir.mkdir()
    for i, case in enumerate(workload["cases"]):
        with open(os.devnull) as stdin:  # the same stdin and (non-null) stdout for both tracers
            values = {"binary": str(binary), "dir": str(binary.parent), "tmp": str(ours_dir), "port": "0"}
            trace = run_trace([str(a).format(**values) for a in case["argv"]], cwd=str(ours_dir), stdin=stdin.fileno())
            ours = {n for p in trace.programs for n in p.calls + p.unfiltered}
            values["tmp"] = str(strace_dir)
            log = tmp_path / f"strace-{i}.log"
            argv = [str(a).format(**values) for a in case["argv"]]
            subprocess.run(
                ["strace", "-f", "-qq", "-o", str(log), *argv],
                cwd=strace_dir,
                stdin=stdin,
                capture_output=True,
                timeout=120,
            )
        theirs = {m[1] for line in log.read_text().splitlines() if (m := re.match(r"^\d+\s+(\w+)\(", line))}
        assert ours == theirs, (case.get("name"), ours ^ theirs)

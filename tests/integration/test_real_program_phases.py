"""The real programs built with a phase transition (issue 9): redis-server from aeMain, the sqlite3
shell from shell_exec, ls from its call of clear_files in main. Each session build is relinked
with the transition (ls also recompiles ls.c, where compiling would inline clear_files), then must
pass its smoke run and its workload under kill-process filters, and the tracer, stopping at the
same points, must see nothing that a phase's filter does not allow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccsandbox.embed.options import PolicyOptions
from ccsandbox.embed.source import read_policy_source
from ccsandbox.trace.compare import compare_phases, compare_sets
from ccsandbox.trace.workload import load_workload, run_workload

from .helpers import EXAMPLES, run
from .real_builds import relinked_once
from .relink import relink
from .test_real_programs import build

PHASED = {
    # name: (transitions, objects to recompile with them)
    "redis": (("aeMain",), ()),
    "sqlite3": (("shell_exec",), ()),
    "coreutils-ls": (("main:clear_files",), ("src/ls.o",)),
}
COMPANIONS = ("redis-cli", "redis-benchmark")  # the redis workload runs them from the server's directory


@pytest.mark.real_programs
@pytest.mark.parametrize("name", sorted(PHASED))
def test_real_program_with_phases_passes_its_workload_in_kill_mode(
    name: str,
    real_work: Path,
    tool_env: dict[str, str],
    cc_sandbox_cc: str,
    tmp_path: Path,
) -> None:
    specs, recompile = PHASED[name]
    session = build(name, real_work, tool_env)
    binary = relinked_once(
        name,
        real_work,
        lambda dest: relink(session, dest, cc_sandbox_cc, tool_env, PolicyOptions(phases=specs), recompile),
        f"phases {specs} recompile {recompile}",
    )
    for companion in COMPANIONS if name == "redis" else ():
        if not (binary.parent / companion).is_symlink():
            (binary.parent / companion).symlink_to(session.parent / companion)
    meta = json.loads(run(["cc-sandbox", "inspect", "--json", str(binary)], tool_env).stdout)
    assert meta["problems"] == [] and meta["action"] == "kill" and len(meta["phases"]) == 1 + len(specs)
    assert set(meta["phases"][1]["allowed"]) <= set(meta["phases"][0]["allowed"])
    smoke = run([str(EXAMPLES / "real" / name / "smoke.sh"), str(binary)], tool_env, timeout=120)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    merged = run_workload(
        load_workload(EXAMPLES / "real" / name / "workload.json"), binary, lambda _: None, list(specs)
    )
    source = read_policy_source(binary)
    overall = compare_sets(binary.name, set(source.allowed), [merged], {})
    assert len(overall.dynamic) > 15 and overall.unsound == [], overall.unsound
    phases = compare_phases(source.phases, [merged], binary.name)
    assert phases[1].dynamic is not None and len(phases[1].dynamic) > 5, "the tracer never reached the transition"
    assert {p.index: p.unsound for p in phases} == {p.index: [] for p in phases}

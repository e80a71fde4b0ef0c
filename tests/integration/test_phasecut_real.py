"""`phasecut` on the real programs at the study's hand-picked transition points."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from .helpers import run
from .test_real_programs import build, real_work  # noqa: F401  (the fixture)

POINTS = {
    "redis": ["--entry", "aeMain"],
    "sqlite3": ["--entry", "shell_exec"],
    "coreutils-ls": ["--at", "main:clear_files"],
}


@pytest.mark.real_programs
@pytest.mark.parametrize("name", sorted(POINTS))
def test_phases_at_the_studys_points_narrow_the_whole_program_filter(
    name: str,
    real_work: Path,  # noqa: F811
    tool_env: dict[str, str],
    cc_sandbox: str,
) -> None:
    binary = build(name, real_work, tool_env)
    started = time.monotonic()
    done = run([cc_sandbox, "phasecut", "--json", *POINTS[name], str(binary)], tool_env)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    zero, one = json.loads(done.stdout)["phases"]
    policy = json.loads(Path(f"{binary}.policy.json").read_text())
    assert [a["nr"] for a in zero["allowed"]] == [a["nr"] for a in policy["allowed"]], "phase 0 is the policy"
    assert {a["nr"] for a in one["allowed"]} <= {a["nr"] for a in zero["allowed"]}
    assert seconds < 10, f"phasecut took {seconds:.1f} s"

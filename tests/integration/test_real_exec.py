"""Whole packages whose programs run other programs, built through cc-sandbox with the exec modes
of their recipe's cc-sandbox.conf: coreutils' launchers, dash, and (opt-in, long) findutils with
its own `make check`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ccsandbox.embed.floor import PROFILE

from .helpers import EXAMPLES, run
from .test_real_programs import build

pytestmark = [
    pytest.mark.real_programs,
    pytest.mark.skipif(not PROFILE.is_file(), reason="golang-github-containers-common is not installed"),
]


def _enforcement(binary: Path) -> dict[str, Any]:
    enforcement: dict[str, Any] = json.loads(Path(f"{binary}.policy.json").read_text())["enforcement"]
    return enforcement


def test_coreutils_launchers_run_commands_while_ls_keeps_its_tight_filter(
    real_work: Path, tool_env: dict[str, str]
) -> None:
    bin_dir = build("coreutils-launchers", real_work, tool_env)
    smoke = run([str(EXAMPLES / "real" / "coreutils-launchers" / "smoke.sh"), str(bin_dir)], tool_env, timeout=120)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    for launcher in ("env", "timeout", "nice", "nohup"):
        assert _enforcement(bin_dir / launcher)["exec"] == "floor"
    ls = _enforcement(bin_dir / "ls")
    analysed = {entry["name"] for entry in json.loads(Path(f"{bin_dir / 'ls'}.policy.json").read_text())["allowed"]}
    assert ls["exec"] is None and set(ls["allowed"]) == analysed  # nothing added for launchers
    assert len(analysed) <= 39, sorted(analysed)  # ls' own tight set (38 on kernels >= 6.1)


def test_dash_built_through_cc_sandbox_runs_a_script(real_work: Path, tool_env: dict[str, str]) -> None:
    dash = build("dash", real_work, tool_env)
    assert _enforcement(dash)["exec"] == "floor"
    smoke = run([str(EXAMPLES / "real" / "dash" / "smoke.sh"), str(dash)], tool_env, timeout=120)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr


@pytest.mark.skipif(
    os.environ.get("CC_SANDBOX_FINDUTILS_CHECK") != "1", reason="long (~260 links and the test suites): opt in"
)
def test_findutils_passes_its_own_make_check(real_work: Path, tool_env: dict[str, str]) -> None:
    src = build("findutils", real_work, tool_env)
    for program in ("find/find", "xargs/xargs"):
        assert _enforcement(src / program)["exec"] == "floor"
    check = run(
        [str(EXAMPLES / "real" / "findutils" / "check.sh"), str(real_work / "findutils")], tool_env, timeout=7200
    )
    assert check.returncode == 0, check.stderr[-3000:]
    assert "# FAIL:  0" in check.stderr and "unexpected" not in check.stderr

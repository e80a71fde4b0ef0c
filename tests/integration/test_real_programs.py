"""The three real programs build from Debian sources through cc-sandbox and pass smoke runs.

Each recipe (examples/real/<name>/build.sh) fetches the source with apt-get source, builds it
with `cc-sandbox make`/`build`, and prints the binary's path; smoke.sh then exercises it. Set
CC_SANDBOX_REAL_WORK to a directory to reuse sources and builds between runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .helpers import EXAMPLES, module_functions, run

RECIPES = {
    # name: (libc function the module must contain, program function it must contain)
    "sqlite3": ("__stdio_write", "sqlite3_open_v2"),
    "redis": ("epoll_wait", "aeProcessEvents"),  # aeMain itself is inlined into main by LTO
    "coreutils-ls": ("__stdio_write", "main"),
}


@pytest.fixture(scope="module")
def real_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("CC_SANDBOX_REAL_WORK")
    return Path(chosen) if chosen else tmp_path_factory.mktemp("real")


@pytest.mark.real_programs
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_real_program_builds_and_passes_its_smoke_run(name: str, real_work: Path, tool_env: dict[str, str]) -> None:
    built = run([str(EXAMPLES / "real" / name / "build.sh"), str(real_work)], tool_env, timeout=1800)
    assert built.returncode == 0, built.stderr[-3000:]
    binary = Path(built.stdout.strip().splitlines()[-1])
    assert binary.is_file() and Path(f"{binary}.link.json").is_file()
    smoke = run([str(EXAMPLES / "real" / name / "smoke.sh"), str(binary)], tool_env, timeout=120)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    libc_function, program_function = RECIPES[name]
    functions = module_functions(Path(f"{binary}.bc"))
    assert {"main", libc_function, program_function} <= functions

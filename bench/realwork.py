"""Where the real programs are built, for the benchmarks: the tests' kept trees.

The tests build each recipe in WORK/RECIPE (tests/integration/real_builds.py), WORK being
$CC_SANDBOX_REAL_WORK or ~/.cache/cc-sandbox/tests/real-KEY; the benchmarks read the same trees
(the newest, when several are kept), so a test run is all the set-up they need.
"""

from __future__ import annotations

import os
from pathlib import Path

#: program -> its path under WORK
PROGRAMS = {
    "ls": "coreutils-ls/src/coreutils-9.1/src/ls",
    "sqlite3": "sqlite3/sqlite3-build/sqlite3",
    "redis-server": "redis/src/redis-7.0.15/src/redis-server",
}


def real_work() -> Path:
    """$CC_SANDBOX_REAL_WORK, else the newest kept test tree (or /tmp/real when none is)."""
    chosen = os.environ.get("CC_SANDBOX_REAL_WORK")
    if chosen:
        return Path(chosen)
    kept = sorted((Path.home() / ".cache" / "cc-sandbox" / "tests").glob("real-*"), key=lambda p: p.stat().st_mtime)
    return kept[-1] if kept else Path("/tmp/real")


def program(name: str, work: Path | None = None) -> Path:
    """The built binary of ``name`` (a key of :data:`PROGRAMS`)."""
    return (work or real_work()) / PROGRAMS[name]

"""Shared fixtures: where the installed commands are and whether the real toolchain is here.

Tests that need clang-19 and the musl sysroot are skipped when either is missing, unless
CC_SANDBOX_REQUIRE_TOOLCHAIN=1 (CI sets it), which turns the skip into a failure so a broken
set-up can never pass as "all skipped".
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from ccsandbox.errors import CcSandboxError
from ccsandbox.sysroot import Sysroot, load_sysroot

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _command(name: str) -> str:
    found = BIN / name
    return str(found) if found.is_file() else shutil.which(name) or name


@pytest.fixture(scope="session")
def cc_sandbox() -> str:
    """The installed ``cc-sandbox`` console script."""
    return _command("cc-sandbox")


@pytest.fixture(scope="session")
def cc_sandbox_cc() -> str:
    """The installed compiler driver (what ``cc-sandbox make`` puts in CC)."""
    return _command("cc-sandbox-cc")


@pytest.fixture(scope="session")
def sysroot() -> Sysroot:
    """The musl sysroot; skips (or fails under CC_SANDBOX_REQUIRE_TOOLCHAIN=1) when absent."""
    try:
        return load_sysroot()
    except CcSandboxError as err:
        if os.environ.get("CC_SANDBOX_REQUIRE_TOOLCHAIN") == "1":
            pytest.fail(f"toolchain required but unavailable: {err}")
        pytest.skip(f"no usable sysroot: {err}")


@pytest.fixture(scope="session")
def session_env(sysroot: Sysroot) -> dict[str, str]:
    """Environment for running the commands: the venv's bin first on PATH, the sysroot chosen
    (for session- and module-scoped fixtures; tests take tool_env, their own copy)."""
    path = os.pathsep.join([str(BIN), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "CC_SANDBOX_SYSROOT": str(sysroot.path)}


@pytest.fixture()
def tool_env(session_env: dict[str, str]) -> dict[str, str]:
    """session_env, as a copy a test may change."""
    return dict(session_env)

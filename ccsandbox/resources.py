"""Paths to the non-Python parts of cc-sandbox that live beside the package in the checkout.

cc-sandbox is installed editable (``pip install -e .``, which ``./setup.sh`` does), so the
``musl/``, ``toolchain/`` and ``passes/`` directories are found next to this package.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import CcSandboxError

__all__ = ["musl_dir", "plugin_path", "repo_root", "toolchain_bin_dir"]


def repo_root() -> Path:
    """The checkout this package was installed from."""
    return Path(__file__).resolve().parent.parent


def _checkout_dir(name: str) -> Path:
    path = repo_root() / name
    if not path.is_dir():
        raise CcSandboxError(
            f"{path} is missing: cc-sandbox must be installed from its source checkout "
            "(`pip install -e .`, as ./setup.sh does)"
        )
    return path


def musl_dir() -> Path:
    """``musl/``: the sysroot recipe and the model of musl's assembly functions."""
    return _checkout_dir("musl")


def toolchain_bin_dir() -> Path:
    """``toolchain/bin``: the ar/ranlib/nm shims put first on PATH during builds."""
    return _checkout_dir("toolchain") / "bin"


def plugin_path() -> Path | None:
    """The built syscall-facts pass plugin (``passes/build/CcSandboxFacts.so``), if present and not
    switched off with ``CC_SANDBOX_NO_PLUGIN=1``."""
    if os.environ.get("CC_SANDBOX_NO_PLUGIN") == "1":
        return None
    path = repo_root() / "passes" / "build" / "CcSandboxFacts.so"
    return path if path.is_file() else None

"""Locating the LLVM 19 tools that cc-sandbox drives.

The whole toolchain is pinned to one LLVM major: the bitcode the driver writes, the lld that
links it and the pass plugin that reads it must agree. Debian installs them with a ``-19``
suffix (``clang-19``) and unsuffixed under ``/usr/lib/llvm-19/bin``; both are accepted.
``CC_SANDBOX_LLVM_BIN`` points at another directory holding the unsuffixed names; when it is
set, the tools must be there (a misspelt directory is an error, never a silent fallback to the
system LLVM, which would mix two toolchains).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import ToolNotFoundError

LLVM_MAJOR = 19
APT_PACKAGES = "clang-19 lld-19 llvm-19 llvm-19-dev libclang-rt-19-dev"

__all__ = ["LLVM_MAJOR", "find_llvm_tool", "llvm_bin_dir"]


def llvm_bin_dir() -> Path:
    """Directory with the unsuffixed LLVM tools (``clang``, ``ld.lld``, ``llvm-ar``...)."""
    override = os.environ.get("CC_SANDBOX_LLVM_BIN")
    if override:
        return Path(override)
    return Path(f"/usr/lib/llvm-{LLVM_MAJOR}/bin")


def find_llvm_tool(name: str) -> str:
    """Absolute path of LLVM tool ``name`` (e.g. ``"clang"``, ``"llvm-ar"``).

    Raises
    ------
    ToolNotFoundError
        naming the Debian packages that provide the tool.
    """
    candidate = llvm_bin_dir() / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    override = os.environ.get("CC_SANDBOX_LLVM_BIN")
    if override:
        problem = "is not a directory" if not Path(override).is_dir() else f"has no executable {name}"
        raise ToolNotFoundError(f"CC_SANDBOX_LLVM_BIN={override} {problem}; unset it to use /usr/lib/llvm-19/bin")
    found = shutil.which(f"{name}-{LLVM_MAJOR}")
    if found:
        return found
    raise ToolNotFoundError(
        f"{name}-{LLVM_MAJOR} not found; install it with `apt-get install {APT_PACKAGES}` (or run ./setup.sh)"
    )

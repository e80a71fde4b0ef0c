"""Running the user's build with cc-sandbox as its toolchain (``cc-sandbox make`` / ``build``).

:func:`build_environment` and :func:`make_variables` are pure; :func:`run_build` is the only
place that spawns the user's build. The build's exit code is returned unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .driver.main import LINK_LOG_ENV, TOOLCHAIN_ENV
from .embed.options import ENV as POLICY_OPTIONS_ENV
from .embed.options import PolicyOptions
from .errors import CcSandboxError, ToolNotFoundError
from .resources import toolchain_bin_dir
from .sysroot import Sysroot
from .tools import find_llvm_tool

__all__ = ["Toolchain", "build_environment", "find_toolchain", "make_variables", "run_build"]


@dataclass(frozen=True)
class Toolchain:
    """The programs a build is pointed at."""

    cc: str
    ar: str
    ranlib: str
    nm: str
    shim_dir: str  # ar/ranlib/nm shims first on PATH, for Makefiles that hard-code `ar rcu`


def find_toolchain() -> Toolchain:
    """Locate the driver executable and the LLVM binutils."""
    here = Path(sys.executable).parent / "cc-sandbox-cc"
    cc = str(here) if here.is_file() else shutil.which("cc-sandbox-cc")
    if cc is None:
        raise ToolNotFoundError("cc-sandbox-cc is not installed; reinstall with `pip install -e .` (./setup.sh)")
    return Toolchain(
        cc=cc,
        ar=find_llvm_tool("llvm-ar"),
        ranlib=find_llvm_tool("llvm-ranlib"),
        nm=find_llvm_tool("llvm-nm"),
        shim_dir=str(toolchain_bin_dir()),
    )


def make_variables(tools: Toolchain) -> list[str]:
    """``VAR=value`` make arguments; command-line variables also reach recursive makes."""
    return [f"CC={tools.cc}", f"AR={tools.ar}", f"RANLIB={tools.ranlib}", f"NM={tools.nm}"]


def build_environment(
    base: Mapping[str, str], tools: Toolchain, sysroot: Sysroot, link_log: str, options: PolicyOptions | None = None
) -> dict[str, str]:
    """The environment for the user's build: CC & co, the shims on PATH, the sysroot to use."""
    env = dict(base)
    env.update(CC=tools.cc, AR=tools.ar, RANLIB=tools.ranlib, NM=tools.nm)
    env["PATH"] = os.pathsep.join([tools.shim_dir, base.get("PATH", os.defpath)])
    env["CC_SANDBOX_SYSROOT"] = str(sysroot.path)
    env[TOOLCHAIN_ENV] = "\n".join([sysroot.clang, str(sysroot.path), sysroot.resource_dir])
    env[LINK_LOG_ENV] = link_log
    env[POLICY_OPTIONS_ENV] = (options or PolicyOptions()).to_env()
    return env


def read_link_log(path: Path) -> list[dict[str, object]]:
    """The links the driver recorded during one build, in order."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run_build(
    command: list[str], sysroot: Sysroot, make: bool, options: PolicyOptions | None = None
) -> tuple[int, list[dict[str, object]]]:
    """Run ``command`` (prefixed by make and the tool variables when ``make``).

    Returns the build's exit code and the links it performed.
    """
    tools = find_toolchain()
    if make:
        make_path = shutil.which("make")
        if make_path is None:
            raise ToolNotFoundError("make is not installed; `apt-get install make`")
        command = [make_path, *make_variables(tools), *command]
    elif not command:
        raise CcSandboxError("nothing to run: give the build command after --, e.g. `cc-sandbox build -- ./configure`")
    with tempfile.TemporaryDirectory(prefix="cc-sandbox-build.") as tmp:
        log = Path(tmp) / "links.jsonl"
        env = build_environment(os.environ, tools, sysroot, str(log), options)
        try:
            code = subprocess.call(command, env=env)
        except FileNotFoundError:
            raise CcSandboxError(f"{command[0]}: command not found") from None
        except PermissionError:
            raise CcSandboxError(f"{command[0]}: permission denied (is it executable?)") from None
        return code, read_link_log(log)


#: How many files a scan for programs linked without cc-sandbox looks at, at most.
SCAN_LIMIT = 200_000


def unsandboxed_programs(root: Path, since: float, limit: int = SCAN_LIMIT) -> list[Path]:
    """Executables written under ``root`` since ``since`` that carry no cc-sandbox filter: a
    Makefile that sets its own CC (``override CC = gcc``) links programs cc-sandbox never saw."""
    found: list[Path] = []
    seen = 0
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in (".git", ".hg", ".svn")]
        for name in files:
            seen += 1
            if seen > limit:
                return found
            path = Path(directory) / name
            try:
                info = path.lstat()
                if not (info.st_mode & 0o111) or info.st_mtime < since or not path.is_file() or path.is_symlink():
                    continue
                with open(path, "rb") as stream:
                    head = stream.read(18)
                    if head[:4] != b"\x7fELF" or head[16] not in (2, 3):  # ET_EXEC or ET_DYN
                        continue
                    stream.seek(0)
                    if b".cc_sandbox" not in stream.read():
                        found.append(path)
            except OSError:
                continue
    return sorted(found)

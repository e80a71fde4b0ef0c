"""Small helpers shared by the integration tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import llvmlite.binding as llvm

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def run(
    cmd: list[str], env: dict[str, str], cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def module_functions(path: Path) -> set[str]:
    """Names of the functions defined in bitcode module ``path`` (parsing proves it is valid)."""
    module = llvm.parse_bitcode(path.read_bytes())
    return {f.name for f in module.functions if not f.is_declaration}


def copy_example(name: str, dest: Path) -> Path:
    """Copy an example's sources (not any build outputs lying in the checkout) to ``dest``."""
    dest.mkdir(parents=True)
    for source in (EXAMPLES / name).iterdir():
        if source.suffix in (".c", ".h") or source.name == "Makefile":
            (dest / source.name).write_bytes(source.read_bytes())
    return dest

"""The files cc-sandbox leaves beside a linked binary, the module found from a binary, and how to
tell bitcode from other input.

One low module that the driver (which writes the files) and the analysis side (which finds the
module and facts of a binary) both use, so neither has to import the other.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ModuleError, NotOurBinaryError, ProbeLinkError
from .magic import BITCODE_MAGICS

__all__ = ["BITCODE_MAGICS", "find_module", "is_bitcode", "sidecar_paths"]


def is_bitcode(head: bytes) -> bool:
    """Do these leading bytes start an LLVM bitcode file?"""
    return head[:4] in BITCODE_MAGICS


def sidecar_paths(output: Path) -> dict[str, Path]:
    """Files written beside a linked binary: module, map, link manifest, facts and policy."""
    return {
        "module": Path(f"{output}.bc"),
        "map": Path(f"{output}.map"),
        "manifest": Path(f"{output}.link.json"),
        "facts": Path(f"{output}.facts"),
        "policy": Path(f"{output}.policy.json"),
    }


def _carried_metadata(binary: Path) -> str | None:
    """What a binary's cc-sandbox metadata says it is (None for a binary cc-sandbox did not mark)."""
    from .section import read_embedded  # deferred: the compiler driver imports this module and starts fast

    try:
        meta = read_embedded(binary).metadata
    except ProbeLinkError as err:
        raise ModuleError(str(err)) from None
    except NotOurBinaryError:
        return None
    return f"sandboxed, {len(meta.get('allowed', []))} syscalls allowed by its embedded filter"


def find_module(path: Path) -> Path:
    """``path`` itself if it is bitcode, else the ``.bc`` that cc-sandbox wrote beside it."""
    if not path.exists():
        raise ModuleError(f"{path}: no such file")
    if path.is_dir():
        raise ModuleError(f"{path} is a directory; give a binary built by cc-sandbox, its .bc module, or a .facts file")
    with open(path, "rb") as stream:
        magic = stream.read(4)
    if magic in BITCODE_MAGICS:
        return path
    if magic == b"\x7fELF":
        module = sidecar_paths(path)["module"]
        if module.is_file():
            return module
        built_by_us = _carried_metadata(path)
        if built_by_us is not None:
            raise ModuleError(
                f"{path} was built by cc-sandbox ({built_by_us}), but its module {module.name} is not beside it: "
                f"copy {module.name} (and {path.name}.facts) next to it to analyse it; `cc-sandbox inspect {path}` "
                "reads the embedded policy without it"
            )
        raise ModuleError(
            f"{path} was not linked by cc-sandbox (no {module.name} beside it); "
            "rebuild it with `cc-sandbox make` or `cc-sandbox cc`"
        )
    raise ModuleError(f"{path} is neither LLVM bitcode nor an ELF binary")

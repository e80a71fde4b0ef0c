"""The files cc-sandbox leaves beside a linked binary, and how to tell bitcode from other input.

One low module that the driver (which writes them) and the analysis side (which finds the module
and facts of a binary) both use, so neither has to import the other.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["BITCODE_MAGICS", "is_bitcode", "sidecar_paths"]

#: The first four bytes of an LLVM bitcode file: raw, or in the wrapper header that Darwin uses.
BITCODE_MAGICS = (b"BC\xc0\xde", b"\xde\xc0\x17\x0b")


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

"""The leading bytes that tell LLVM bitcode from other input.

A module of its own, importing nothing: every compile (``cc-sandbox-cc``) checks its inputs'
magic, and importing :mod:`ccsandbox.artifacts` for it would cost each compile pathlib (~12 ms).
"""

from __future__ import annotations

__all__ = ["BITCODE_MAGICS"]

#: The first four bytes of an LLVM bitcode file: raw, or in the wrapper header that Darwin uses.
BITCODE_MAGICS = (b"BC\xc0\xde", b"\xde\xc0\x17\x0b")

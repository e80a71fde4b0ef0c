"""cc-sandbox: build C programs against an LTO musl so they can sandbox themselves.

The data flows one way: bitcode -> facts -> graph -> sets -> filter -> binary. This package
holds the Python side; `toolchain/` holds what becomes part of the user's toolchain, `musl/` the
libc recipe, and `passes/` the LLVM plugin.
"""

__version__ = "0.1.0"

"""Function-type compatibility for indirect calls (pure).

With LLVM's opaque pointers a function type is its arity plus scalar kinds, e.g.
``i32 (ptr, i64)``. A call may reach a function when the call passes at least the function's
fixed parameters and the kinds agree pairwise: integers of any width are one kind (C code casts
between int and long function pointers), pointers another, each float type its own. Extra
arguments are allowed because the callee ignores them on x86-64 (musl calls every ``main`` with
three arguments); return types are ignored. A call through a variadic type ``R (A, ...)`` may
reach any function whose parameters start with ``A``, variadic or not: calling a non-variadic
function through a variadic pointer is undefined in ISO C but works on x86-64, and real code does
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..llvm_syntax import split_top_level, top_level

__all__ = ["Signature", "compatible", "parse_signature"]


@dataclass(frozen=True)
class Signature:
    params: tuple[str, ...]
    vararg: bool


def _kind(param: str) -> str:
    param = param.strip()
    if param.startswith("i") and param[1:].isdigit():
        return "int"
    if param == "ptr" or param.startswith("ptr "):
        return "ptr"
    return param


@lru_cache(maxsize=4096)
def parse_signature(function_type: str) -> Signature:
    """Parse an LLVM function type string.

    >>> parse_signature("i32 (ptr, i64, ...)")
    Signature(params=('ptr', 'int'), vararg=True)
    >>> parse_signature("{ i64, i64 } (double)")
    Signature(params=('double',), vararg=False)
    """
    for i, ch, depth in top_level(function_type):
        if ch == "(" and depth == 1:
            inner = function_type[i + 1 : function_type.rindex(")")]
            params = split_top_level(inner)
            vararg = bool(params) and params[-1] == "..."
            return Signature(tuple(_kind(p) for p in params if p != "..."), vararg)
    raise ValueError(f"not a function type: {function_type!r}")


@lru_cache(maxsize=65536)
def compatible(call_type: str, function_type: str) -> bool:
    """Can a call of ``call_type`` reach a function of ``function_type``?

    >>> compatible("i32 (i32, ptr, ptr)", "i32 (i32, ptr)")   # musl calling main
    True
    >>> compatible("void (ptr)", "void (i32)")
    False
    >>> compatible("i32 (ptr)", "i32 (ptr, ptr)")
    False
    >>> compatible("i64 (i64, ...)", "i64 (i64, double)")   # a variadic pointer type
    True
    """
    call, fn = parse_signature(call_type), parse_signature(function_type)
    if call.vararg and fn.params[: len(call.params)] == call.params:
        return True  # R (A, ...) may point at any function whose parameters start with A
    return len(call.params) >= len(fn.params) and call.params[: len(fn.params)] == fn.params

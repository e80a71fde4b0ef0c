"""Where execution enters the program without a visible call (pure).

* ``_start_c`` and whatever module-level asm names: crt1's ``_start`` is asm that calls it.
* ``main``: musl calls it through a pointer; a root as well so that no resolution mode can lose it.
* constructors and destructors (``llvm.global_ctors``/``dtors``, i.e. .init_array/.fini_array).
* functions whose address is an operand of inline asm (``asm("call %P0" :: "i"(f))``): the asm
  may call them, and no call graph shows it.
* signal handlers: the kernel enters them. Any address-taken function shaped like a handler,
  ``void (int)`` or ``void (int, siginfo_t *, void *)``, is one as soon as ``rt_sigaction`` is
  reachable (see :func:`signal_handler_roots`).

Thread and clone start routines, atexit handlers and the ``.init_array`` walk are real indirect
calls in musl's bitcode (or in the assembly model for ``__clone``), so the call graph reaches them.
"""

from __future__ import annotations

import re

from ..facts.schema import Facts
from .signature import parse_signature

HANDLER_SHAPES = (("int",), ("int", "ptr", "ptr"))

#: The cc-sandbox runtime's constructor (toolchain/runtime/cc_sandbox_rt.c). It is neither a root
#: nor an indirect-call target of the policy (musl's .init_array loop does call it): its syscalls
#: (prctl, seccomp, and write/exit_group on failure) all happen before the filter is active, or
#: when installing it failed and there is no filter. Whatever the program itself reaches of the
#: same functions is still found through the program's roots.
INSTALLER = "cc_sandbox_install"

__all__ = ["INSTALLER", "PHASE_MARKER_NAME", "base_roots", "is_installer", "is_phase_marker", "signal_handler_roots"]


def is_installer(name: str) -> bool:
    """Is ``name`` the runtime's filter installer (possibly renamed by LTO)?"""
    return name == INSTALLER or name.startswith(INSTALLER + ".")


#: The runtime's phase markers (toolchain/runtime): ``__cc_sandbox_phase_N`` installs the filter
#: of phase N at its first entry and does nothing afterwards, so phase N begins when it returns.
PHASE_MARKER_NAME = "__cc_sandbox_phase_{}"
PHASE_MARKER = re.compile(r"__cc_sandbox_phase_[0-9]+")


def is_phase_marker(name: str) -> bool:
    """Is ``name`` one of the runtime's phase transitions (``__cc_sandbox_phase_K``)?

    The runtime defines them ``used`` only so that they survive until the marker pass; they are
    entered solely through the direct calls that pass inserts (``--phase-entry``/``--phase-at``),
    never through a pointer. Without the pass (no phases, or CC_SANDBOX_NO_PLUGIN=1) the ``used``
    reference must not make them look address-taken, or every program would allow ``seccomp``.
    """
    return PHASE_MARKER.fullmatch(name) is not None


#: Functions code generation may call with no call in the module: memcpy/memmove/memset for
#: the memory intrinsics (and copies it lowers to them), __stack_chk_fail for the stack
#: protector. musl's are native (no syscalls) or make none, but a program may define its own:
#: defined in the module, each is a root.
CODEGEN_CALLEES = ("memcpy", "memmove", "memset", "__stack_chk_fail", "__stack_chk_fail_local")


def base_roots(facts: Facts) -> dict[str, str]:
    """Root function -> why it is a root."""
    roots: dict[str, str] = {}
    for name in CODEGEN_CALLEES:
        if name in facts.functions and not facts.functions[name].declaration:
            roots[name] = "code generation may call it (memory intrinsics, the stack protector)"
    for name in facts.module_asm_refs:
        roots[name] = "called from module-level asm (crt1's _start)"
    for name, why in (("_start_c", "process entry (from _start)"), ("main", "the program's main")):
        if name in facts.functions and not facts.functions[name].declaration:
            roots.setdefault(name, why)
    for name in facts.ctors:
        if not is_installer(name):
            roots.setdefault(name, "constructor (.init_array)")
    for name in facts.dtors:
        roots.setdefault(name, "destructor (.fini_array)")
    for name, fn in facts.functions.items():
        if any(callee == "asm" for callee, _ in fn.passed_to) and not fn.declaration:
            roots.setdefault(name, "its address is an inline-asm operand (the asm may call it)")
        if facts.module_asm_calls_pointers and fn.address_taken and not fn.declaration and not is_installer(name):
            roots.setdefault(name, "address-taken, and file-scope asm calls through a pointer")
    return roots


def signal_handler_roots(facts: Facts) -> dict[str, str]:
    """Address-taken functions that have the shape of a signal handler."""
    found = {}
    for name, fn in facts.functions.items():
        shaped = fn.type.startswith("void ") and parse_signature(fn.type).params in HANDLER_SHAPES
        if fn.address_taken and not fn.declaration and shaped:
            found[name] = "possible signal handler (the kernel calls it)"
    return found

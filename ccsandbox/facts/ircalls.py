"""Calls and syscall sites of each function, in order (pure): the reference extractor's copy of
the pass's walk, collectFunction, collectCall and vsyscall (passes/lib/SyscallFacts.cpp), with
the order facts of passes/lib/OrderFacts.cpp and the ENOSYS fallbacks of lib/FallbackFacts.cpp.

A direct call records its integer arguments that are constants or parameters, one fact per
combination of the values a ``phi``/``select`` can give (at most :data:`MAX_COMBINATIONS`). An
indirect call records its function type and, when the pointer was loaded from a struct field,
that field (TBAA). A call to a vsyscall-page address is a site of the syscall the kernel
emulates there. Intrinsic calls are not recorded.
"""

from __future__ import annotations

import re
from typing import Any

from .iraddress import AddressFacts
from .irasm import inline_asm_syscalls
from .irfallback import enosys_blocks
from .irmodule import IRFunction, IRModule, Site, global_name
from .irorder import inlined_starts, split_blocks, successors
from .irtext import DEF, callee_of_call, parse_call
from .irvalues import strip_casts, value_facts

_FIXED_ADDRESS = re.compile(r"^(?:(?:tail|musttail|notail) )?call [^(]*?inttoptr \(i64 (-?\d+) to ptr\)\(")
#: The vsyscall page: the kernel emulates calls to these fixed addresses as these syscalls (and
#: checks them against seccomp under those numbers): gettimeofday, time, getcpu.
VSYSCALL_PAGE = {0xFFFFFFFFFF600000: 96, 0xFFFFFFFFFF600400: 201, 0xFFFFFFFFFF600800: 309}
MAX_COMBINATIONS = 16

__all__ = ["MAX_COMBINATIONS", "VSYSCALL_PAGE", "Collector"]


class Collector:
    """Walks every function body once; what the module-wide facts need is kept here (the fields
    indirect calls load from, the inline asm texts) and in :attr:`addresses`."""

    def __init__(self, module: IRModule) -> None:
        self.m = module
        self.addresses = AddressFacts(module)
        self.indirect_fields: set[str] = set()
        self.inline_asm: list[str] = []  # texts of every inline asm, for names they mention

    def collect_function(self, fn: IRFunction) -> None:
        defs: dict[str, str] = {}
        for line in fn.body:
            match = DEF.match(line)
            if match:
                defs[match[1]] = match[2]
        blocks = split_blocks(fn.body)
        site_of: dict[str, int] = {}  # SSA name -> the site whose result it is
        for number, block in enumerate(blocks):
            for stripped in block.lines:
                if stripped.startswith("#dbg_"):
                    continue  # debug records (metadata, not uses)
                chain = self.m.debug.inlined_chain(stripped) if "!dbg " in stripped else []
                if chain:
                    fn.block_inlined.setdefault(number, {}).setdefault(tuple(chain), len(fn.sites))
                instr = stripped.split(" = ", 1)[1] if DEF.match("  " + stripped) else stripped
                callee = callee_of_call(instr)
                self.addresses.instruction(fn, instr, callee)
                if callee is not None:
                    self._call(fn, defs, instr)
                    before = len(fn.sites)
                    self._site(fn, defs, instr, number)
                    self.addresses.passed(instr)
                    named = DEF.match("  " + stripped)
                    if named and len(fn.sites) > before:
                        site_of[named[1]] = before
        succ = successors(blocks)
        fn.block_inlined = inlined_starts(fn.block_inlined, succ)
        if fn.sites or fn.block_inlined:
            fn.blocks = succ
        if site_of:
            strip = lambda v: strip_casts(defs, v)  # noqa: E731
            fn.enosys_blocks = enosys_blocks(blocks, succ, defs, strip, site_of, {s.block for s in fn.sites})

    def _site(self, fn: IRFunction, defs: dict[str, str], instr: str, block: int) -> None:
        """Record the call as a site in order, with what it alone contributes."""
        one = IRFunction(fn.name, fn.linkage, fn.type, fn.declaration, params=fn.params)
        self._call(one, defs, instr)
        site = Site(block, inlined=tuple(self.m.debug.inlined_chain(instr)))
        if one.calls:
            site.calls = frozenset(one.calls)  # a choice of constants at an argument: several
        elif one.indirect:
            site.indirect = next(iter(one.indirect))
        elif one.syscalls:
            site.syscalls = frozenset(one.syscalls)
        else:
            return
        fn.sites.append(site)

    def _call(self, fn: IRFunction, defs: dict[str, str], instr: str) -> None:
        fixed = _FIXED_ADDRESS.match(instr)
        if fixed is not None:  # a call to a fixed address, e.g. the vsyscall page
            nr = VSYSCALL_PAGE.get(int(fixed[1]) & (1 << 64) - 1)
            if nr is not None:
                fn.syscalls.add(nr)
            return
        call = parse_call(instr)
        if call.asm is not None:
            text = inline_asm_syscalls(fn, defs, instr, call.args, self.m.metadata)
            if text is not None:
                self.inline_asm.append(text)
            return
        if call.callee.startswith("@"):
            target = self.m.resolve(global_name(call.callee[1:]))
            if target.startswith("llvm.") or target not in self.m.functions:
                return
            # constants or parameters, through phi/select: one fact per combination (at most 16)
            expanded: list[tuple[tuple[int, int | str], ...]] = [()]
            combinations = 1
            for index, (type_, value) in enumerate(call.args):
                if not re.fullmatch(r"i\d+", type_):
                    continue
                values: set[Any] = set()
                value_facts(value, fn.params, defs, self.m.metadata, values)
                if not values or any(isinstance(v, str) and not v.startswith("p") for v in values):
                    continue
                if len(values) > 1 and combinations * len(values) > MAX_COMBINATIONS:
                    continue
                combinations *= len(values)
                expanded = [(*partial, (index, v)) for partial in expanded for v in values]
            for args in expanded:
                fn.calls.add((target, args))
            return
        field_ = ""
        loaded = defs.get(call.callee, "")
        if loaded.startswith("load "):
            field_ = self.m.metadata.tbaa_field(loaded)
            if field_:
                self.indirect_fields.add(field_)
        fn.indirect.add((call.function_type, field_))

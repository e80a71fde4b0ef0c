"""libseccomp's filter for an allowlist with argument rules: the reference our filter compiler
(compile.py) is cross-checked against in the tests and measured against in bench/seccomp.py.

It uses pyseccomp over Debian's libseccomp2, a development dependency, imported on first use.
One ``add_rule`` per alternative of a rule (libseccomp ANDs a rule's conditions and ORs the rules
of one syscall); EQ for a full comparison, MASKED_EQ otherwise. A foreign architecture kills the
process, as our filters do.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from .args import ArgRule
from .insn import Insn, unpack

__all__ = ["libseccomp_filter"]


def libseccomp_filter(
    allowed: Iterable[int], rules: Mapping[int, ArgRule] | None = None, default: Any = None
) -> list[Insn]:
    """The filter libseccomp exports (optimised, ``CTL_OPTIMIZE`` 2) for ``allowed``, with
    ``rules`` for the syscalls that have argument constraints; ``default`` is a pyseccomp action
    (KILL_PROCESS when None)."""
    import pyseccomp as seccomp

    f = seccomp.SyscallFilter(defaction=seccomp.KILL_PROCESS if default is None else default)
    f.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, 2)
    for nr in sorted(set(allowed)):
        for alt in (rules or {}).get(nr, ((),)):
            conds = [
                seccomp.Arg(c.index, seccomp.EQ, c.value)
                if c.is_eq
                else seccomp.Arg(c.index, seccomp.MASKED_EQ, c.mask, c.value)
                for c in alt
            ]
            f.add_rule(seccomp.ALLOW, nr, *conds)
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        return unpack(out.read())

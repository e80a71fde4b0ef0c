"""Our filters against libseccomp's (pyseccomp over Debian's libseccomp2): for the same allowlist
and action, the verdict is equal for every syscall number 0..1023, numbers with the x32 bit, -1,
and the i386 and x32 arches. libseccomp is the reference; our interpreter runs both programs."""

from __future__ import annotations

import random
import tempfile

import pytest

from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.compile import Action, build_filter
from ccsandbox.bpf.insn import unpack
from ccsandbox.bpf.vm import run
from ccsandbox.syscalls import SYSCALL_NAMES

seccomp = pytest.importorskip("pyseccomp")


def _libseccomp_filter(allowed: set[int], default: int) -> list[bpf.Insn]:
    f = seccomp.SyscallFilter(defaction=default)
    f.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, 2)
    for nr in sorted(allowed):
        f.add_rule(seccomp.ALLOW, nr)
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        return unpack(out.read())


@pytest.mark.parametrize(
    ("action", "theirs"),
    [
        (Action("kill"), "KILL_PROCESS"),
        (Action("errno", 1), "ERRNO1"),
        (Action("trap"), "TRAP"),
    ],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_verdicts_as_libseccomp(action: Action, theirs: str, seed: int) -> None:
    rng = random.Random(seed)
    allowed = set(rng.sample(sorted(n for n in SYSCALL_NAMES if n <= 456), rng.choice([10, 60, 200])))
    default = seccomp.ERRNO(1) if theirs == "ERRNO1" else getattr(seccomp, theirs)
    reference, ours = _libseccomp_filter(allowed, default), build_filter(allowed, action)
    numbers = [*range(1024), *(bpf.X32_SYSCALL_BIT | n for n in (0, 1, 59, 60, 512, 545)), 0xFFFFFFFF]
    for arch in (bpf.AUDIT_ARCH_X86_64, bpf.AUDIT_ARCH_I386):
        for nr in numbers:
            assert run(ours, nr, arch) == run(reference, nr, arch), (arch, nr)

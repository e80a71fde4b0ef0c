"""Our filters against libseccomp's (pyseccomp over Debian's libseccomp2): for the same allowlist
and action, the verdict is equal for every syscall number 0..1023, numbers with the x32 bit, -1,
and the i386 and x32 arches; with argument rules, equal for random argument values that hit and
miss each comparison in either 32-bit half. libseccomp is the reference; our interpreter runs
both programs."""

from __future__ import annotations

import random
import tempfile

import pytest

from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.args import ArgCmp, ArgRule
from ccsandbox.bpf.compile import Action, build_filter
from ccsandbox.bpf.insn import unpack
from ccsandbox.bpf.libseccomp import libseccomp_filter
from ccsandbox.bpf.vm import run
from ccsandbox.syscalls import SYSCALL_NAMES

seccomp = pytest.importorskip("pyseccomp")


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
    reference, ours = libseccomp_filter(allowed, default=default), build_filter(allowed, action)
    numbers = [*range(1024), *(bpf.X32_SYSCALL_BIT | n for n in (0, 1, 59, 60, 512, 545)), 0xFFFFFFFF]
    for arch in (bpf.AUDIT_ARCH_X86_64, bpf.AUDIT_ARCH_I386):
        for nr in numbers:
            assert run(ours, nr, arch) == run(reference, nr, arch), (arch, nr)


def _rule(rng: random.Random) -> ArgRule:
    """What constraints look like: value sets on a 32-bit half, 64-bit flag equality, W^X masks,
    and conjunctions over two arguments."""
    kind = rng.choice(["set32", "eq64", "wx", "pair"])
    if kind == "set32":
        return tuple((ArgCmp.eq(1, rng.getrandbits(32), 32),) for _ in range(rng.choice([1, 4, 30])))
    if kind == "eq64":
        return tuple((ArgCmp.eq(0, rng.getrandbits(rng.choice([16, 33, 64]))),) for _ in range(rng.choice([1, 3])))
    if kind == "wx":
        return ((ArgCmp(2, 0x4, 0),), (ArgCmp(2, 0x2, 0),))
    return ((ArgCmp.eq(0, rng.choice([1, 2, 10]), 32), ArgCmp(1, 0xF, rng.choice([1, 2, 5]))),)


def _probe(rng: random.Random, rule: ArgRule) -> tuple[int, ...]:
    args = [rng.getrandbits(64) for _ in range(6)]
    if rng.random() < 0.7:  # satisfy an alternative, then maybe flip a bit in either half
        for c in rng.choice(rule):
            args[c.index] = (args[c.index] & ~c.mask) | c.value
            if rng.random() < 0.4:
                args[c.index] ^= 1 << rng.choice([0, 1, 2, 5, 31, 32, 33, 63])
    return tuple(args)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_same_verdicts_as_libseccomp_with_argument_rules(seed: int) -> None:
    rng = random.Random(seed)
    allowed = set(rng.sample(sorted(n for n in SYSCALL_NAMES if n <= 456), rng.choice([10, 60, 200])))
    rules = {nr: _rule(rng) for nr in rng.sample(sorted(allowed), 6)}
    reference, ours = libseccomp_filter(allowed, rules), build_filter(allowed, Action("kill"), args=rules)
    seen = set()
    for nr in sorted(allowed) + [rng.randrange(1024) for _ in range(50)]:
        for _ in range(60 if nr in rules else 3):
            args = _probe(rng, rules[nr]) if nr in rules else tuple(rng.getrandbits(64) for _ in range(6))
            verdict = run(ours, nr, args=args)
            assert verdict == run(reference, nr, args=args), (nr, rules.get(nr), [hex(a) for a in args])
            seen |= {(nr in rules, verdict)}
    assert {(True, bpf.RET_ALLOW), (True, bpf.RET_KILL_PROCESS)} <= seen, "the probes hit and miss the rules"


def test_the_oci_export_means_what_the_bpf_export_does() -> None:
    """runc hands each OCI rule to libseccomp (conditions of one rule ANDed, rules ORed; MASKED_EQ
    takes value as the mask and valueTwo as the datum): that filter and our BPF export agree."""
    import json

    from ccsandbox.embed.exports import ExportSubject, export_policy
    from ccsandbox.syscalls import SYSCALL_NUMBERS

    subject = ExportSubject(
        allowed=("read", "write", "exit_group", "mprotect", "ioctl", "socket", "clone"),
        args={
            "mprotect": ((ArgCmp(2, 0x4, 0),), (ArgCmp(2, 0x2, 0),)),
            "ioctl": tuple((ArgCmp.eq(1, v, 32),) for v in (0x5401, 0x5413, 0x80045430)),
            "socket": ((ArgCmp.eq(0, 1, 32), ArgCmp.eq(1, 1, 32)), (ArgCmp.eq(0, 10, 32),)),
            "clone": ((ArgCmp.eq(0, 0x1_0000_0011),),),
        },
    )
    profile = json.loads(export_policy(subject, "oci"))
    f = seccomp.SyscallFilter(defaction=seccomp.KILL_PROCESS)
    f.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    ops = {"SCMP_CMP_EQ": seccomp.EQ, "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ}
    for rule in profile["syscalls"]:
        for name in rule["names"]:
            conds = [
                seccomp.Arg(a["index"], ops[a["op"]], a["value"], a.get("valueTwo", 0)) for a in rule.get("args", [])
            ]
            f.add_rule(seccomp.ALLOW, SYSCALL_NUMBERS[name], *conds)
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        theirs = unpack(out.read())
    ours = unpack(export_policy(subject, "bpf"))
    rng = random.Random(7)
    for name in subject.allowed:
        rule = subject.args.get(name)
        for _ in range(200):
            args = _probe(rng, rule) if rule else tuple(rng.getrandbits(64) for _ in range(6))
            nr = SYSCALL_NUMBERS[name]
            assert run(ours, nr, args=args) == run(theirs, nr, args=args), (name, [hex(a) for a in args])

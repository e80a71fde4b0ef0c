"""Every libc function at every optimisation level: ordinary C is never refused.

- A generated program that takes the address of every public function of the sysroot's libc.a
  (through asm labels; all of them reachable through one asm indirect call) links at -O0, -O1,
  -O2, -O3, -Os and -Oz, and its policy is the same set at every level but for one difference
  this file explains.
- A small program links and runs in kill mode under strace with each common build mode (-g,
  PIE and no PIE, the stack protector, _FORTIFY_SOURCE, frame pointers, a -flto=thin in CFLAGS).
- The setuid family (the number travels through a struct that __synccall hands to every
  thread), built at -O0 and -O2, drops privileges as root in kill mode: static ⊇ traced.
- Sites cc-sandbox cannot read in libc are reported as its own limitation, not as advice to
  rewrite libc; a refusal caused by the program's own code still tells the user what to change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ccsandbox.analysis.policy import Policy
from ccsandbox.analysis.syscalls import Unresolved
from ccsandbox.embed.embed import unresolved_refusal
from ccsandbox.embed.instructions import syscall_instruction_owners
from ccsandbox.sysroot import Sysroot
from ccsandbox.tools import find_llvm_tool

from .helpers import run
from .tracing import run_traced, unsound

LEVELS = ("-O0", "-O1", "-O2", "-O3", "-Os", "-Oz")
EPOLL_WAIT = 232

PROBE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(void)
{
    struct timespec ts;
    char *p = malloc(1 << 20), buf[64];
    if (!p || clock_gettime(CLOCK_MONOTONIC, &ts) || time(0) <= 0) return 1;
    memset(p, 1, 1 << 20);
    free(p);
    snprintf(buf, sizeof buf, "%ld", (long)getpid());
    printf("ok %s\n", buf[0] ? "pid" : "");
    return 0;
}
"""

SETXID = r"""
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    gid_t none[1] = {65534};
    uid_t r, e, s;
    if (getuid() != 0) { puts("not root"); return 0; }
    if (setgroups(1, none) || initgroups("nobody", 65534)) return 1;
    if (setresgid(65534, 65534, 65534) || setregid(65534, 65534) || setgid(65534)) return 2;
    if (setresuid(0, 65534, 0) || seteuid(0) || setreuid(0, 0) || setuid(65534)) return 3;
    if (getresuid(&r, &e, &s) || r != 65534 || e != 65534 || s != 65534 || getgid() != 65534) return 4;
    if (setuid(0) == 0) return 5; /* the drop must be final */
    puts("dropped");
    return 0;
}
"""


def _libc_functions(sysroot: Sysroot) -> list[str]:
    """Public functions libc.a defines, but `syscall` itself: its number cannot be known when it
    is called through a pointer, and refusing that is right (tested below)."""
    listed = subprocess.run(
        [find_llvm_tool("llvm-nm"), "--defined-only", str(sysroot.lib_dir / "libc.a")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {f[2] for f in (line.split() for line in listed.splitlines()) if len(f) == 3 and f[1] in "TW"}
    return sorted(n for n in names if not n.startswith("_") and n != "syscall")


def whole_libc_source(functions: list[str]) -> str:
    """A program that may call every one of ``functions``: each address is taken through an asm
    label, and one asm indirect call (compatible with every function) may reach them all."""
    lines = [f'extern char f_{i}[] __asm__("{name}");' for i, name in enumerate(functions)]
    lines.append("void *volatile table[] = {" + ", ".join(f"f_{i}" for i in range(len(functions))) + "};")
    lines.append(
        "int main(int argc, char **argv) { (void)argv; if (argc > 100000) { void *p = table[argc % "
        f'{len(functions)}]; __asm__ volatile("call *%0" :: "r"(p) : "memory"); }} return 0; }}'
    )
    return "\n".join(lines) + "\n"


def _link(cc: str, env: dict[str, str], source: Path, out: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return run([cc, *flags, str(source), "-o", str(out)], env, timeout=600)


def _allowed(binary: Path) -> set[int]:
    policy = json.loads(Path(f"{binary}.policy.json").read_text())
    assert not policy["allow_all"]
    return {entry["nr"] for entry in policy["allowed"]}


@pytest.fixture(scope="module")
def whole_libc(
    tmp_path_factory: pytest.TempPathFactory, cc_sandbox_cc: str, sysroot: Sysroot
) -> tuple[Path, dict[str, set[int]]]:
    """The whole-libc program linked at each level: its directory and each level's allowed set."""
    work = tmp_path_factory.mktemp("whole-libc")
    source = work / "libc_all.c"
    source.write_text(whole_libc_source(_libc_functions(sysroot)))
    env = dict(os.environ)
    sets = {}
    for level in LEVELS:
        done = _link(cc_sandbox_cc, env, source, work / f"all{level}", level)
        assert done.returncode == 0, (level, done.stderr[-2000:])
        sets[level] = _allowed(work / f"all{level}")
    return work, sets


def test_every_public_libc_function_links_at_every_level(whole_libc: tuple[Path, dict[str, set[int]]]) -> None:
    _, sets = whole_libc
    assert all(len(allowed) > 200 for allowed in sets.values()), {k: len(v) for k, v in sets.items()}


def test_the_policy_is_the_same_at_every_level_but_for_an_unpruned_fallback(
    whole_libc: tuple[Path, dict[str, set[int]]],
) -> None:
    # -O0/-O1 keep epoll_wait: epoll_pwait's ENOSYS fallback compares the result of a call into
    # musl's C wrapper __syscall_cp (not inlined without optimisation), and only the raw result
    # of a syscall site or of the modelled __syscall_cp_asm counts as a guard. Keeping a
    # fallback is the sound side of the choice.
    _, sets = whole_libc
    for level in ("-O0", "-O1"):
        assert sets[level] - sets["-O2"] == {EPOLL_WAIT} and sets["-O2"] <= sets[level]
    for level in ("-O3", "-Os", "-Oz"):
        assert sets[level] == sets["-O2"], level


def test_syscall_through_a_pointer_is_refused_as_the_programs_doing(
    tmp_path: Path, cc_sandbox_cc: str, whole_libc: tuple[Path, dict[str, set[int]]]
) -> None:
    source = tmp_path / "pointer.c"
    source.write_text(whole_libc_source(["syscall", "getpid"]))
    done = _link(cc_sandbox_cc, dict(os.environ), source, tmp_path / "pointer", "-O2")
    errors = [line for line in done.stderr.splitlines() if "cc-sandbox: error:" in line]
    assert done.returncode != 0 and len(errors) == 1, done.stderr
    assert "in syscall" in errors[0] and "through a pointer" in errors[0]
    assert "limitation of cc-sandbox" not in errors[0]


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
@pytest.mark.parametrize(
    "flags",
    [
        ("-O0", "-g"),
        ("-O1", "-g"),
        ("-O2", "-fPIE", "-static-pie"),
        ("-O2", "-fno-pie"),
        ("-O2", "-fstack-protector-strong"),
        ("-O2", "-D_FORTIFY_SOURCE=2"),
        ("-O0", "-fno-omit-frame-pointer"),
        ("-O2", "-flto=thin"),
    ],
    ids=" ".join,
)
def test_common_build_modes_link_and_run_sound(flags: tuple[str, ...], tmp_path: Path, cc_sandbox_cc: str) -> None:
    source = tmp_path / "probe.c"
    source.write_text(PROBE)
    binary = tmp_path / "probe"
    done = _link(cc_sandbox_cc, dict(os.environ), source, binary, *flags)
    assert done.returncode == 0, done.stderr
    observed = run_traced([str(binary)], tmp_path / "trace", stdout=subprocess.DEVNULL)
    ran = subprocess.run([str(binary)], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0 and ran.stdout.startswith("ok"), (ran.returncode, ran.stderr)
    assert unsound(observed, Path(f"{binary}.policy.json")) == []


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
@pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")
@pytest.mark.parametrize("level", ["-O0", "-O2"])
def test_the_setuid_family_drops_privileges_in_kill_mode(level: str, tmp_path: Path, cc_sandbox_cc: str) -> None:
    source = tmp_path / "setxid.c"
    source.write_text(SETXID)
    binary = tmp_path / "setxid"
    done = _link(cc_sandbox_cc, dict(os.environ), source, binary, level)
    assert done.returncode == 0, done.stderr
    for name in ("setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups"):
        assert name in {entry["name"] for entry in json.loads(Path(f"{binary}.policy.json").read_text())["allowed"]}
    observed = run_traced([str(binary)], tmp_path / "trace", stdout=subprocess.DEVNULL)
    ran = subprocess.run([str(binary)], capture_output=True, text=True, timeout=30)
    assert (ran.returncode, ran.stdout) == (0, "dropped\n"), (ran.returncode, ran.stderr)
    assert {"setresuid", "setuid", "setgroups"} <= observed
    assert unsound(observed, Path(f"{binary}.policy.json")) == []


def test_an_unread_site_in_libc_is_our_limitation_not_advice() -> None:
    policy = Policy("prog", {}, (Unresolved("do_setxid", "syscall number is unknown (load)"),), True)
    line = unresolved_refusal(policy, "prog", lambda name: name == "do_setxid", "-O1")
    assert "musl's do_setxid (link at -O1)" in line and "limitation of cc-sandbox" in line
    assert "make the number a constant" not in line
    ours = Policy("prog", {}, (Unresolved("main", "syscall number passed to syscall is unknown (load)"),), True)
    assert "make the number a constant" in unresolved_refusal(ours, "prog", lambda name: False)


def test_a_syscall_instruction_belongs_to_every_symbol_that_covers_it() -> None:
    # -O0 keeps musl's alias clock_gettime beside __clock_gettime, and the disassembler prints
    # only one of the two names: the facts know the aliasee
    disassembly = "000000000020b780 <clock_gettime>:\n  20b7a0:      \tsyscall\n"
    symbols = [("__clock_gettime", 0x20B780, 0x40), ("clock_gettime", 0x20B780, 0x40), ("other", 0x20B7C0, 8)]
    assert syscall_instruction_owners(disassembly, symbols) == [frozenset({"__clock_gettime", "clock_gettime"})]


def test_explain_says_where_a_number_through_memory_comes_from(
    tmp_path: Path, cc_sandbox: str, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    source = tmp_path / "setxid.c"
    source.write_text(SETXID)
    done = _link(cc_sandbox_cc, dict(os.environ), source, tmp_path / "setxid", "-O2")
    assert done.returncode == 0, done.stderr
    explained = run([cc_sandbox, "explain", str(tmp_path / "setxid"), "setgid"], tool_env)
    assert explained.returncode == 0, explained.stderr
    assert "from struct field ctx+12, written by" in explained.stdout and "setgid" in explained.stdout

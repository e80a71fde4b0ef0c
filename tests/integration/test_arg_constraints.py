"""Negative controls that play the attacker: a program runs under a filter with argument
constraints, and a call its sites never make (injected with ptrace at a stop, as an exploit
controlling the program would issue it) dies with SIGSYS, while the program's own calls with
their real values work. The constraints here are written by hand, as a policy would carry them;
the filter is the one ``enforce`` embeds."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from ccsandbox.analysis.constraints import SiteArgs, derive_constraints
from ccsandbox.analysis.policy import Policy
from ccsandbox.bpf.insn import pack
from ccsandbox.embed.enforce import enforce
from ccsandbox.embed.options import PolicyOptions
from ccsandbox.syscalls import SYSCALL_NUMBERS as NR

from .inject import Outcome, run_with_injection

PROGRAMS = Path(__file__).parent / "programs"
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
TIOCGWINSZ, TIOCSTI = 0x5413, 0x5412
MUSL_THREAD_FLAGS = 0x7D0F00  # pthread_create's CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|...
SIGCHLD = 17
KILLED = Outcome(signal.SIGSYS, None)
OK = Outcome(None, 0)

#: What the sites of argcalls.c pass (musl's mmap/mprotect wrappers, ioctl, pthread_create).
SITES = [
    SiteArgs(NR["mmap"], "main", {2: frozenset({PROT_READ | PROT_WRITE})}),
    SiteArgs(NR["mmap"], "pthread_create", {2: frozenset({0, PROT_READ | PROT_WRITE})}),
    SiteArgs(NR["mprotect"], "main", {2: frozenset({PROT_READ})}),
    SiteArgs(NR["mprotect"], "pthread_create", {2: frozenset({PROT_READ | PROT_WRITE})}),
    SiteArgs(NR["ioctl"], "main", {1: frozenset({TIOCGWINSZ})}),
    SiteArgs(NR["clone"], "pthread_create", {0: frozenset({MUSL_THREAD_FLAGS})}),
]


@pytest.fixture(scope="module")
def argcalls(tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, sysroot: object) -> tuple[Path, set[int]]:
    """argcalls built with cc-sandbox (no embedded filter: the test installs its own), and the
    syscalls its policy allows."""
    work = tmp_path_factory.mktemp("argcalls")
    shutil.copy(PROGRAMS / "argcalls.c", work)
    (work / "Makefile").write_text("argcalls: argcalls.c\n\t$(CC) -O2 -pthread -o $@ $<\n")
    subprocess.run([cc_sandbox, "make", "-s", "--no-sandbox", "-C", str(work)], check=True, capture_output=True)
    policy = json.loads((work / "argcalls.policy.json").read_text())
    return work / "argcalls", {entry["nr"] for entry in policy["allowed"]}


def _filter(path: Path, allowed: set[int], constrained: bool) -> Path:
    policy = Policy("argcalls", {nr: "site" for nr in allowed}, (), False)
    found = derive_constraints(SITES, allowed) if constrained else None
    enforcement = enforce(policy, PolicyOptions(), "argcalls", found)
    path.write_bytes(pack(enforcement.program))
    return path


def test_the_programs_own_calls_pass_the_constraints(argcalls: tuple[Path, set[int]], tmp_path: Path) -> None:
    binary, allowed = argcalls
    assert {NR["mprotect"], NR["ioctl"], NR["clone"]} <= allowed
    blob = _filter(tmp_path / "f.bpf", allowed, constrained=True)
    done = subprocess.run([str(binary), str(blob)], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "ok\n")
    assert run_with_injection([str(binary), str(blob)], NR["getppid"], None) == OK


@pytest.mark.parametrize(
    ("what", "call"),
    [
        ("mprotect PROT_EXEC", (NR["mprotect"], (0, 4096, PROT_READ | PROT_EXEC))),
        ("mmap W|X", (NR["mmap"], (0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, 0x22, -1, 0))),
        ("ioctl TIOCSTI", (NR["ioctl"], (0, TIOCSTI, 0))),
        ("clone with fork flags", (NR["clone"], (SIGCHLD, 0, 0, 0, 0))),
    ],
)
def test_an_injected_call_no_site_makes_dies_with_sigsys(
    argcalls: tuple[Path, set[int]], tmp_path: Path, what: str, call: tuple[int, tuple[int, ...]]
) -> None:
    binary, allowed = argcalls
    constrained = _filter(tmp_path / "args.bpf", allowed, constrained=True)
    names_only = _filter(tmp_path / "names.bpf", allowed, constrained=False)
    assert run_with_injection([str(binary), str(constrained)], NR["getppid"], call) == KILLED, what
    # the same injection under the name-level filter is not stopped by seccomp (the kernel
    # refuses the bogus address, or a forked child appears): the constraint is what kills
    assert run_with_injection([str(binary), str(names_only)], NR["getppid"], call).signal != signal.SIGSYS, what


def test_an_injected_call_with_a_value_a_site_passes_is_allowed(
    argcalls: tuple[Path, set[int]], tmp_path: Path
) -> None:
    binary, allowed = argcalls
    blob = _filter(tmp_path / "args.bpf", allowed, constrained=True)
    assert run_with_injection([str(binary), str(blob)], NR["getppid"], (NR["mprotect"], (0, 0, PROT_READ))) == OK
    assert run_with_injection([str(binary), str(blob)], NR["getppid"], (NR["ioctl"], (1, TIOCGWINSZ, 0))) == OK


@pytest.fixture(scope="module")
def sandboxed_argcalls(tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, sysroot: object) -> Path:
    """argcalls built with its embedded filter, whose constraints come from the analysis."""
    work = tmp_path_factory.mktemp("sandboxed")
    shutil.copy(PROGRAMS / "argcalls.c", work)
    (work / "Makefile").write_text("argcalls: argcalls.c\n\t$(CC) -O2 -pthread -o $@ $<\n")
    subprocess.run([cc_sandbox, "make", "-s", "-C", str(work)], check=True, capture_output=True)
    return work / "argcalls"


def test_the_embedded_filter_checks_clone_flags_the_analysis_proved(sandboxed_argcalls: Path, cc_sandbox: str) -> None:
    binary = str(sandboxed_argcalls)
    assert run_with_injection([binary, "-"], NR["getppid"], None) == OK  # its own thread creation
    fork = (NR["clone"], (SIGCHLD, 0, 0, 0, 0))
    assert run_with_injection([binary, "-"], NR["getppid"], fork) == KILLED
    inspected = subprocess.run([cc_sandbox, "inspect", "--json", binary], capture_output=True, text=True)
    meta = json.loads(inspected.stdout)
    assert inspected.returncode == 0 and meta["problems"] == []
    assert [c["name"] for c in meta["constraints"]["constraints"]] == ["clone"]
    assert meta["constraints"]["constraints"][0]["summary"] == [f"flags in {{{MUSL_THREAD_FLAGS:#x}}}"]

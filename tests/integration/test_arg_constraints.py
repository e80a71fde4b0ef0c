"""Negative controls that play the attacker: a program runs under a filter with argument
constraints, and a call its sites never make (injected with ptrace at a stop, as an exploit
controlling the program would issue it) dies with SIGSYS, while the program's own calls with
their real values work: under a filter built by ``enforce`` from hand-written site values, and
under the filter a real build embeds from the analysis of its own module."""

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

from . import test_real_programs as real
from .inject import ALIVE, Outcome, run_with_injection

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
    enforcement = enforce(policy, PolicyOptions(), "argcalls", constraints=found)
    path.write_bytes(pack(enforcement.program))
    return path


def test_the_programs_own_calls_pass_the_constraints(argcalls: tuple[Path, set[int]], tmp_path: Path) -> None:
    binary, allowed = argcalls
    assert {NR["mprotect"], NR["ioctl"], NR["clone"]} <= allowed
    blob = _filter(tmp_path / "f.bpf", allowed, constrained=True)
    done = subprocess.run([str(binary), str(blob)], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "ok\n")
    assert run_with_injection([str(binary), str(blob)], NR["getppid"], None) == OK


ATTACKS = [
    ("mprotect PROT_EXEC", (NR["mprotect"], (0, 4096, PROT_READ | PROT_EXEC))),
    ("mmap W|X", (NR["mmap"], (0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, 0x22, -1, 0))),
    ("ioctl TIOCSTI", (NR["ioctl"], (0, TIOCSTI, 0))),
    ("clone with fork flags", (NR["clone"], (SIGCHLD, 0, 0, 0, 0))),
]


@pytest.mark.parametrize(("what", "call"), ATTACKS)
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


@pytest.mark.parametrize(("what", "call"), ATTACKS)
def test_the_embedded_filter_kills_what_no_reachable_site_passes(
    sandboxed_argcalls: Path, what: str, call: tuple[int, tuple[int, ...]]
) -> None:
    """The real build: constraints from the analysis of its own module, in its embedded filter."""
    binary = str(sandboxed_argcalls)
    assert run_with_injection([binary, "-"], NR["getppid"], None) == OK  # its own calls, real values
    assert run_with_injection([binary, "-"], NR["getppid"], call) == KILLED, what


def test_the_embedded_constraints_are_those_the_sites_prove(sandboxed_argcalls: Path, cc_sandbox: str) -> None:
    inspected = subprocess.run(
        [cc_sandbox, "inspect", "--json", str(sandboxed_argcalls)], capture_output=True, text=True
    )
    meta = json.loads(inspected.stdout)
    assert inspected.returncode == 0 and meta["problems"] == []
    summary = {c["name"]: c["summary"] for c in meta["constraints"]["constraints"]}
    assert summary["mprotect"] == summary["mmap"] == ["prot never has PROT_EXEC"]
    assert summary["ioctl"] == [f"request in {{{TIOCGWINSZ:#x}}}"]
    assert summary["clone"] == [f"flags in {{{MUSL_THREAD_FLAGS:#x}}}"]


def test_analyze_export_and_compare_show_the_constraints(
    sandboxed_argcalls: Path, cc_sandbox: str, tmp_path: Path
) -> None:
    binary = str(sandboxed_argcalls)
    policy = json.loads(Path(f"{binary}.policy.json").read_text())
    assert policy["constraints"]["constrained_count"] >= 1
    assert "clone" in {c["name"] for c in policy["enforcement"]["constraints"]["constraints"]}
    summary = subprocess.run([cc_sandbox, "analyze", f"{binary}.facts"], capture_output=True, text=True).stdout
    assert "args        clone: flags in {0x7d0f00}" in summary
    explained = subprocess.run([cc_sandbox, "explain", f"{binary}.facts", "clone"], capture_output=True, text=True)
    assert "clone is allowed only with flags in {0x7d0f00}" in explained.stdout
    oci = subprocess.run([cc_sandbox, "export", binary, "--format", "oci"], capture_output=True, text=True)
    rules = json.loads(oci.stdout)["syscalls"]
    assert {
        "names": ["clone"],
        "action": "SCMP_ACT_ALLOW",
        "args": [{"index": 0, "value": 0xFFFFFFFF, "valueTwo": MUSL_THREAD_FLAGS, "op": "SCMP_CMP_MASKED_EQ"}],
    } in rules
    systemd = subprocess.run([cc_sandbox, "export", binary, "--format", "systemd"], capture_output=True, text=True)
    assert "cannot check arguments: clone" in systemd.stderr and "clone" in systemd.stdout.split("SystemCallFilter=")[1]
    trace = tmp_path / "t.json"
    trace.write_text(json.dumps({"format": "cc-sandbox-trace", "programs": [{"image": binary, "syscalls": ["clone"]}]}))
    compared = subprocess.run([cc_sandbox, "compare", binary, str(trace)], capture_output=True, text=True)
    assert "not compared with the traces): clone" in compared.stdout


@pytest.mark.real_programs
@pytest.mark.parametrize(("what", "call"), [*ATTACKS, ("prctl PR_SET_MM", (NR["prctl"], (35, 0, 0, 0, 0)))])
def test_redis_server_dies_for_an_injected_call_its_sites_never_make(
    what: str,
    call: tuple[int, tuple[int, ...]],
    real_work: Path,
    tmp_path: Path,
    tool_env: dict[str, str],
) -> None:
    """redis-server (the session's real build) stopped in its event loop's first epoll_pwait."""
    binary = real.build("redis", real_work, tool_env)
    argv = [str(binary), "--port", "0", "--unixsocket", str(tmp_path / "s"), "--save", "", "--daemonize", "no"]
    assert run_with_injection(argv, NR["epoll_pwait"], call) == KILLED, what
    own = (NR["mprotect"], (0, 0, PROT_READ))  # a value its sites pass: it keeps serving
    assert run_with_injection(argv, NR["epoll_pwait"], own, stops_after=20) == ALIVE

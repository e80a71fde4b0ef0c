"""Two filter sets chosen by kernel version (section v3, ``--min-kernel``): what is written is
read back, and the runtime picks set 0 (pruned) on a kernel at least ``min_kernel`` and set 1
(unpruned) on an older one, once at start-up, for every phase.

The real programs/phased binary calls getppid in its set-up; a build with ``--deny getppid`` gives
a real filter that kills it. Writing the killing filter as set 0 and the allowing one as set 1
shows which set the runtime chose: SIGSYS means set 0. ``setarch --uname-2.6`` makes the kernel
report a 2.6 release, so the same binary also meets an "older kernel" on this machine; a ptrace
tracer that rewrites the release uname returns checks the parsing (unparsable: older kernel).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
from pathlib import Path

import pytest

from ccsandbox.bpf.compile import Action, build_filter
from ccsandbox.bpf.insn import MAX_INSNS, RET_ALLOW, RET_KILL_PROCESS, Insn, pack, ret
from ccsandbox.driver.command import CompileTools, common_flags
from ccsandbox.errors import CcSandboxError, NotOurBinaryError
from ccsandbox.section import (
    FILTER_SECTION,
    MAX_SETS,
    MAX_TRANSITIONS,
    POOL_OFFSET,
    _section,
    read_embedded,
    write_filter,
    write_filters,
    write_metadata,
)
from ccsandbox.syscalls import SYSCALL_NAMES, SYSCALL_NUMBERS
from ccsandbox.sysroot import Sysroot
from ccsandbox.trace import _ptrace as pt

from .helpers import REPO, run

PROGRAMS = Path(__file__).parent / "programs"
SIGSYS_EXIT = -signal.SIGSYS
SETARCH = shutil.which("setarch")
_HEADER = struct.Struct("=16sIIIIII")  # the v3 header as the runtime declares it


def _this_kernel() -> tuple[int, int]:
    found = re.match(r"(\d+)\.(\d+)", os.uname().release)
    assert found, os.uname().release
    return int(found[1]), int(found[2])


def _header(binary: Path) -> tuple[int, ...]:
    place = _section(binary, FILTER_SECTION)
    assert place is not None
    with open(binary, "rb") as stream:
        stream.seek(place[0])
        return _HEADER.unpack(stream.read(_HEADER.size))[1:]  # version, state, count, filters, sets, min_kernel


def _poke(binary: Path, at: int, value: int) -> None:
    """Overwrite the u32 at byte ``at`` of the filter section."""
    place = _section(binary, FILTER_SECTION)
    assert place is not None
    with open(binary, "r+b") as stream:
        stream.seek(place[0] + at)
        stream.write(struct.pack("=I", value))


# --- the section, written into the real runtime compiled to an object -------------------------


@pytest.fixture()
def runtime_object(tmp_path: Path, sysroot: Sysroot) -> Path:
    """toolchain/runtime/cc_sandbox_rt.c compiled (no LTO) to an ELF object: its .cc_sandbox
    section as the runtime declares it, unwritten."""
    target = tmp_path / "rt.o"
    source = REPO / "toolchain" / "runtime" / "cc_sandbox_rt.c"
    flags = [*common_flags(CompileTools.of(sysroot)), "-O2", "-Wall", "-Werror", "-c"]
    done = run([sysroot.clang, *flags, str(source), "-o", str(target)], {})
    assert done.returncode == 0, done.stderr
    return target


ALLOW_READ = build_filter({0}, Action("kill"))
ALLOW_READ_WRITE = build_filter({0, 1}, Action("kill"))
ALLOW_SOME = build_filter({0, 1, 60, 231}, Action("kill"))


def test_the_runtime_declares_an_unwritten_version_3_section(runtime_object: Path) -> None:
    assert _header(runtime_object) == (3, 0, 0, 0, 0, 0)
    embedded = read_embedded(runtime_object)
    assert embedded.state == 0 and embedded.programs == [] and embedded.older_kernel_programs is None


def test_one_set_is_written_when_there_is_no_older_kernel_set(runtime_object: Path) -> None:
    write_filters(runtime_object, [ALLOW_READ, ALLOW_READ_WRITE])
    embedded = read_embedded(runtime_object)
    assert embedded.programs == [ALLOW_READ, ALLOW_READ_WRITE] and embedded.program == ALLOW_READ
    assert embedded.older_kernel_programs is None and embedded.min_kernel is None
    count = len(ALLOW_READ) + len(ALLOW_READ_WRITE)
    assert _header(runtime_object) == (3, 1, count, 2, 1, 0)


def test_an_older_kernel_set_equal_to_the_newer_one_is_one_set(runtime_object: Path) -> None:
    write_filters(runtime_object, [ALLOW_READ], [list(ALLOW_READ)], (5, 10))
    assert _header(runtime_object)[4:] == (1, 0)
    write_filter(runtime_object, ALLOW_SOME)
    assert read_embedded(runtime_object).programs == [ALLOW_SOME]


def test_two_sets_round_trip_and_share_identical_filters(runtime_object: Path) -> None:
    newer, older = [ALLOW_READ, ALLOW_READ_WRITE], [ALLOW_SOME, ALLOW_READ_WRITE]
    write_filters(runtime_object, newer, older, (5, 10))
    embedded = read_embedded(runtime_object)
    assert embedded.programs == newer and embedded.older_kernel_programs == older
    assert embedded.min_kernel == (5, 10)
    shared = len(ALLOW_READ) + len(ALLOW_READ_WRITE) + len(ALLOW_SOME)  # phase 1's filter once
    assert _header(runtime_object) == (3, 1, shared, 2, 2, 5 << 16 | 10)


@pytest.mark.parametrize(
    ("older", "min_kernel", "message"),
    [
        ([ALLOW_SOME], (5, 10), "1 older-kernel filter(s) for 2 phase(s)"),
        ([ALLOW_SOME, ALLOW_SOME], None, "need the kernel version"),
        ([ALLOW_SOME, ALLOW_SOME], (65536, 0), "out of range"),
        ([ALLOW_SOME, []], (5, 10), "empty filter"),
    ],
)
def test_an_inconsistent_older_kernel_set_is_refused(
    older: list[list[Insn]], min_kernel: tuple[int, int] | None, message: str, runtime_object: Path
) -> None:
    with pytest.raises(CcSandboxError, match=re.escape(message)):
        write_filters(runtime_object, [ALLOW_READ, ALLOW_READ_WRITE], older, min_kernel)
    assert _header(runtime_object)[1] == 0, "nothing written"


def test_filters_beyond_the_sections_room_are_refused_with_both_sets_counted(runtime_object: Path) -> None:
    """Room for 4096 instructions in all: one set of 2100 fits, two different ones do not."""
    newer, older = [ret(RET_ALLOW)] * 2100, [ret(RET_KILL_PROCESS)] * 2100
    write_filters(runtime_object, [newer])
    with pytest.raises(CcSandboxError, match=r"two sets: newer and older kernels.*room for 4096"):
        write_filters(runtime_object, [newer], [older], (5, 10))
    assert read_embedded(runtime_object).programs == [newer], "the refused write left the section as it was"


@pytest.mark.parametrize(
    ("at", "value", "message"),
    [
        (_HEADER.size + 8 * (1 + MAX_TRANSITIONS), 10_000, "points outside"),  # set 1, filter 0: start
        (_HEADER.size + 8 * (1 + MAX_TRANSITIONS) + 4, 10_000, "points outside"),  # its count
        (32, MAX_SETS + 1, "unknown .cc_sandbox layout"),  # sets
        (28, 2 + MAX_TRANSITIONS, "unknown .cc_sandbox layout"),  # filters per set
        (24, MAX_INSNS + 1, "unknown .cc_sandbox layout"),  # pool count
        (16, 4, "unknown .cc_sandbox layout"),  # version
    ],
)
def test_a_corrupt_section_is_not_read(at: int, value: int, message: str, runtime_object: Path) -> None:
    write_filters(runtime_object, [ALLOW_READ], [ALLOW_SOME], (5, 10))
    _poke(runtime_object, at, value)
    with pytest.raises(NotOurBinaryError, match=message):
        read_embedded(runtime_object)


def test_version_1_and_2_sections_are_still_read(runtime_object: Path) -> None:
    place = _section(runtime_object, FILTER_SECTION)
    assert place is not None
    magic = b"CC-SANDBOX-BPF\0\0"
    v2_index = struct.pack("=IIII", 0, len(ALLOW_READ), len(ALLOW_READ), len(ALLOW_SOME)).ljust(
        8 * (1 + MAX_TRANSITIONS), b"\0"
    )
    pool = b"".join(struct.pack("=HBBI", *i) for i in ALLOW_READ + ALLOW_SOME)
    with open(runtime_object, "r+b") as stream:
        stream.seek(place[0])
        stream.write(struct.pack("=16sIIII", magic, 2, 1, len(ALLOW_READ) + len(ALLOW_SOME), 2) + v2_index + pool)
    embedded = read_embedded(runtime_object)
    assert embedded.programs == [ALLOW_READ, ALLOW_SOME] and embedded.older_kernel_programs is None
    with open(runtime_object, "r+b") as stream:
        stream.seek(place[0])
        stream.write(struct.pack("=16sIIII", magic, 1, 1, len(ALLOW_SOME), 0) + pool[8 * len(ALLOW_READ) :])
    assert read_embedded(runtime_object).programs == [ALLOW_SOME]
    assert _HEADER.size + 8 * MAX_SETS * (1 + MAX_TRANSITIONS) == POOL_OFFSET


# --- the runtime's choice, in real binaries ---------------------------------------------------


def _build(work: Path, cc_sandbox: str, env: dict[str, str], *options: str) -> Path:
    shutil.copytree(PROGRAMS / "phased", work)
    done = run([cc_sandbox, "make", "-B", *options, "-C", str(work)], env)
    assert done.returncode == 0, done.stderr
    return work / "phased"


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, session_env: dict[str, str]) -> Path:
    return _build(tmp_path_factory.mktemp("plain") / "phased", cc_sandbox, session_env)


@pytest.fixture(scope="module")
def no_getppid(tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, session_env: dict[str, str]) -> Path:
    return _build(tmp_path_factory.mktemp("deny") / "phased", cc_sandbox, session_env, "--deny", "getppid")


@pytest.fixture(scope="module")
def phased(tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, session_env: dict[str, str]) -> Path:
    return _build(tmp_path_factory.mktemp("phases") / "phased", cc_sandbox, session_env, "--phase-entry", "serve")


def _two_sets(
    where: Path, binary: Path, newer: list[list[Insn]], older: list[list[Insn]], min_kernel: tuple[int, int]
) -> Path:
    """A copy of ``binary`` in ``where`` with set 0 ``newer`` (kernels >= min_kernel), set 1 ``older``."""
    where.mkdir(exist_ok=True)
    copy = where / binary.name
    shutil.copy(binary, copy)
    write_filters(copy, newer, older, min_kernel)
    return copy


def test_the_installer_and_its_uname_stay_out_of_the_programs_policy(plain: Path, cc_sandbox: str) -> None:
    policy = json.loads(Path(f"{plain}.policy.json").read_text())
    assert "uname" not in {entry["name"] for entry in policy["allowed"]}
    inspected = run([cc_sandbox, "inspect", "--json", str(plain)], {})
    meta = json.loads(inspected.stdout)
    assert inspected.returncode == 0 and meta["problems"] == [] and "uname" not in meta["allowed"]
    assert meta["older_kernel_instructions"] is None
    assert run([str(plain)], {}).returncode == 0


@pytest.mark.parametrize(
    ("min_kernel", "chosen"),
    [
        ((1, 0), "newer"),
        (_this_kernel(), "newer"),  # at least min_kernel: equal counts
        ((_this_kernel()[0], _this_kernel()[1] + 1), "older"),
        ((_this_kernel()[0] + 1, 0), "older"),
        ((99, 0), "older"),
    ],
)
def test_the_kernel_version_chooses_the_set(
    min_kernel: tuple[int, int], chosen: str, tmp_path: Path, plain: Path, no_getppid: Path
) -> None:
    kills, allows = read_embedded(no_getppid).program, read_embedded(plain).program
    binary = _two_sets(tmp_path, plain, [kills], [allows], min_kernel)
    done = run([str(binary)], {})
    expected = SIGSYS_EXIT if chosen == "newer" else 0
    assert done.returncode == expected, (min_kernel, done.returncode, done.stderr)


@pytest.mark.skipif(SETARCH is None, reason="setarch (util-linux) is not installed")
def test_a_kernel_reporting_an_older_release_gets_the_unpruned_set(
    tmp_path: Path, plain: Path, no_getppid: Path
) -> None:
    """``setarch --uname-2.6``: the running kernel reports release 2.6.x to this process."""
    kills, allows = read_embedded(no_getppid).program, read_embedded(plain).program
    binary = _two_sets(tmp_path, plain, [kills], [allows], _this_kernel())
    assert run([str(binary)], {}).returncode == SIGSYS_EXIT
    older = run([str(SETARCH), "x86_64", "--uname-2.6", str(binary)], {})
    assert older.returncode == 0, older.stderr


@pytest.mark.parametrize(("min_kernel", "late"), [((1, 0), SIGSYS_EXIT), ((99, 0), 0)])
def test_the_start_up_choice_holds_for_the_phase_transition(
    min_kernel: tuple[int, int], late: int, tmp_path: Path, phased: Path
) -> None:
    """Set 0 is the real phase build (getppid killed after the transition); set 1 keeps the
    start-up filter for phase 1. Each run installs two filters; "late" calls getppid in phase 1."""
    start, serving = read_embedded(phased).programs
    binary = _two_sets(tmp_path, phased, [start, serving], [start, start], min_kernel)
    done = run([str(binary)], {})
    assert done.returncode == 0 and done.stdout.split("\n")[:4] == ["main 1", "main 2", "main 2", "thread 2"]
    assert run([str(binary), "late"], {}).returncode == late


def test_inspect_shows_and_checks_the_older_kernel_set(
    tmp_path: Path, plain: Path, no_getppid: Path, cc_sandbox: str
) -> None:
    own = read_embedded(plain).program
    everything = build_filter(set(SYSCALL_NAMES), Action("kill"))
    binary = _two_sets(tmp_path, plain, [own], [everything], (5, 10))
    text = run([cc_sandbox, "inspect", str(binary)], {})
    expected = f"older than 5.10 (or of unknown version) get the unpruned filters: {len(everything)} instructions"
    assert text.returncode == 0 and expected in text.stdout, text.stdout
    meta = json.loads(run([cc_sandbox, "inspect", "--json", str(binary)], {}).stdout)
    assert meta["min_kernel"] == "5.10" and meta["older_kernel_instructions"] == [len(everything)]
    assert meta["problems"] == []
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "schemas" / "embedded.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(meta)
    # an older kernel's filter that allows less than the newer kernels' one is inconsistent
    narrower = _two_sets(tmp_path / "narrower", plain, [own], [read_embedded(no_getppid).program], (5, 10))
    done = run([cc_sandbox, "inspect", str(narrower)], {})
    assert done.returncode == 1 and "older-kernel phase 0 filter allows less" in done.stdout, done.stdout


def test_a_program_that_execs_itself_lets_its_child_choose_a_set(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    """The re-exec'd program reads the kernel release under its parent's filter, which therefore
    allows uname (the child installer's calls); without it, the child would die there."""
    shutil.copy(PROGRAMS / "selfexec.c", tmp_path)
    (tmp_path / "Makefile").write_text("selfexec: selfexec.c\n\t$(CC) -O2 -o $@ $<\n")
    done = run([cc_sandbox, "make", "-C", str(tmp_path)], tool_env)
    assert done.returncode == 0, done.stderr
    binary = tmp_path / "selfexec"
    enforced = json.loads(Path(f"{binary}.policy.json").read_text())["enforcement"]["allowed"]
    assert "uname" in enforced
    own = read_embedded(binary).program
    two_sets = _two_sets(tmp_path / "two", binary, [own], [[*own, ret(RET_KILL_PROCESS)]], (1, 0))
    ran = run([str(two_sets)], {})
    assert ran.returncode == 0 and ran.stdout == "child ran\n", ran.stderr
    without_uname = build_filter({SYSCALL_NUMBERS[n] for n in enforced} - {SYSCALL_NUMBERS["uname"]}, Action("kill"))
    control = _two_sets(tmp_path / "control", binary, [without_uname], [[*without_uname, ret(RET_ALLOW)]], (1, 0))
    assert run([str(control)], {}).returncode == SIGSYS_EXIT


def test_inspect_checks_the_older_kernels_metadata_where_it_is_given(
    tmp_path: Path, plain: Path, cc_sandbox: str
) -> None:
    everything = build_filter(set(SYSCALL_NAMES), Action("kill"))
    binary = _two_sets(tmp_path, plain, [read_embedded(plain).program], [everything], (5, 10))
    meta = read_embedded(binary).metadata
    described = {"allowed": sorted(SYSCALL_NUMBERS), "filter_sha256": hashlib.sha256(pack(everything)).hexdigest()}
    write_metadata(binary, {**meta, "min_kernel": "5.10", "older_kernels": described})
    done = run([cc_sandbox, "inspect", "--json", str(binary)], {})
    assert done.returncode == 0 and json.loads(done.stdout)["problems"] == []
    write_metadata(binary, {**meta, "min_kernel": [5, 4], "older_kernels": {**described, "filter_sha256": "0"}})
    problems = json.loads(run([cc_sandbox, "inspect", "--json", str(binary)], {}).stdout)["problems"]
    assert problems == [
        "the section picks by kernel 5.10, the metadata says 5.4",
        "the older-kernel phase 0 filter does not match the metadata's filter_sha256",
    ]


UNAME, RAX, RELEASE_AT = 63, 10, 2 * 65  # rax in user_regs_struct; release in struct new_utsname


def _run_reporting_release(argv: list[str], release: bytes | None) -> int:
    """Run ``argv`` under ptrace and, when its first uname returns, overwrite the release the
    kernel reported with ``release`` (None: make uname fail with ENOSYS), then let it run on
    untraced. Its exit code (negative: the signal that ended it)."""
    child = subprocess.Popen(argv, preexec_fn=lambda: pt.ptrace(pt.PTRACE_TRACEME, 0), stdout=subprocess.DEVNULL)
    pid, buffer = child.pid, None
    try:
        os.waitpid(pid, 0)  # the SIGTRAP of execve
        pt.ptrace(pt.PTRACE_SETOPTIONS, pid, 0, pt.O_TRACESYSGOOD | pt.O_EXITKILL)
        while True:
            pt.ptrace(pt.PTRACE_SYSCALL, pid, 0, 0)
            _, status = os.waitpid(pid, 0)
            assert os.WIFSTOPPED(status) and os.WSTOPSIG(status) == signal.SIGTRAP | 0x80, "ended before uname"
            info = pt.syscall_info(pid)
            if info.op == pt.INFO_ENTRY and info.nr == UNAME:
                buffer = int(info.args[0])
            elif info.op == pt.INFO_EXIT and buffer is not None:
                if release is None:
                    regs = pt.get_regs(pid)
                    regs.words[RAX] = -38 & 0xFFFFFFFFFFFFFFFF  # -ENOSYS
                    pt.set_regs(pid, regs)
                else:
                    padded = (release + b"\0").ljust(-(-(len(release) + 1) // 8) * 8, b"\0")
                    for at in range(0, len(padded), 8):
                        pt.poke(pid, buffer + RELEASE_AT + at, int.from_bytes(padded[at : at + 8], "little"))
                pt.ptrace(pt.PTRACE_DETACH, pid, 0, 0)
                return child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.mark.parametrize(
    ("release", "chosen"),
    [
        (b"5.10.0-18-amd64", "newer"),
        (b"5.10", "newer"),
        (b"5.100.1", "newer"),
        (b"6.0.0", "newer"),
        (b"5.9.16", "older"),
        (b"4.19.0-26-cloud-amd64", "older"),
        (b"0.0", "older"),
        (b"linux-6.1", "older"),
        (b"6", "older"),
        (b"6.", "older"),
        (b".10", "older"),
        (b"", "older"),
        (b"123456.1", "older"),
        (b"70000.1", "older"),
        (None, "older"),  # uname itself failed
    ],
)
def test_the_runtime_parses_the_releases_leading_major_and_minor(
    release: bytes | None, chosen: str, tmp_path: Path, plain: Path, no_getppid: Path
) -> None:
    """Against min_kernel 5.10, with the release the kernel reports rewritten by a tracer: an
    unparsable release, or a failed uname, is an older kernel."""
    kills, allows = read_embedded(no_getppid).program, read_embedded(plain).program
    binary = _two_sets(tmp_path, plain, [kills], [allows], (5, 10))
    assert _run_reporting_release([str(binary)], release) == (SIGSYS_EXIT if chosen == "newer" else 0)

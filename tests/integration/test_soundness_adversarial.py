"""Adversarial programs, one per class of issue 8: each is built in kill mode and run under
strace (every syscall it makes is in its policy, and it is not killed), or refused at build time
with one ``cc-sandbox: error:`` line."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from .adversarial import PROGRAMS
from .adversarial import make as _make
from .adversarial import one_line_refusal as _one_line_refusal
from .adversarial import sound_run as _sound_run
from .helpers import run

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ("asm_operand.c", {"umask", "getppid"}),  # row 1
        ("asm_spelling.c", {"getpid", "getuid", "getgid"}),  # row 2
        ("file_asm.c", {"getppid"}),  # row 3
        ("asm_call.c", {"getppid", "getuid", "getgid"}),  # row 4
        ("late_ctor.c", {"getppid", "getuid"}),  # row 9, allowed side
        ("select_number.c", {"getuid"}),  # row 10, select of constants
    ],
)
def test_syscalls_made_from_asm_and_constants_are_in_the_policy(
    program: str, expected: set[str], tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    done, binary = _make(program, tmp_path / "w", cc_sandbox, tool_env)
    assert done.returncode == 0, done.stderr
    assert expected <= _sound_run(binary, tmp_path)


@pytest.mark.parametrize("flags", ["-O0", "-O2"])
def test_a_function_called_through_a_variadic_pointer_type_is_reached(
    flags: str, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    done, binary = _make("variadic.c", tmp_path / "w", cc_sandbox, tool_env, flags=flags)
    assert done.returncode == 0, done.stderr
    assert "getppid" in _sound_run(binary, tmp_path)


def test_both_constants_of_a_select_are_allowed(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    done, binary = _make("select_number.c", tmp_path / "w", cc_sandbox, tool_env)
    assert done.returncode == 0, done.stderr
    assert "getppid" in _sound_run(binary, tmp_path, "x")
    policy = json.loads(Path(f"{binary}.policy.json").read_text())
    assert {"getppid", "getuid"} <= {entry["name"] for entry in policy["allowed"]}


def test_int80_is_killed_by_the_architecture_check(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    done, binary = _make("asm_spelling.c", tmp_path / "w", cc_sandbox, tool_env)
    assert done.returncode == 0, done.stderr
    killed = subprocess.run([str(binary), "int80"], capture_output=True, timeout=30)
    assert killed.returncode == -signal.SIGSYS


def test_time_through_the_vsyscall_page_runs(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    if "[vsyscall]" not in Path("/proc/self/maps").read_text():
        pytest.skip("this kernel maps no vsyscall page (vsyscall=none)")
    done, binary = _make("vsyscall.c", tmp_path / "w", cc_sandbox, tool_env)
    assert done.returncode == 0, done.stderr
    ran = subprocess.run([str(binary)], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0 and ran.stdout.strip() == "1", (ran.returncode, ran.stdout)
    assert '"name": "time"' in Path(f"{binary}.policy.json").read_text()


def test_an_unknown_syscall_number_fails_the_link_naming_the_site_and_the_fix(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    done, binary = _make("unresolved.c", tmp_path / "w", cc_sandbox, tool_env)
    _one_line_refusal(done, "main", "--unresolved allow-all", "CC_SANDBOX_OPTIONS")
    assert not binary.exists()


def test_allow_all_is_accepted_on_request_and_said_in_capitals(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    done, binary = _make("unresolved.c", tmp_path / "w", cc_sandbox, tool_env, "--unresolved", "allow-all")
    assert done.returncode == 0, done.stderr
    assert "ALLOW-ALL" in done.stderr and "ALLOWS EVERY SYSCALL" in done.stderr
    shown = run([cc_sandbox, "inspect", str(binary)], tool_env)
    assert "ALL SYSCALLS: ALLOW-ALL" in shown.stdout and "unresolved   main" in shown.stdout
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parents[2] / "schemas" / "embedded.schema.json").read_text())
    metadata = json.loads(run([cc_sandbox, "inspect", "--json", str(binary)], tool_env).stdout)
    jsonschema.Draft202012Validator(schema).validate(metadata)
    assert metadata["action"] == "allow-all" and metadata["unresolved"][0].startswith("main: ")
    plain = run(
        [cc_sandbox, "cc", "-O2", "-o", str(tmp_path / "p"), str(PROGRAMS / "unresolved.c")],
        {**tool_env, "CC_SANDBOX_OPTIONS": "--unresolved allow-all"},
    )
    assert plain.returncode == 0 and "ALLOW-ALL" in plain.stderr, plain.stderr


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        ("-Wl,--wrap=getppid", ["--wrap", "__wrap_SYM"]),  # row 5
        ("-Wl,--defsym=getppid=__wrap_getppid", ["--defsym"]),  # row 5
        ("-Wl,-e,my_entry", ["-e my_entry", "entry point"]),  # row 8
        ("-nostartfiles", ["-nostartfiles"]),  # row 8
        ("-nostdlib", ["-nostdlib"]),  # row 12
        ("-fsanitize=address", ["-fsanitize=address", "sanitizer"]),  # row 12
        ("-fopenmp", ["-fopenmp", "libomp"]),  # row 12
    ],
)
def test_options_that_cannot_work_are_refused_in_one_line(
    flags: str, words: list[str], tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    done, binary = _make("entry.c", tmp_path / "w", cc_sandbox, tool_env, flags=f"-O2 {flags}")
    _one_line_refusal(done, *words)
    assert not binary.exists()


@pytest.mark.parametrize(
    ("program", "words"),
    [
        ("ctor_priority.c", ["constructor too_early", "before the seccomp filter is installed"]),  # row 9
        ("startup_override.c", ["defines __libc_start_init", "before the seccomp filter is installed"]),  # row 8
        ("init_section.c", [".init section", "before the seccomp filter is installed"]),  # row 8
        ("asm_unreadable.c", ["syscall instruction the analysis did not read", "main"]),  # row 2
        ("fini_section.c", [".fini_array holds late", "not a destructor"]),  # row 6
    ],
)
def test_code_the_analysis_cannot_vouch_for_fails_the_link(
    program: str, words: list[str], tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    done, binary = _make(program, tmp_path / "w", cc_sandbox, tool_env)
    _one_line_refusal(done, *words)
    assert not binary.exists()


@pytest.mark.parametrize("separately", [True, False])
def test_an_assembly_file_is_compiled_into_the_module_and_analysed(
    separately: bool, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    work = tmp_path / "w"
    work.mkdir()
    for name in ("asm_file_main.c", "own_start.S"):
        shutil.copy(PROGRAMS / name, work)
    recipe = (
        "prog: asm_file_main.o own_start.o\n\t$(CC) -o $@ $^\n"
        if separately
        else "prog: asm_file_main.c own_start.S\n\t$(CC) -O2 -o $@ $^\n"
    )
    (work / "Makefile").write_text(recipe)
    done = run([cc_sandbox, "make", "-C", str(work)], tool_env)
    assert done.returncode == 0, done.stderr
    assert "getpid" in _sound_run(work / "prog", tmp_path)
    allowed = {e["name"] for e in json.loads((work / "prog.policy.json").read_text())["allowed"]}
    assert {"getpid", "getppid"} <= allowed  # getppid: in a function only the asm calls


def test_x_c_applies_to_the_users_inputs_only(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    source = tmp_path / "prog.txt"
    shutil.copy(PROGRAMS / "select_number.c", source)
    done = run([cc_sandbox, "cc", "-O2", "-x", "c", str(source), "-o", str(tmp_path / "prog")], tool_env)
    assert done.returncode == 0 and done.stderr.count("\n") <= 2, done.stderr
    assert subprocess.run([str(tmp_path / "prog")], timeout=30).returncode == 0
    refused = run([cc_sandbox, "cc", "-x", "c++", str(source), "-o", str(tmp_path / "q")], tool_env)
    _one_line_refusal(refused, "-x c++")

"""Soundness, round 2 (issue 25): a binary never runs without the filter it claims, whatever
the program defines or the link is given. Each case is built in kill mode and run under strace
(static ⊇ traced, the filter installed before any program code), or refused in one line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ccsandbox.driver.startup_closure import startup_closure
from ccsandbox.embed.runtime import runtime_object
from ccsandbox.sysroot import Sysroot
from ccsandbox.tools import find_llvm_tool

from .adversarial import make, one_line_refusal, sound_run
from .helpers import run

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")


@pytest.mark.parametrize("flags", ["-O0", "-O2"])
def test_the_installer_calls_nothing_the_program_defines(
    flags: str, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    # row 1: a program's own syscall() and prctl() (a test mock) do not replace the installer's
    done, binary = make("own_syscall.c", tmp_path / "w", cc_sandbox, tool_env, flags=flags)
    assert done.returncode == 0, done.stderr
    sound_run(binary, tmp_path)
    ran = subprocess.run([str(binary)], capture_output=True, text=True, timeout=30)
    assert ran.stdout == "filtered no_new_privs\n"


def test_the_runtime_object_calls_no_function_outside_itself(sysroot: Sysroot) -> None:
    # no libc call (syscall, prctl, write, _exit, memcpy, __stack_chk_fail) that a program could
    # define: the installer's system calls are its own syscall instructions
    undefined = subprocess.run(
        [find_llvm_tool("llvm-nm"), "--undefined-only", str(runtime_object(sysroot))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert undefined == []


MAIN = "int main(void) { return 0; }\n"


def _refused_in_one_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    errors = [line for line in done.stderr.splitlines() if line.startswith("cc-sandbox: error:")]
    assert done.returncode != 0 and len(errors) == 1, done.stderr
    assert all(word in errors[0] for word in words), errors[0]


@pytest.mark.parametrize(
    ("name", "compiler", "words"),
    [
        # row 2: a native object named like lld's LTO output is still native code
        ("evil.lto.o", ["gcc", "-c", "-fno-pie"], ("native objects", "evil.lto.o")),
        # a ThinLTO bitcode input named 7.o becomes lld's OUT.lto.7.o: named as the user's input
        ("7.o", ["clang-19", "--target=x86_64-linux-musl", "-flto=thin", "-c"], ("ThinLTO", "7*")),
    ],
)
def test_inputs_are_trusted_by_the_links_own_paths_not_by_their_names(
    name: str, compiler: list[str], words: tuple[str, ...], tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    if shutil.which(compiler[0]) is None:
        pytest.skip(f"{compiler[0]} is not installed")
    (tmp_path / "f.c").write_text("int f(void) { return 1; }\n")
    (tmp_path / "main.c").write_text("int f(void);\nint main(void) { return f() - 1; }\n")
    subprocess.run([*compiler, str(tmp_path / "f.c"), "-o", str(tmp_path / name)], check=True)
    done = run([cc_sandbox_cc, str(tmp_path / "main.c"), str(tmp_path / name), "-o", str(tmp_path / "p")], tool_env)
    _refused_in_one_line(done, *words)
    assert not (tmp_path / "p").exists()


def test_a_startup_function_from_an_object_named_like_the_lto_output_is_refused(
    tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    # row 2: __libc_start_init from a bitcode input called x.lto.o would run no constructor (and
    # so no installer); only this link's own LTO object is the module
    (tmp_path / "s.c").write_text("void __libc_start_init(void) {}\n")
    (tmp_path / "main.c").write_text(MAIN)
    made = run([cc_sandbox_cc, "-c", str(tmp_path / "s.c"), "-o", str(tmp_path / "x.lto.o")], tool_env)
    assert made.returncode == 0, made.stderr
    done = run(
        [cc_sandbox_cc, str(tmp_path / "main.c"), str(tmp_path / "x.lto.o"), "-o", str(tmp_path / "p")], tool_env
    )
    _refused_in_one_line(done, "__libc_start_init")


def test_musls_pre_filter_start_up_is_read_from_its_bitcode(sysroot: Sysroot) -> None:
    names = set(startup_closure(sysroot))
    # what _start_c reaches by direct calls, with the weak aliases a program could define
    assert {"_start_c", "__init_libc", "__init_tls", "__init_ssp", "memcpy", "__libc_start_init", "_init"} <= names
    assert "main" not in names and "exit" not in names  # reached after the filter


def test_a_function_musls_start_up_calls_before_the_filter_is_refused(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    # row 1: a program's own memcpy would run (and make syscalls) before the installer
    done, binary = make("own_memcpy.c", tmp_path / "w", cc_sandbox, tool_env)
    one_line_refusal(done, "defines memcpy", "before the seccomp filter is installed")
    assert not binary.exists()


@pytest.mark.parametrize("flags", ["-O0", "-O2"])
@pytest.mark.parametrize(("program", "extra"), [("own_memset.c", ""), ("own_stack_chk.c", " -fstack-protector-strong")])
def test_functions_code_generation_calls_are_in_the_call_graph(
    program: str, extra: str, flags: str, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    # row 4: calls the module does not show (memory intrinsics, the stack protector) reach the
    # program's own definitions
    done, binary = make(program, tmp_path / "w", cc_sandbox, tool_env, flags=flags + extra)
    assert done.returncode == 0, done.stderr
    assert "getppid" in sound_run(binary, tmp_path)

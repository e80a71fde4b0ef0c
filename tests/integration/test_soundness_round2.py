"""Soundness, round 2 (issue 25): a binary never runs without the filter it claims, whatever
the program defines or the link is given. Each case is built in kill mode and run under strace
(static ⊇ traced, the filter installed before any program code), or refused in one line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ccsandbox.driver.runtime import runtime_object
from ccsandbox.driver.startup_closure import startup_closure
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
    one_line_refusal(done, *words)
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
    one_line_refusal(done, "__libc_start_init")


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


def _link_main(tmp_path: Path, cc_sandbox_cc: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "main.c").write_text("int getpid_twice(void);\nint main(void) { return 0; }\n")
    return run([cc_sandbox_cc, str(tmp_path / "main.c"), *args, "-o", str(tmp_path / "p")], env)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        # row 3: a linker script given as a plain input file
        (["SCRIPT"], ("would read it as a linker script",)),
        # ... or hidden in a response file lld expands, or as a default script
        (["-Wl,@RESPONSE"], ("--defsym",)),
        (["-Wl,--default-script=SCRIPT"], ("--default-script",)),
        (["-Wl,-dT,SCRIPT"], ("-dT",)),
        (["-Wl,@missing.rsp"], ("cannot be read",)),
    ],
)
def test_every_route_to_rebinding_symbols_in_lld_is_refused(
    args: list[str], words: tuple[str, ...], tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    script = tmp_path / "rebind.ld"
    script.write_text("main = getpid;\n")
    response = tmp_path / "opts.rsp"
    response.write_text("--defsym=main=getpid\n")
    args = [a.replace("SCRIPT", str(script)).replace("RESPONSE", str(response)) for a in args]
    done = _link_main(tmp_path, cc_sandbox_cc, tool_env, *args)
    one_line_refusal(done, *words)
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    ("source", "args", "words"),
    [
        # row 6: a writable and executable segment from a file-scope asm section
        (
            '__asm__(".section .rwx,\\"awx\\",@progbits\\n.globl blob\\nblob: .byte 0xc3\\n.text");\n'
            "extern char blob[];\nint main(void) { blob[0] = (char)0xc3; return 0; }\n",
            [],
            ("writable and executable",),
        ),
        # ... or an executable stack
        ("int main(void) { return 0; }\n", ["-Wl,-z,execstack"], ("stack is executable",)),
    ],
)
def test_a_link_that_undoes_w_xor_x_is_refused(
    source: str, args: list[str], words: tuple[str, ...], tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    (tmp_path / "w.c").write_text(source)
    done = run([cc_sandbox_cc, "-O2", str(tmp_path / "w.c"), *args, "-o", str(tmp_path / "p")], tool_env)
    one_line_refusal(done, *words)
    assert not (tmp_path / "p").exists()


def test_an_x32_number_is_a_build_error_and_a_number_beyond_the_table_is_inspected_right(
    tmp_path: Path, cc_sandbox: str, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    # row 7: the filter kills x32 numbers, so a site that makes one cannot be honoured
    (tmp_path / "x32.c").write_text("#include <unistd.h>\nint main(void) { return syscall(0x40000000 | 39) < 0; }\n")
    done = run([cc_sandbox_cc, str(tmp_path / "x32.c"), "-o", str(tmp_path / "x32")], tool_env)
    one_line_refusal(done, "0x40000027", "x32")
    # a syscall newer than the table (470) is allowed by number, and inspect says so
    (tmp_path / "new.c").write_text("#include <unistd.h>\nint main(void) { syscall(470); return 0; }\n")
    done = run([cc_sandbox_cc, str(tmp_path / "new.c"), "-o", str(tmp_path / "new")], tool_env)
    assert done.returncode == 0, done.stderr
    assert subprocess.run([str(tmp_path / "new")], timeout=30).returncode == 0
    inspected = run([cc_sandbox, "inspect", str(tmp_path / "new")], tool_env)
    assert inspected.returncode == 0 and "filter matches its metadata" in inspected.stdout, inspected.stdout


def test_a_make_that_links_programs_without_cc_sandbox_says_so_and_fails_when_strict(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    # row 9: a Makefile with its own CC leaves an unfiltered program: never a quiet "0 link(s)".
    # A warning by default (host tools built with CC_FOR_BUILD are linked so on purpose), and
    # with --strict a build that sandboxed nothing fails
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    (tmp_path / "prog.c").write_text(MAIN)
    (tmp_path / "Makefile").write_text("override CC = gcc\nprog: prog.c\n\t$(CC) -o $@ $<\n")
    done = run([cc_sandbox, "make", "-C", str(tmp_path)], tool_env)
    assert done.returncode == 0, done.stderr
    assert "cc-sandbox: warning:" in done.stderr and "NOT sandboxed" in done.stderr
    assert str(tmp_path / "prog") in done.stderr
    (tmp_path / "prog").unlink()
    done = run([cc_sandbox, "make", "--strict", "-C", str(tmp_path)], tool_env)
    assert done.returncode == 4, done.stderr
    assert "cc-sandbox: error:" in done.stderr and str(tmp_path / "prog") in done.stderr


def test_a_reachable_io_uring_is_refused_unless_accepted_out_loud(
    tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    # row 5: a ring's operations never pass seccomp, so the filter would not bound the program
    (tmp_path / "ring.c").write_text(
        "#include <string.h>\n#include <sys/syscall.h>\n#include <unistd.h>\n"
        "int main(void) { char p[120]; memset(p, 0, sizeof p); long fd = syscall(SYS_io_uring_setup, 4, p);\n"
        "  if (fd >= 0) close(fd); return 0; }\n"
    )
    done = run([cc_sandbox_cc, str(tmp_path / "ring.c"), "-o", str(tmp_path / "ring")], tool_env)
    one_line_refusal(done, "io_uring_setup", "--allow-io-uring")
    accepted = dict(tool_env, CC_SANDBOX_OPTIONS="--allow-io-uring")
    done = run([cc_sandbox_cc, str(tmp_path / "ring.c"), "-o", str(tmp_path / "ring")], accepted)
    assert done.returncode == 0 and "IO_URING ALLOWED" in done.stderr, done.stderr
    assert subprocess.run([str(tmp_path / "ring")], timeout=30).returncode == 0

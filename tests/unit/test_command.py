"""Specification of the clang command lines the driver runs."""

from __future__ import annotations

from pathlib import Path

from ccsandbox.driver.argv import classify
from ccsandbox.driver.command import CompileTools, compile_command, is_probe_link, link_command
from ccsandbox.sysroot import Sysroot

SYSROOT = Sysroot(
    path=Path("/sr"),
    musl_version="1.2.3",
    clang="/usr/bin/clang",
    clang_version="19",
    resource_dir="/res",
    builtins="/res/lib/linux/libclang_rt.builtins-x86_64.a",
)


def test_compiles_always_produce_full_lto_bitcode_even_if_cflags_disagree() -> None:
    cmd = compile_command(CompileTools.of(SYSROOT), classify(["-flto=thin", "-c", "a.c", "-o", "a.o"]))
    assert cmd[-1] == "-flto=full"
    assert cmd[:2] == ["/usr/bin/clang", "--target=x86_64-linux-musl"]


def test_compiles_see_only_musl_and_clang_headers() -> None:
    cmd = compile_command(CompileTools.of(SYSROOT), classify(["-c", "a.c"]))
    assert "--sysroot=/sr" in cmd and "-nostdinc" in cmd
    assert cmd.index("/sr/include") < cmd.index("/res/include")


def test_final_link_is_static_lld_with_musl_start_files_and_keeps_the_module() -> None:
    cmd = link_command(SYSROOT, classify(["a.o", "-lm", "-o", "prog"]), Path("/tmp/x/prog"), keep_module=True)
    assert cmd.index("/sr/lib/crt1.o") < cmd.index("/sr/lib/crti.o") < cmd.index("a.o") < cmd.index("/sr/lib/crtn.o")
    assert {"-fuse-ld=lld", "-static", "-nostdlib", "-Wl,--save-temps=precodegen", "-Wl,-Map=/tmp/x/prog.map"} <= set(
        cmd
    )
    assert SYSROOT.builtins in cmd
    assert cmd[-2:] == ["-o", "/tmp/x/prog"]


def test_probe_links_are_cheap_and_keep_nothing() -> None:
    cmd = link_command(SYSROOT, classify(["conftest.o", "-o", "conftest"]), Path("conftest"), keep_module=False)
    assert "-Wl,--lto-O0" in cmd and "-Wl,--lto-CGO0" in cmd
    assert not any("save-temps" in a or "-Map" in a for a in cmd)


def test_probe_links_are_recognised_by_their_output_name() -> None:
    assert is_probe_link("conftest") and is_probe_link("./conftest") and is_probe_link("conftest.exe")
    assert is_probe_link("CMakeFiles/CMakeScratch/TryCompile-x/cmTC_1a2b3")
    assert not is_probe_link("redis-server") and not is_probe_link("conftest-tool")

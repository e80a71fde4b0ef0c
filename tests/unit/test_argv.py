"""Specification of how the driver reads a compiler command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccsandbox.driver.argv import Mode, classify
from ccsandbox.driver.main import expand_response_files
from ccsandbox.errors import UnsupportedFlagError

MODES = [
    (["-c", "a.c"], Mode.COMPILE),
    (["-O2", "-S", "a.c", "-o", "a.s"], Mode.COMPILE),
    (["-E", "-"], Mode.COMPILE),
    (["-MM", "a.c"], Mode.COMPILE),
    (["-fsyntax-only", "a.c"], Mode.COMPILE),
    (["a.c"], Mode.LINK),
    (["a.o", "b.o", "-lm", "-o", "prog"], Mode.LINK),
    (["-O2", "-o", "prog", "a.c", "-lpthread"], Mode.LINK),
    (["--version"], Mode.INFO),
    (["-v"], Mode.INFO),
    (["-dumpmachine"], Mode.INFO),
    (["-print-prog-name=ld"], Mode.INFO),
    ([], Mode.INFO),
]


@pytest.mark.parametrize(("argv", "mode"), MODES)
def test_mode_follows_cc_conventions(argv: list[str], mode: Mode) -> None:
    assert classify(argv).mode is mode


def test_values_of_flags_are_not_inputs() -> None:
    inv = classify(["-I", "inc", "-D", "X=1", "-include", "cfg.h", "-x", "c", "-c", "a.c", "-MF", "a.d"])
    assert inv.inputs == ("a.c",)


def test_output_is_taken_out_of_the_arguments_in_both_spellings() -> None:
    assert classify(["a.o", "-o", "prog"]).output == "prog"
    assert classify(["a.o", "-oprog"]).output == "prog"
    assert "-o" not in classify(["a.o", "-o", "prog"]).args
    assert classify(["a.o"]).link_output == "a.out"


def test_link_flags_owned_by_the_driver_are_dropped() -> None:
    inv = classify(["a.o", "-static", "-pie", "-rdynamic", "-fuse-ld=bfd", "-o", "p", "-lm"])
    assert inv.args == ("a.o", "-lm")


def test_compile_keeps_every_user_flag() -> None:
    inv = classify(["-c", "-fPIC", "-static", "a.c"])
    assert inv.args == ("-c", "-fPIC", "-static", "a.c")


@pytest.mark.parametrize(
    "argv",
    [
        ["-m32", "-c", "a.c"],
        ["-mx32", "a.c"],
        ["--target=aarch64-linux-musl", "-c", "a.c"],
        ["-target", "i386-linux-gnu", "-c", "a.c"],
        ["-shared", "a.o", "-o", "liba.so"],
        ["-r", "a.o", "b.o", "-o", "ab.o"],
    ],
)
def test_other_architectures_and_output_kinds_are_refused(argv: list[str]) -> None:
    with pytest.raises(UnsupportedFlagError):
        classify(argv)


def test_the_musl_target_itself_is_accepted() -> None:
    assert classify(["--target=x86_64-linux-musl", "-c", "a.c"]).mode is Mode.COMPILE


def test_refusal_names_the_fix() -> None:
    with pytest.raises(UnsupportedFlagError, match=r"x86_64 only.*drop -m32"):
        classify(["-m32", "a.c"])


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["-Wl,--wrap=getppid", "a.c"], "--wrap"),
        (["-Wl,--wrap,getppid", "a.c"], "--wrap"),
        (["-Xlinker", "--defsym", "-Xlinker", "f=g", "a.c"], "--defsym"),
        (["-Wl,-e,my_entry", "a.c"], "entry point"),
        (["-Wl,--entry=my_entry", "a.c"], "entry point"),
        (["-T", "link.ld", "a.o"], "linker script"),
        (["-nostartfiles", "a.c"], "start files"),
        (["-nostdlib", "a.o"], "start files"),
        (["-fsanitize=address", "-c", "a.c"], "sanitizer"),
        (["-fopenmp", "-c", "a.c"], "libomp"),
        (["--coverage", "-c", "a.c"], "profiling runtime"),
        (["-fsanitize-coverage=trace-pc", "-c", "a.c"], "after the syscall analysis"),
        (["-fsplit-stack", "-c", "a.c"], "__morestack"),
        (["-fcs-profile-generate", "a.c"], "profiling runtime"),
        (["-fmemory-profile=x", "a.c"], "memprof"),
        (["-finstrument-functions-after-inlining", "-c", "a.c"], "added by code generation"),
        (["-fxray-instrument", "a.c"], "XRay"),
        (["-Wl,-pie,--gc-sections", "a.o"], "^linker option -pie: cc-sandbox links static non-PIE"),
        (["-Wl,--lto-partitions=4", "a.o"], "one LTO module"),
        (["-Wl,-dTx.ld", "a.o"], "linker script"),
        (["-c", "a.cpp"], "C++"),
        (["-x", "c++", "-c", "a.c"], "C++"),
        (["-x", "objective-c", "-c", "a.m"], "compiles C"),
    ],
)
def test_options_that_cannot_work_are_refused_with_the_reason(argv: list[str], words: str) -> None:
    with pytest.raises(UnsupportedFlagError, match=words):
        classify(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["-Wl,-e,_start", "a.c"],
        ["-Wl,--as-needed,-Map=x.map", "a.c"],
        ["-E", "start.S"],
        ["-c", "start.S"],
        ["-x", "c", "a.txt", "-o", "p"],
        ["-nostdlib", "-c", "a.c"],
        ["-fno-sanitize=all", "-fopenmp-simd", "-c", "a.c"],
        ["-fno-sanitize-coverage=trace-pc", "-fno-split-stack", "-finstrument-functions", "-c", "a.c"],
    ],
)
def test_harmless_spellings_are_accepted(argv: list[str]) -> None:
    classify(argv)


def test_options_inside_a_response_file_are_checked(tmp_path: Path) -> None:
    rsp = tmp_path / "link.rsp"
    rsp.write_text("a.o '-Wl,--wrap=getppid'\n")
    with pytest.raises(UnsupportedFlagError, match="--wrap"):
        classify(expand_response_files([f"@{rsp}", "-o", "p"]))


def test_assembly_inputs_are_found_by_suffix_or_language() -> None:
    assert classify(["-c", "a.S"]).assembly == (("a.S", True),)
    assert classify(["-c", "a.s"]).assembly == (("a.s", False),)
    inv = classify(["-x", "assembler-with-cpp", "a.x", "-x", "none", "b.c", "-o", "p"])
    assert inv.assembly == (("a.x", True),)

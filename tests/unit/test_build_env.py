"""Specification of the environment a user's build runs in."""

from __future__ import annotations

from pathlib import Path

from ccsandbox.build import Toolchain, build_environment, make_variables
from ccsandbox.sysroot import Sysroot

TOOLS = Toolchain(
    cc="/venv/bin/cc-sandbox-cc",
    ar="/llvm/llvm-ar",
    ranlib="/llvm/llvm-ranlib",
    nm="/llvm/llvm-nm",
    shim_dir="/repo/toolchain/bin",
)
SYSROOT = Sysroot(path=Path("/sr"), musl_version="1.2.3", clang="c", clang_version="v", resource_dir="r", builtins="b")


def test_make_gets_the_tools_as_command_line_variables_so_sub_makes_inherit_them() -> None:
    assert make_variables(TOOLS) == [
        "CC=/venv/bin/cc-sandbox-cc",
        "AR=/llvm/llvm-ar",
        "RANLIB=/llvm/llvm-ranlib",
        "NM=/llvm/llvm-nm",
    ]


def test_the_environment_points_builds_at_the_driver_and_the_chosen_sysroot() -> None:
    env = build_environment({"PATH": "/usr/bin", "HOME": "/root"}, TOOLS, SYSROOT, "/tmp/links.jsonl")
    assert env["CC"] == TOOLS.cc and env["AR"] == TOOLS.ar
    assert env["CC_SANDBOX_SYSROOT"] == "/sr" and env["CC_SANDBOX_LINK_LOG"] == "/tmp/links.jsonl"
    assert env["PATH"] == "/repo/toolchain/bin:/usr/bin"
    assert env["HOME"] == "/root"


def test_the_callers_environment_is_not_modified() -> None:
    base = {"PATH": "/usr/bin"}
    build_environment(base, TOOLS, SYSROOT, "/l")
    assert base == {"PATH": "/usr/bin"}

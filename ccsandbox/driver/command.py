"""Building the clang-19 command lines for each mode (pure).

Every command targets x86_64-linux-musl against the sysroot with ``-nostdinc``: ``--sysroot``
keeps clang from adding host library paths (a stray ``-lz`` would otherwise link a glibc-built
archive), and musl's headers come before clang's resource headers so musl's ``stddef.h`` wins
while clang still supplies ``stdatomic.h`` and intrinsics.
"""

from __future__ import annotations

import os

from .argv import Invocation

TYPE_CHECKING = False  # mypy treats this name as true; at run time nothing more is imported
if TYPE_CHECKING:
    from pathlib import Path

    from ..sysroot import Sysroot

TARGET = "x86_64-linux-musl"

__all__ = ["TARGET", "CompileTools", "compile_command", "is_probe_link", "link_command"]


class CompileTools:
    """The three things a compile needs, as plain strings (no sysroot stamp read)."""

    __slots__ = ("clang", "resource_dir", "sysroot")

    def __init__(self, clang: str, sysroot: str, resource_dir: str) -> None:
        self.clang, self.sysroot, self.resource_dir = clang, sysroot, resource_dir

    @classmethod
    def of(cls, sysroot: Sysroot) -> CompileTools:
        return cls(sysroot.clang, str(sysroot.path), sysroot.resource_dir)


def common_flags(tools: CompileTools) -> list[str]:
    return [
        f"--target={TARGET}",
        f"--sysroot={tools.sysroot}",
        "-nostdinc",
        "-isystem",
        os.path.join(tools.sysroot, "include"),
        "-isystem",
        f"{tools.resource_dir}/include",
    ]


def compile_command(tools: CompileTools, inv: Invocation) -> list[str]:
    """Compile, preprocess or print info; objects are always full-LTO bitcode.

    ``-flto=full`` comes after the user's flags so that a ``-flto=thin`` or ``-fno-lto`` in
    CFLAGS cannot produce objects that would escape the whole-program module.
    """
    output = ["-o", inv.output] if inv.output is not None else []
    return [tools.clang, *common_flags(tools), *inv.args, *output, "-flto=full"]


def is_probe_link(output: str) -> bool:
    """A configure/CMake test link, whose program is thrown away after one run.

    autoconf always links ``conftest$ac_exeext``; CMake's try_compile links ``cmTC_<hex>``.
    Such links skip the module and map and use cheap LTO (-O0, CodeGen -O0): the same symbol
    resolution and the same program behaviour, so configure decides the same, 2-3x faster.
    """
    name = os.path.basename(output)
    return name in ("conftest", "conftest.exe") or name.startswith("cmTC_")


def _reset_language(args: tuple[str, ...]) -> list[str]:
    """``-x none`` after the user's arguments when they set a language: clang applies ``-x`` to
    every later input, and libc, compiler-rt and crtn.o follow them."""
    return ["-x", "none"] if any(a == "-x" or (a.startswith("-x") and len(a) > 2) for a in args) else []


def link_command(
    sysroot: Sysroot,
    inv: Invocation,
    output: Path,
    keep_module: bool,
    plugin: Path | None = None,
    extra_inputs: list[Path] | None = None,
) -> list[str]:
    """A static full-LTO lld link of ``inv`` into ``output``.

    With ``keep_module`` lld also writes ``<output>.0.5.precodegen.bc`` (the merged program+libc
    module exactly as handed to code generation) and ``<output>.map`` (the link map, which tells
    which native objects went in), and with ``plugin`` the syscall-facts pass runs at the end of
    the LTO pipeline (it writes where $CC_SANDBOX_FACTS_OUT says). Archives are grouped so libc
    and compiler-rt can refer to each other in any order.
    """
    lib = sysroot.lib_dir
    tools = CompileTools.of(sysroot)
    if keep_module:
        extra = ["-Wl,--save-temps=precodegen", f"-Wl,-Map={output}.map"]
        extra += [f"-Wl,--load-pass-plugin={plugin}"] if plugin else []
    else:
        extra = ["-Wl,--lto-O0", "-Wl,--lto-CGO0"]
    return [
        sysroot.clang,
        *common_flags(tools),
        "-flto=full",
        "-fuse-ld=lld",
        "-static",
        "-nostdlib",
        str(lib / "crt1.o"),
        str(lib / "crti.o"),
        *(str(p) for p in extra_inputs or ()),
        *inv.args,
        "-flto=full",  # again after the user's flags: a -flto=thin in CFLAGS would make lld's
        # ThinLTO objects escape the one whole-program module (sources compiled by this command)
        *_reset_language(inv.args),
        f"-L{lib}",
        "-Wl,--start-group",
        "-lc",
        sysroot.builtins,
        "-Wl,--end-group",
        str(lib / "crtn.o"),
        *extra,
        "-o",
        str(output),
    ]

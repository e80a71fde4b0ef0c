"""The runtime object (toolchain/runtime/cc_sandbox_rt.c) compiled once per toolchain.

It is compiled to full-LTO bitcode with the sysroot, so its two system calls and its constructor
are part of the module the analysis sees. The object is cached by a hash of its source and the
compiler, and written atomically (parallel links may race to build it).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

from ..errors import LinkError
from ..resources import repo_root
from ..sysroot import Sysroot
from .command import CompileTools, common_flags

__all__ = ["runtime_object"]


def runtime_object(sysroot: Sysroot) -> Path:
    source = repo_root() / "toolchain" / "runtime" / "cc_sandbox_rt.c"
    key = hashlib.sha256(source.read_bytes() + sysroot.clang_version.encode() + str(sysroot.path).encode()).hexdigest()[
        :16
    ]
    cache = sysroot.path.parent.parent / "runtime"
    target = cache / f"cc_sandbox_rt-{key}.o"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".rt.", suffix=".o", dir=cache)
    os.close(fd)
    command = [
        sysroot.clang,
        *common_flags(CompileTools.of(sysroot)),
        "-O2",
        "-fno-stack-protector",  # no __stack_chk_fail: the installer calls nothing a program can define
        "-flto=full",
        "-c",
        str(source),
        "-o",
        tmp,
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        os.unlink(tmp)
        raise LinkError(f"compiling the cc-sandbox runtime failed: {done.stderr.strip()}")
    os.replace(tmp, target)
    return target

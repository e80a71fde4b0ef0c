"""Building the evaluated programs through cc-sandbox, with a cache keyed by recipe and toolchain.

A build is reused when its stamp (``WORK/.cc-sandbox-evaluate/NAME.json``) holds the same key and
the binary is still there. Otherwise the binary is deleted before the recipe runs, so that make,
which only compares timestamps, links it again with the current toolchain. The key hashes the
recipe (or example) files and the toolchain: the clang version, the sysroot's stamp, the runtime
source, the pass plugin, and the cc-sandbox code that decides what gets embedded (driver,
analysis, embedding, BPF, facts, syscall table).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import BuildError, CcSandboxError
from .subjects import EXAMPLES, REPO, Subject

__all__ = ["Built", "build", "toolchain_key"]


@dataclass(frozen=True)
class Built:
    binary: Path
    seconds: float  # of the build that made it (when cached: of that earlier build)
    cached: bool
    log: Path


def _hash_files(digest: hashlib._Hash, files: list[Path]) -> None:
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(REPO) if path.is_relative_to(REPO) else path).encode())
            digest.update(path.read_bytes())


def toolchain_key() -> str:
    digest = hashlib.sha256(f"cc-sandbox {__version__}".encode())
    clang = subprocess.run(["clang-19", "--version"], capture_output=True, text=True)
    digest.update(clang.stdout.splitlines()[0].encode() if clang.stdout else b"no clang-19")
    try:
        from ..sysroot import load_sysroot

        stamp = next(load_sysroot().path.glob("cc-sandbox-sysroot.json"), None)
        digest.update(stamp.read_bytes() if stamp else b"no stamp")
    except CcSandboxError as err:
        digest.update(str(err).encode())
    package = Path(__file__).resolve().parents[1]
    code = sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)  # all of it: what links is ours
    data = [
        REPO / "toolchain/runtime/cc_sandbox_rt.c",
        REPO / "passes/build/CcSandboxFacts.so",
        REPO / "musl/asm-model.json",
    ]
    _hash_files(digest, [*code, *data])
    return digest.hexdigest()[:16]


def _key(subject: Subject, toolchain: str) -> str:
    digest = hashlib.sha256(toolchain.encode())
    _hash_files(digest, subject.source_files)
    return digest.hexdigest()[:16]


def _env() -> dict[str, str]:
    """The build's environment: this cc-sandbox first on PATH (the recipes call `cc-sandbox`)."""
    bindir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}


def build(subject: Subject, work: Path, logs: Path, toolchain: str) -> Built:
    """Build ``subject`` under ``work`` (or reuse the build the stamp describes)."""
    log = logs / f"{subject.name}-build.log"
    try:
        work.mkdir(parents=True, exist_ok=True)
        logs.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BuildError(f"{subject.name}: cannot create the build directory {work}: {err.strerror}") from None
    stamp = work / ".cc-sandbox-evaluate" / f"{subject.name}.json"
    key = _key(subject, toolchain)
    binary = work / subject.binary
    try:
        recorded = json.loads(stamp.read_text())
        if recorded.get("key") == key and binary.is_file():
            return Built(binary, float(recorded.get("seconds", 0.0)), True, Path(recorded.get("log", log)))
    except (OSError, json.JSONDecodeError, AttributeError):
        pass
    # make decides by timestamps, not by the toolchain: without the old binary it has to link again
    binary.unlink(missing_ok=True)
    started = time.monotonic()
    with open(log, "w") as out:
        if subject.recipe is not None:
            command = [str(EXAMPLES / "real" / subject.recipe / "build.sh"), str(work)]
            done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=_env())
        else:
            assert subject.example is not None
            for source in subject.source_files:
                shutil.copy2(source, work / source.name)
            command = [str(Path(sys.executable).parent / "cc-sandbox"), "make", "-C", str(work)]
            done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=_env())
    seconds = time.monotonic() - started
    if done.returncode != 0 or not binary.is_file():
        raise BuildError(f"{subject.name}: the build step failed (exit {done.returncode}); log: {log}")
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(json.dumps({"key": key, "seconds": round(seconds, 2), "log": str(log)}) + "\n")
    return Built(binary, seconds, False, log)

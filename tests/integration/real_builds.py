"""The real programs' builds: shared by every test of a session, and kept between sessions.

A recipe (examples/real/NAME/build.sh WORKDIR) fetches a Debian source, configures and compiles
it, and links its programs through cc-sandbox. Configuring and compiling are most of its
minutes and depend only on the recipe, the compiler, the sysroot and the driver's compile side;
the link is where the facts pass, the analysis and the embedding run. So the work directory is
kept (under ~/.cache/cc-sandbox/tests/, keyed by what compiling depends on), and the programs are
linked again whenever anything the link depends on changed (:func:`link_key`: the whole
cc-sandbox package, the pass plugin, the runtime, the sysroot): every session tests the link of
the code it runs. CC_SANDBOX_REAL_WORK chooses the directory instead (kept as it is).

A lock per recipe keeps two sessions (or xdist workers) from building the same tree at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ccsandbox.evaluate.build import toolchain_key

from .helpers import EXAMPLES, REPO, run

REAL = EXAMPLES / "real"
#: What compiling (configure, cc -c) goes through: recipes, the make/build wrappers, the driver's
#: command-line side. A change here rebuilds the trees from their sources.
COMPILE_INPUTS = (
    "examples/real",
    "ccsandbox/build.py",
    "ccsandbox/driver/argv.py",
    "ccsandbox/driver/command.py",
    "ccsandbox/driver/refusals.py",
    "ccsandbox/driver/main.py",
    "ccsandbox/driver/assembly.py",
    "toolchain/bin",
)
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cc-sandbox" / "tests"

__all__ = ["build_once", "default_work", "link_key", "relinked_once"]


def _digest_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for file in files if path.is_dir() else [path]:
            digest.update(str(file.relative_to(REPO)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def _compile_key() -> str:
    clang = subprocess.run(["clang-19", "--version"], capture_output=True, text=True).stdout
    return _digest_of([REPO / p for p in COMPILE_INPUTS]) + hashlib.sha256(clang.encode()).hexdigest()[:8]


@functools.cache
def link_key() -> str:
    """What the programs' links depend on (evaluate's toolchain key: the code, plugin, runtime,
    sysroot and compiler); computed once, as none of it changes while the tests run."""
    return toolchain_key()


def default_work(kind: str = "real") -> Path:
    """CC_SANDBOX_REAL_WORK (or KIND under it, for other kinds), else the kept directory for the
    current compile key; kept directories of the same kind unused for a day are removed."""
    chosen = os.environ.get("CC_SANDBOX_REAL_WORK")
    if chosen:
        return Path(chosen) if kind == "real" else Path(chosen) / kind
    work = CACHE / f"{kind}-{_compile_key()}"
    for old in CACHE.glob(f"{kind}-*"):  # a day unused: not another session's, still building
        if old != work and old.is_dir() and time.time() - old.stat().st_mtime > 86400:
            shutil.rmtree(old, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    os.utime(work)
    return work


_built: dict[tuple[str, Path], tuple[Path, str]] = {}


@contextlib.contextmanager
def _kept(directory: Path) -> Iterator[tuple[dict[str, Any], Callable[[dict[str, Any]], None]]]:
    """Hold ``directory``'s lock; yields its record (empty when none or unreadable) and a function
    that writes a new one."""
    directory.mkdir(parents=True, exist_ok=True)
    record_path = directory / ".cc-sandbox-tests.json"
    with open(directory / ".cc-sandbox-tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            record = json.loads(record_path.read_text())
        except (OSError, json.JSONDecodeError):
            record = {}
        yield record, lambda new: record_path.write_text(json.dumps(new, indent=1) + "\n")


def build_once(name: str, work: Path, env: dict[str, str], timeout: float = 1800) -> tuple[Path, str]:
    """Build recipe ``name`` in ``work``/NAME, once per session; returns what it printed last (the
    binary, or a source directory) and its stderr. A tree already built in an earlier session
    is only linked again, and only when :func:`link_key` changed."""
    if (name, work) in _built:
        return _built[name, work]
    tree = work / name  # the recipe's WORKDIR: one per recipe, so a relink touches only its programs
    with _kept(tree) as (record, write):
        key = link_key()
        # paths are kept relative to the tree, so that a copy of it (CC_SANDBOX_REAL_WORK) never
        # unlinks the programs of the tree it was copied from
        last = tree / record.get("last", "/nonexistent")
        if record.get("link") != key or not last.exists() or Path(record.get("last", "")).is_absolute():
            for program in record.get("programs", []):
                if not Path(program).is_absolute():
                    (tree / program).unlink(missing_ok=True)  # so that make links it again
            started = time.time()
            done = run([str(REAL / name / "build.sh"), str(tree)], env, timeout=timeout)
            assert done.returncode == 0, done.stderr[-3000:]
            manifests = [m for m in tree.rglob("*.link.json") if m.stat().st_mtime >= started - 1]
            last = Path(done.stdout.strip().splitlines()[-1])
            kept = {p for p in record.get("programs", []) if not Path(p).is_absolute()}
            programs = {str(m.relative_to(tree))[: -len(".link.json")] for m in manifests} | kept
            record = {
                "link": key,
                "last": str(last.relative_to(tree)),
                "stderr": done.stderr,
                "programs": sorted(programs),
            }
            write(record)
        _built[name, work] = (last, str(record["stderr"]))
    return _built[name, work]


def relinked_once(name: str, work: Path, relink: Callable[[Path], Path], variant: str) -> Path:
    """``relink(dest)`` of a session build (another link of the same objects, e.g. with
    phase transitions) into a kept directory for ``variant``, done again only when
    :func:`link_key` changed since the kept one was made."""
    dest = work / name / "relinked" / hashlib.sha256(variant.encode()).hexdigest()[:12]
    with _kept(dest) as (record, write):
        key = link_key()
        made = Path(record.get("binary", "/nonexistent"))
        if record.get("link") != key or record.get("variant") != variant or not made.is_file():
            made = relink(dest)
            write({"link": key, "variant": variant, "binary": str(made)})
    return made

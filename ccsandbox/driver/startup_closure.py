"""The functions musl's start-up reaches before the seccomp filter is installed, from musl itself.

Everything ``_start_c`` calls directly, transitively (``__init_libc``, ``__init_tls``,
``__init_ssp``, ``memcpy``, ``__set_thread_area``, ...), and the loop over ``.init_array`` whose
first entry is the installer (``__libc_start_init``, ``_init``), runs before the filter. A program
that defines one of them (its own ``memcpy``) would run its code unfiltered, so each link has lld
report who defines every one of these names (``-y``), and a definition outside musl fails it.

The closure is read from musl's own bitcode rather than from a list: libc.a's bitcode members and
crt1.o are linked into one module with ``llvm-link`` (no optimisation, so no call is inlined
away), the facts pass (or the reference extractor) lists each function's direct calls, and the
weak aliases of the functions reached are added (``__init_tls`` is ``static_init_tls``). Calls
through pointers end the walk: ``main`` is reached through one, after the filter. The result is
cached per sysroot (about 2 s once).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

from ..artifacts import is_bitcode
from ..errors import LinkError
from ..facts.extract import facts_of_module
from ..sysroot import Sysroot
from ..tools import find_llvm_tool

__all__ = ["START_POINTS", "closure_names", "startup_closure"]

#: Where musl's start-up begins (crt1's ``_start`` calls ``_start_c``), and the .init_array loop
#: that ``libc_start_main_stage2`` calls (through a pointer) before ``main``.
START_POINTS = ("_start_c", "libc_start_init")
_ALIAS = re.compile(r"^@(?P<alias>[-\w.$]+) = [^\n]*\balias [^\n]*, ptr @(?P<target>[-\w.$]+)$", re.M)


def closure_names(
    calls: dict[str, list[str]], aliases: dict[str, str], starts: tuple[str, ...] = START_POINTS
) -> set[str]:
    """Functions reached from ``starts`` by direct calls, with every alias of each (pure).

    >>> sorted(closure_names({"_start_c": ["f"], "f": ["memcpy"], "g": []}, {"__f": "f"}, ("_start_c",)))
    ['__f', '_start_c', 'f', 'memcpy']
    """
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += calls.get(name, [])
    return seen | {alias for alias, target in aliases.items() if target in seen}


def _facts_calls(module: Path) -> dict[str, list[str]]:
    """Each function's direct callees, from the facts of ``module``."""

    return {name: [call.callee for call in fn.calls] for name, fn in facts_of_module(module).functions.items()}


def _compute(sysroot: Sysroot) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="cc-sandbox-startup.") as tmp:
        members = Path(tmp) / "m"
        members.mkdir()
        subprocess.run([find_llvm_tool("llvm-ar"), "x", str(sysroot.lib_dir / "libc.a")], cwd=members, check=True)
        bitcode = sorted(str(p) for p in members.iterdir() if is_bitcode(p.read_bytes()[:4]))
        module = Path(tmp) / "libc.bc"
        linked = subprocess.run(
            [find_llvm_tool("llvm-link"), str(sysroot.lib_dir / "crt1.o"), *bitcode, "-o", str(module)],
            capture_output=True,
            text=True,
        )
        if linked.returncode != 0:
            raise LinkError(f"linking musl's bitcode to read its start-up failed: {linked.stderr.strip()[:200]}")
        text = subprocess.run(
            [find_llvm_tool("llvm-dis"), str(module), "-o", "-"], capture_output=True, text=True, check=True
        ).stdout
        aliases = {m["alias"]: m["target"] for m in _ALIAS.finditer(text)}
        return sorted(closure_names(_facts_calls(module), aliases))


def startup_closure(sysroot: Sysroot) -> tuple[str, ...]:
    """The names of musl's pre-filter start-up (cached per sysroot and cc-sandbox facts pass)."""
    stamp = (
        (sysroot.path / "cc-sandbox-sysroot.json").read_bytes()
        if (sysroot.path / "cc-sandbox-sysroot.json").is_file()
        else b""
    )
    key = hashlib.sha256(stamp + str(sysroot.path).encode() + Path(__file__).read_bytes()).hexdigest()[:16]
    cache = sysroot.path.parent.parent / "startup" / f"closure-{key}.txt"
    if cache.is_file():
        return tuple(cache.read_text().split())
    try:
        names = _compute(sysroot)
    except (OSError, subprocess.CalledProcessError) as err:
        raise LinkError(f"reading musl's start-up from its bitcode failed: {err}") from None
    cache.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".closure.", dir=cache.parent)
    with os.fdopen(fd, "w") as stream:
        stream.write("\n".join(names) + "\n")
    os.replace(tmp, cache)
    return tuple(names)

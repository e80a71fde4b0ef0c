"""Where the musl sysroot lives and whether it is the one this version of cc-sandbox expects.

The compiler driver calls :func:`load_sysroot` on every invocation, so this module imports only
the standard library and reads one small JSON stamp. Building the sysroot is
``ccsandbox.sysroot_build``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import SysrootError

MUSL_VERSION = "1.2.3"
#: Bump when musl/build-sysroot.sh or the build flags change: old sysroots are then refused.
RECIPE_VERSION = 1
STAMP_NAME = "cc-sandbox-sysroot.json"
STAMP_FORMAT = "cc-sandbox-sysroot"
FIX_HINT = "run `cc-sandbox sysroot` to build it (about 40 s)"

__all__ = ["Sysroot", "default_sysroot_dir", "load_sysroot", "sysroot_dir"]


@dataclass(frozen=True)
class Sysroot:
    """A finished musl sysroot and the compiler facts recorded when it was built."""

    path: Path
    musl_version: str
    clang: str
    clang_version: str
    resource_dir: str
    builtins: str

    @property
    def include_dir(self) -> Path:
        return self.path / "include"

    @property
    def lib_dir(self) -> Path:
        return self.path / "lib"

    @property
    def source_dir(self) -> Path:
        """The musl source tree the sysroot was built from (kept for the asm model check)."""
        return self.path / "src" / f"musl-{self.musl_version}"

    @property
    def libc_symbols_file(self) -> Path:
        """Names of the functions libc.a defines, one per line (to tell libc from program)."""
        return self.path / "share" / "libc-symbols.txt"


#: The suffix full LTO gives an internal symbol whose name another module also defines.
_LTO_SUFFIX = re.compile(r"\.\d+$")


def libc_names(sysroot: Sysroot | None = None) -> set[str] | None:
    """Names libc defines, static functions included (the sysroot's symbol list), or None
    without a sysroot: what tells libc's functions from the program's in messages and reports."""
    try:
        chosen = sysroot or load_sysroot()
        return set(chosen.libc_symbols_file.read_text().split())
    except (SysrootError, OSError):
        return None


def is_libc(name: str, libc: set[str]) -> bool:
    """Is ``name`` (possibly renamed by LTO) one of libc's symbols?"""
    return _LTO_SUFFIX.sub("", name) in libc


def default_sysroot_dir() -> Path:
    """``$XDG_CACHE_HOME/cc-sandbox/sysroot/musl-<ver>-r<recipe>`` (``~/.cache`` by default)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "cc-sandbox" / "sysroot" / f"musl-{MUSL_VERSION}-r{RECIPE_VERSION}"


def sysroot_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The sysroot to use: ``explicit``, else ``$CC_SANDBOX_SYSROOT``, else the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("CC_SANDBOX_SYSROOT")
    return Path(env) if env else default_sysroot_dir()


def parse_stamp(path: Path, data: object) -> Sysroot:
    """Validate a stamp's JSON ``data`` for the sysroot at ``path``.

    Raises
    ------
    SysrootError
        if the stamp is from another format, recipe or musl version.
    """
    if not isinstance(data, dict) or data.get("format") != STAMP_FORMAT:
        raise SysrootError(f"{path} does not look like a cc-sandbox sysroot; {FIX_HINT}")
    found = (data.get("recipe_version"), data.get("musl_version"))
    if found != (RECIPE_VERSION, MUSL_VERSION):
        raise SysrootError(
            f"the sysroot at {path} was built by another recipe (recipe {found[0]}, musl "
            f"{found[1]}; this cc-sandbox needs recipe {RECIPE_VERSION}, musl {MUSL_VERSION}); "
            f"{FIX_HINT}"
        )
    try:
        return Sysroot(
            path=path,
            musl_version=str(data["musl_version"]),
            clang=str(data["clang"]),
            clang_version=str(data["clang_version"]),
            resource_dir=str(data["resource_dir"]),
            builtins=str(data["builtins"]),
        )
    except KeyError as missing:
        raise SysrootError(f"{path / STAMP_NAME} lacks {missing}; {FIX_HINT}") from None


def load_sysroot(explicit: str | os.PathLike[str] | None = None) -> Sysroot:
    """Load and validate the sysroot (see :func:`sysroot_dir` for which one).

    Raises
    ------
    SysrootError
        with the command that fixes it, if the sysroot is missing, unfinished or stale.
    """
    path = sysroot_dir(explicit)
    stamp = path / STAMP_NAME
    try:
        text = stamp.read_text()
    except FileNotFoundError:
        raise SysrootError(f"no musl sysroot at {path}; {FIX_HINT}") from None
    except OSError as err:
        raise SysrootError(f"cannot read {stamp}: {err.strerror}; {FIX_HINT}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise SysrootError(f"{stamp} is corrupt; {FIX_HINT} again") from None
    sysroot = parse_stamp(path, data)
    if not (sysroot.lib_dir / "libc.a").is_file():
        raise SysrootError(f"the sysroot at {path} has no lib/libc.a; {FIX_HINT} again")
    if not os.access(sysroot.clang, os.X_OK):
        raise SysrootError(f"the sysroot at {path} was built with {sysroot.clang}, which is gone; {FIX_HINT}")
    return sysroot

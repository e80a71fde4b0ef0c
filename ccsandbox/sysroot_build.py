"""Building the musl sysroot: fetch the source, run musl/build-sysroot.sh, stamp the result.

The build happens in a scratch directory next to the destination and is renamed into place only
when complete, so an interrupted or failed build never leaves a half sysroot that the driver
would accept.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .errors import SourceError, SysrootError
from .resources import musl_dir
from .sysroot import MUSL_VERSION, RECIPE_VERSION, STAMP_FORMAT, STAMP_NAME, Sysroot, load_sysroot
from .tools import find_llvm_tool

#: The Debian source package the recipe is written and tested against.
MUSL_DEBIAN_VERSION = "1.2.3-1"

Log = Callable[[str], None]

__all__ = ["build_sysroot", "fetch_musl_source"]


def fetch_musl_source(workdir: Path, tarball: Path | None, log: Log) -> Path:
    """Unpack musl into ``workdir`` from ``tarball``, or with ``apt-get source``.

    Returns the source tree; raises :class:`SourceError` if it is not musl |MUSL_VERSION|.
    """
    if tarball is not None:
        log(f"unpacking {tarball}")
        try:
            with tarfile.open(tarball) as archive:
                archive.extractall(workdir, filter="data")
        except (OSError, tarfile.TarError) as err:
            raise SourceError(f"cannot unpack {tarball}: {err}") from None
    else:
        if shutil.which("apt-get") is None or shutil.which("dpkg-source") is None:
            raise SourceError(
                f"apt-get source needs apt and dpkg-dev; run ./setup.sh, or pass --source musl-{MUSL_VERSION}.tar.gz"
            )
        log(f"fetching musl {MUSL_DEBIAN_VERSION} with apt-get source")
        done = subprocess.run(
            ["apt-get", "source", "-q", f"musl={MUSL_DEBIAN_VERSION}"],
            cwd=workdir,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SourceError(
                f"apt-get source musl={MUSL_DEBIAN_VERSION} failed: "
                f"{done.stderr.strip().splitlines()[-1:] or ['no output']}; make sure a deb-src "
                "entry exists (./setup.sh adds one) or pass --source TARBALL"
            )
    return _find_source_tree(workdir)


def _find_source_tree(workdir: Path) -> Path:
    for version_file in sorted(workdir.glob("*/VERSION")):
        if version_file.read_text().strip() == MUSL_VERSION and (version_file.parent / "configure").is_file():
            return version_file.parent
    raise SourceError(f"no musl {MUSL_VERSION} source tree (a VERSION file saying {MUSL_VERSION}) found")


def _clang_facts(clang: str) -> dict[str, str]:
    version = subprocess.run([clang, "--version"], capture_output=True, text=True, check=True)
    resource = subprocess.run([clang, "-print-resource-dir"], capture_output=True, text=True, check=True)
    resource_dir = resource.stdout.strip()
    builtins = Path(resource_dir) / "lib" / "linux" / "libclang_rt.builtins-x86_64.a"
    if not builtins.is_file():
        raise SysrootError(f"{builtins} is missing; install it with `apt-get install libclang-rt-19-dev`")
    return {
        "clang": clang,
        "clang_version": version.stdout.splitlines()[0].strip(),
        "resource_dir": resource_dir,
        "builtins": str(builtins),
    }


def _write_libc_symbols(prefix: Path) -> None:
    nm = find_llvm_tool("llvm-nm")
    listing = subprocess.run(
        [nm, "--defined-only", "--format=just-symbols", str(prefix / "lib" / "libc.a"), str(prefix / "lib" / "crt1.o")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = sorted({line.strip() for line in listing.splitlines() if line.strip() and not line.endswith(":")})
    # crt1.o defines _start/_start_c: startup code is libc's, not the program's
    (prefix / "share").mkdir(exist_ok=True)
    (prefix / "share" / "libc-symbols.txt").write_text("\n".join(names) + "\n")


def build_sysroot(dest: Path, tarball: Path | None = None, log: Log = print) -> Sysroot:
    """Build musl with clang-19 full LTO into ``dest`` and return the loaded sysroot."""
    clang = find_llvm_tool("clang")
    facts = _clang_facts(clang)
    dest.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}.", dir=dest.parent) as scratch:
        work = Path(scratch)
        (work / "src").mkdir()
        source = fetch_musl_source(work / "src", tarball, log)
        prefix = work / "prefix"
        log(f"building musl {MUSL_VERSION} with {facts['clang_version']} (full LTO)")
        script = musl_dir() / "build-sysroot.sh"
        done = subprocess.run(["sh", str(script), str(source), str(prefix), clang], capture_output=True, text=True)
        if done.returncode != 0:
            raise SysrootError(f"building musl failed:\n{done.stderr.strip()}")
        subprocess.run(["make", "-C", str(source), "clean"], capture_output=True)
        (prefix / "src").mkdir()
        shutil.move(str(source), prefix / "src" / f"musl-{MUSL_VERSION}")
        _write_libc_symbols(prefix)
        stamp = {
            "format": STAMP_FORMAT,
            "recipe_version": RECIPE_VERSION,
            "musl_version": MUSL_VERSION,
            "source": str(tarball) if tarball else f"apt-get source musl={MUSL_DEBIAN_VERSION}",
            "build_seconds": round(time.monotonic() - started, 1),
            **facts,
        }
        (prefix / STAMP_NAME).write_text(json.dumps(stamp, indent=2) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        prefix.rename(dest)
    log(f"sysroot ready at {dest} ({time.monotonic() - started:.1f} s)")
    return load_sysroot(dest)

"""Relinking a binary that cc-sandbox built, from its link manifest (OUT.link.json), into another
place and with other sandbox options: as cheap as the final link, and the original stays as it
is (the session's builds are shared by other tests). An object whose compile must see the options
too (phase transitions inside one file) is recompiled on the side, with make's own command."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

from ccsandbox.embed.options import ENV, PolicyOptions

from .helpers import run


def _moved(old: Path, new: Path) -> tuple[Path, Path]:
    """(old root, new root) of a tree that was copied: ``old`` and ``new`` name the same file."""
    old_parts, new_parts = old.parts, new.parts
    same = 0
    while same < min(len(old_parts), len(new_parts)) and old_parts[-1 - same] == new_parts[-1 - same]:
        same += 1
    if same == len(old_parts):  # the same file: nothing moved
        return Path("/"), Path("/")
    return Path(*old_parts[: len(old_parts) - same]), Path(*new_parts[: len(new_parts) - same])


def _compile_args(cwd: Path, obj: str) -> list[str]:
    """The compiler arguments make uses for ``obj`` (from ``make -n``), without dependency output."""
    source = str(Path(obj).with_suffix(".c"))
    shown = subprocess.run(["make", "-n", "-W", source, obj], cwd=cwd, capture_output=True, text=True, check=True)
    line = next(x for x in shown.stdout.replace("\\\n", " ").splitlines() if f"-o {obj} " in x)
    words = shlex.split(line.split("&&")[0].split(";")[-1])
    args = words[next(i for i, w in enumerate(words) if w.endswith("cc")) + 1 :]
    kept: list[str] = []
    skip = False
    for word in args:
        if skip or word in ("-MD", "-MP"):
            skip = False
            continue
        if word in ("-MT", "-MF", "-o"):
            skip = True
            continue
        kept.append(word)
    return kept


def relink(
    binary: Path, dest: Path, cc: str, env: dict[str, str], options: PolicyOptions, recompile: tuple[str, ...] = ()
) -> Path:
    """Link ``binary`` again as ``dest/<name>`` with ``options``; returns the new binary."""
    manifest = json.loads(Path(f"{binary}.link.json").read_text())
    argv = list(manifest["argv"])
    out = argv.index("-o")
    old_root, new_root = _moved(Path(argv[out + 1]), binary.resolve())
    cwd = new_root / Path(manifest["cwd"]).relative_to(old_root)
    dest.mkdir(parents=True, exist_ok=True)
    argv[out + 1] = str(dest / binary.name)
    env = {**env, ENV: options.to_env()}
    for obj in recompile:
        fresh = dest / Path(obj).name
        done = run([cc, *_compile_args(cwd, obj), "-o", str(fresh)], env, cwd=cwd)
        assert done.returncode == 0, done.stderr[-3000:]
        argv = [str(fresh) if arg == obj else arg for arg in argv]
    done = run([cc, *argv], env, cwd=cwd, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return dest / binary.name

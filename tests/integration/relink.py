"""Relinking a binary that cc-sandbox built, from its link manifest (OUT.link.json), into another
place and with other sandbox options: as cheap as the final link, and the original stays as it
is (the session's builds are shared by other tests)."""

from __future__ import annotations

import json
from pathlib import Path

from ccsandbox.embed.options import ENV, PolicyOptions

from .helpers import run


def _moved(old: Path, new: Path) -> tuple[Path, Path]:
    """(old root, new root) of a tree that was copied: ``old`` and ``new`` name the same file."""
    old_parts, new_parts = old.parts, new.parts
    same = 0
    while same < min(len(old_parts), len(new_parts)) and old_parts[-1 - same] == new_parts[-1 - same]:
        same += 1
    return Path(*old_parts[: len(old_parts) - same]), Path(*new_parts[: len(new_parts) - same])


def relink(binary: Path, dest: Path, cc: str, env: dict[str, str], options: PolicyOptions) -> Path:
    """Link ``binary`` again as ``dest/<name>`` with ``options``; returns the new binary."""
    manifest = json.loads(Path(f"{binary}.link.json").read_text())
    argv = list(manifest["argv"])
    out = argv.index("-o")
    old_root, new_root = _moved(Path(argv[out + 1]), binary.resolve())
    cwd = new_root / Path(manifest["cwd"]).relative_to(old_root)
    dest.mkdir(parents=True, exist_ok=True)
    argv[out + 1] = str(dest / binary.name)
    done = run([cc, *argv], {**env, ENV: options.to_env()}, cwd=cwd, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return dest / binary.name

"""Builds that tests share: each example (or test program) is built once per session for each set
of options, in a directory of its own; tests that only read a build use it in place, tests that
change or rebuild it take a copy.

This is what keeps the suite from linking hello twenty times: a full-LTO link with musl and the
analysis costs seconds, and most tests only need to look at, or run, the same binary.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .helpers import EXAMPLES, copy_example, run

PROGRAMS = Path(__file__).parent / "programs"

__all__ = ["ExampleBuilds"]


class ExampleBuilds:
    """Session builds of the examples with ``cc-sandbox make``, keyed by (name, options)."""

    def __init__(self, root: Path, cc_sandbox: str, env: dict[str, str]) -> None:
        self.root, self.cc_sandbox, self.env = root, cc_sandbox, env
        self._built: dict[tuple[str, tuple[str, ...]], Path] = {}

    def build(self, name: str, *options: str) -> Path:
        """The directory of ``name`` built with ``options`` (shared: do not change it)."""
        key = (name, options)
        if key not in self._built:
            work = self.root / f"{name}-{len(self._built)}"
            if (EXAMPLES / name).is_dir():  # an example's sources only, not outputs lying in the checkout
                copy_example(name, work)
            else:  # a test program: tests/integration/programs/NAME
                shutil.copytree(PROGRAMS / name, work)
            done = run([self.cc_sandbox, "make", *options, "-C", str(work)], self.env)
            assert done.returncode == 0, f"cc-sandbox make {' '.join(options)} of {name} failed:\n{done.stderr}"
            self._built[key] = work
        return self._built[key]

    def copy(self, name: str, dest: Path, *options: str) -> Path:
        """A private copy of the build (sources and outputs, times kept, so make sees it up to date)."""
        shutil.copytree(self.build(name, *options), dest, symlinks=True)
        return dest

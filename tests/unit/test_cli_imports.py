"""Help and --version stay cheap: they import none of the analysis' heavy libraries (issue 20).

Each case runs in a fresh interpreter, as the console script would, and lists what it imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ccsandbox.cli import COMMANDS

HEAVY = ("networkx", "llvmlite", "matplotlib")
PROBE = """
import contextlib, io, json, sys
from ccsandbox.cli import entry
with contextlib.redirect_stdout(io.StringIO()):
    code = entry(sys.argv[1:])
print(json.dumps([code, sorted(m for m in sys.modules if m.split(".")[0] in {heavy})]), file=sys.stderr)
"""


def _imports(*argv: str) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), *argv], capture_output=True, text=True, check=True
    )
    code, heavy = json.loads(done.stderr.splitlines()[-1])  # `cc --help` is clang's, on stdout
    return int(code), list(heavy)


#: every command's --help but cc's: `cc-sandbox cc --help` execs clang, whose help it is
HELPS = [["--version"], ["--help"], *([name, "--help"] for name in sorted(COMMANDS) if name != "cc")]


@pytest.mark.parametrize("argv", HELPS, ids=" ".join)
def test_help_and_version_import_no_analysis_library(argv: list[str]) -> None:
    code, heavy = _imports(*argv)
    assert code == 0 and heavy == [], f"{' '.join(argv)} imported {sorted({m.split('.')[0] for m in heavy})}"


def test_every_listed_command_is_the_command_of_that_name() -> None:
    from ccsandbox.cli import cli

    for name in COMMANDS:
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.name == name

"""``cc-sandbox-cc``: the C compiler that ``cc-sandbox make`` puts in CC.

It behaves like cc for the build (the compiler's own output and exit code pass through
unchanged) and only adds its own one-line errors, prefixed ``cc-sandbox:``, for things it
refuses: another architecture, a missing sysroot, a link whose program it cannot see whole.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

from ..errors import CcSandboxError
from ..sysroot import load_sysroot
from .argv import Mode, classify
from .command import compile_command

if TYPE_CHECKING:
    from .link import LinkResult

LINK_LOG_ENV = "CC_SANDBOX_LINK_LOG"

__all__ = ["main", "run"]


def _log_link(result: LinkResult) -> None:
    log = os.environ.get(LINK_LOG_ENV)
    if not log:
        return
    entry = {"output": str(result.output), "module": str(result.module), "seconds": round(result.seconds, 3)}
    with open(log, "a") as stream:
        stream.write(json.dumps(entry) + "\n")


def run(argv: list[str]) -> int:
    """Run one compiler command line; returns the exit code. Raises CcSandboxError."""
    inv = classify(argv)
    sysroot = load_sysroot()
    if inv.mode is not Mode.LINK:
        command = compile_command(sysroot, inv)
        os.execv(command[0], command)
    from .link import run_link  # deferred: compiles (most calls) need none of the link machinery

    result = run_link(sysroot, inv)
    if isinstance(result, int):
        return result
    _log_link(result)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; the only place where the driver turns errors into exit codes."""
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except CcSandboxError as err:
        print(f"cc-sandbox: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""The ``cc-sandbox`` command line.

:func:`entry` is the one place where exceptions become exit codes:

====  ==========================================================
0     success
1     a check found problems
2     usage error
3     expected operational failure (a ``CcSandboxError``)
70    internal bug (traceback with ``-vv``)
130   interrupted
====  ==========================================================

``make``, ``build`` and ``cc`` return the build's or compiler's own exit code. A command that
returns ``-N`` asks to die of signal N (``trace``, whose command was killed by N, like strace).
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import traceback

import click

from .. import __version__
from ..errors import CcSandboxError
from . import (
    analyze_cmds,
    build_cmds,
    compare_cmd,
    embed_cmds,
    evaluate_cmd,
    module_cmd,
    phasecut_cmd,
    sysroot_cmd,
    trace_cmd,
)

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

_verbosity = 0

__all__ = ["cli", "entry"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cc-sandbox")
@click.option("-v", "--verbose", count=True, help="More detail; -vv shows tracebacks of internal errors.")
def cli(verbose: int) -> None:
    """Build C programs that sandbox themselves with seccomp.

    cc-sandbox rebuilds your program and its libc (musl) as one LLVM whole-program module, which
    the analysis turns into the set of system calls the program can make.

    \b
    Set-up (once):         cc-sandbox sysroot
    Build with make:       cc-sandbox make -j2
    Any other build:       cc-sandbox build -- ./configure && cc-sandbox make
    Look at the result:    cc-sandbox module ./prog
    Its system calls:      cc-sandbox analyze ./prog
    Why one is allowed:    cc-sandbox explain ./prog write
    Per phase:             cc-sandbox phasecut --entry serve_loop ./prog
    The embedded filter:   cc-sandbox inspect ./prog
    For Docker/systemd:    cc-sandbox export ./prog --format docker

    Each linked program PROG gets PROG.bc (the module), PROG.map (link map) and PROG.link.json
    (manifest: which native objects went in) beside it.
    """
    global _verbosity
    _verbosity = verbose


for command in (
    *build_cmds.COMMANDS,
    *analyze_cmds.COMMANDS,
    *embed_cmds.COMMANDS,
    *phasecut_cmd.COMMANDS,
    module_cmd.module,
    sysroot_cmd.sysroot,
    trace_cmd.trace,
    compare_cmd.compare,
    evaluate_cmd.evaluate,
):
    cli.add_command(command)


def entry(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the CLI and map every outcome to an exit code."""
    try:
        result = cli.main(args=argv, prog_name="cc-sandbox", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except (click.Abort, KeyboardInterrupt):
        click.echo("cc-sandbox: interrupted", err=True)
        return EXIT_INTERRUPTED
    except CcSandboxError as err:
        click.echo(f"cc-sandbox: error: {err}", err=True)
        return err.exit_code
    except Exception as err:
        if _verbosity >= 2:
            traceback.print_exc()
        click.echo(
            f"cc-sandbox: internal error: {err!r}\nThis is a bug; please report it "
            "with the output of the same command run with -vv.",
            err=True,
        )
        return EXIT_INTERNAL
    if isinstance(result, int) and result < 0:
        return _die_of(-result)
    return result if isinstance(result, int) else 0


def phasecut_main() -> int:
    """The ``phasecut`` console script: ``cc-sandbox phasecut`` under its own name."""
    return entry(["phasecut", *sys.argv[1:]])


def _die_of(signum: int) -> int:
    """End this process with signal ``signum`` (no core dump of ours); 128+N if it is caught."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
    os.kill(os.getpid(), signum)
    return 128 + signum

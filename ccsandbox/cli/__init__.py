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

import importlib
import os
import resource
import signal
import sys
import traceback

import click

from .. import __version__
from ..errors import CcSandboxError
from ..gc_policy import tune_for_bulk_allocation

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

_verbosity = 0

__all__ = ["COMMANDS", "cli", "entry"]

#: Each command, and the module of this package that defines it (as a click command of that name).
#: A module is imported only when its command runs or help lists it: ``--version`` and a command's
#: own ``--help`` stay fast, and analysing commands alone pay for the analysis (and llvmlite,
#: for a module without facts).
COMMANDS = {
    "analyze": "analyze_cmds",
    "audit": "audit_cmd",
    "build": "build_cmds",
    "cc": "build_cmds",
    "compare": "compare_cmd",
    "evaluate": "evaluate_cmd",
    "explain": "analyze_cmds",
    "export": "embed_cmds",
    "inspect": "embed_cmds",
    "make": "build_cmds",
    "module": "module_cmd",
    "phasecut": "phasecut_cmd",
    "sysroot": "sysroot_cmd",
    "trace": "trace_cmd",
}


class _LazyGroup(click.Group):
    """A group whose commands are imported from :data:`COMMANDS` when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command = getattr(importlib.import_module(f"{__name__}.{module}"), cmd_name)
        assert isinstance(command, click.Command) and command.name == cmd_name, cmd_name
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    Killed? See why:       cc-sandbox audit --exe ./prog

    Each linked program PROG gets PROG.bc (the module), PROG.map (link map) and PROG.link.json
    (manifest: which native objects went in) beside it.
    """
    global _verbosity
    _verbosity = verbose


def entry(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the CLI and map every outcome to an exit code."""
    tune_for_bulk_allocation()
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

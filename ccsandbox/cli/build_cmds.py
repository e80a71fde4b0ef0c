"""``cc-sandbox cc``, ``make`` and ``build``: compiling and building through the driver."""

from __future__ import annotations

from pathlib import Path

import click

from ..build import run_build
from ..driver.main import run as run_driver
from ..sysroot import load_sysroot

PASSTHROUGH = {"ignore_unknown_options": True, "allow_interspersed_args": False, "help_option_names": []}
sysroot_option = click.option(
    "--sysroot",
    "sysroot_path",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="musl sysroot to use [default: $CC_SANDBOX_SYSROOT or the cache]",
)


@click.command("cc", context_settings=PASSTHROUGH, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def cc(args: tuple[str, ...]) -> int:
    """A C compiler for x86_64-linux-musl, full LTO (what `make` puts in CC).

    Takes cc's arguments. A link also writes OUT.bc, OUT.map and OUT.link.json.
    """
    return run_driver(list(args))


def _report(links: list[dict[str, object]]) -> None:
    for link in links:
        module = Path(str(link["module"]))
        size = module.stat().st_size / 1e6 if module.is_file() else 0.0
        click.echo(
            f"cc-sandbox: linked {link['output']}  (module {module.name}, {size:.1f} MB, link {link['seconds']} s)",
            err=True,
        )


@click.command("make", context_settings=PASSTHROUGH, add_help_option=False)
@sysroot_option
@click.argument("make_args", nargs=-1, type=click.UNPROCESSED)
def make(sysroot_path: str | None, make_args: tuple[str, ...]) -> int:
    """Run make with CC/AR/RANLIB/NM pointing at cc-sandbox; make's exit code passes through.

    \b
    Example:  cc-sandbox make -j2 -C examples/echo-server
    """
    code, links = run_build(list(make_args), load_sysroot(sysroot_path), make=True)
    _report(links)
    return code


@click.command("build", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@sysroot_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def build(sysroot_path: str | None, command: tuple[str, ...]) -> int:
    """Run any build COMMAND (configure, cmake, a script) with CC & co set to cc-sandbox.

    \b
    Example:  cc-sandbox build -- ./configure CFLAGS=-O2 --disable-nls
    """
    code, links = run_build(list(command), load_sysroot(sysroot_path), make=False)
    _report(links)
    return code


COMMANDS = (cc, make, build)

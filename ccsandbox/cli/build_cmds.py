"""``cc-sandbox cc``, ``make`` and ``build``: compiling and building through the driver."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..build import run_build, unsandboxed_programs
from ..driver.main import run as run_driver
from ..embed.exec_modes import ExecRule, absolute_rules, build_report, build_rules, make_directory
from ..embed.options import ENV, SPECS, OptionSpec, PolicyOptions, apply_option, options_from_env
from ..embed.phases import check_specs
from ..errors import CcSandboxError
from ..sysroot import load_sysroot

LINK_KINDS = ("sandboxed", "probe", "unsandboxed")
PASSTHROUGH = {"ignore_unknown_options": True, "allow_interspersed_args": False, "help_option_names": []}
MAKE_SETTINGS = {
    "ignore_unknown_options": True,
    "allow_interspersed_args": False,
    "help_option_names": ["-h", "--help"],
}
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


def summarize_links(links: list[dict[str, object]]) -> str:
    """One line counting the build's links by kind (pure)."""
    counts = {kind: sum(1 for link in links if link.get("kind", "sandboxed") == kind) for kind in LINK_KINDS}
    return f"cc-sandbox: {len(links)} link(s): " + ", ".join(f"{n} {kind}" for kind, n in counts.items())


def _report(links: list[dict[str, object]], rules: list[ExecRule] | None = None) -> None:
    """Each program linked (probe links only counted: configure makes hundreds), then the counts."""
    for link in links:
        if link.get("kind") == "probe":
            continue
        module = Path(str(link["module"]))
        size = module.stat().st_size / 1e6 if module.is_file() else 0.0
        unsandboxed = " NOT sandboxed (--no-sandbox)," if link.get("kind") == "unsandboxed" else ""
        click.echo(
            f"cc-sandbox: linked {link['output']}  ({unsandboxed}module {module.name}, {size:.1f} MB, "
            f"link {link['seconds']} s)"
            + (
                "  ALLOW-ALL: UNRESOLVED SYSCALL NUMBERS, ITS FILTER ALLOWS EVERY SYSCALL"
                if link.get("allow_all")
                else ""
            ),
            err=True,
        )
    click.echo(summarize_links(links), err=True)
    for line in build_report([str(link["output"]) for link in links if link.get("kind") != "probe"], rules or []):
        click.echo(f"cc-sandbox: {line}", err=True)


def _click_option(spec: OptionSpec) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click form of one sandbox option. Nothing has a click default: an option not given
    keeps the value from $CC_SANDBOX_OPTIONS (or the built-in default)."""
    name = spec.field
    if spec.kind == "flag":
        return click.option(spec.flag, name, is_flag=True, default=None, help=spec.help)
    if spec.kind in ("multi", "path"):
        kind = click.Path(exists=True, dir_okay=False) if spec.kind == "path" else None
        return click.option(spec.flag, name, multiple=True, metavar=spec.metavar, type=kind, help=spec.help)
    if not spec.choices:  # a free-form value, checked by the spec
        return click.option(spec.flag, name, default=None, metavar=spec.metavar, help=spec.help)
    return click.option(spec.flag, name, type=click.Choice(spec.choices), default=None, help=spec.help)


def policy_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The sandbox options shared by make and build (ccsandbox.embed.options.SPECS)."""
    for spec in reversed(SPECS):
        function = _click_option(spec)(function)
    return function


def _options(given: dict[str, Any]) -> PolicyOptions:
    """$CC_SANDBOX_OPTIONS, overridden by the options given on the command line."""
    options = options_from_env()
    seen: set[str] = set()
    for spec in SPECS:
        value = given.get(spec.field)
        if value is None or value is False or value == () or spec.field in seen:
            continue
        seen.add(spec.field)  # --phase-entry and --phase-at fill one ordered list
        if spec.kind == "flag":
            options = apply_option(options, spec.flag, None)
        elif spec.kind in ("multi", "path"):
            for item in value:
                options = apply_option(options, spec.flag, item)
        else:
            options = apply_option(options, spec.flag, value)
    if options.phases and not options.sandbox:
        raise CcSandboxError("--phase-entry/--phase-at install filters: they cannot be combined with --no-sandbox")
    check_specs(options.phases)
    return options


_OPTIONS_HELP = (
    "The sandbox options can also be given to any build, e.g. CMake with CC=cc-sandbox-cc, in "
    f"${ENV} written as on this command line (options given here win)."
)


_STRICT = click.option(
    "--strict",
    is_flag=True,
    help="Fail (exit 4) when the build linked programs without cc-sandbox and sandboxed none; "
    "without it, that is a warning (host tools built with CC_FOR_BUILD are linked so on purpose).",
)


@click.command("make", context_settings=MAKE_SETTINGS, epilog=_OPTIONS_HELP)
@sysroot_option
@_STRICT
@policy_options
@click.argument("make_args", nargs=-1, type=click.UNPROCESSED)
def make(sysroot_path: str | None, strict: bool, make_args: tuple[str, ...], **policy: Any) -> int:
    """Run make with CC/AR/RANLIB/NM pointing at cc-sandbox; make's exit code passes through.

    Every program linked gets its policy written beside it and its seccomp filter embedded,
    installed at start-up before any of its own code runs (see the options). Our options come
    first; everything from the first argument we do not know on goes to make. Make's own help:
    `cc-sandbox make -- --help`.

    \b
    Example:  cc-sandbox make -j2 -C examples/echo-server
              cc-sandbox make --policy-action errno --errno ENOSYS
    """
    options = _options(policy)
    directory = make_directory(make_args, Path.cwd())
    rules = build_rules(options.exec_rules, directory)
    options = absolute_rules(options)
    started = time.time() - 1  # file times have a coarse clock on some file systems
    code, links = run_build(list(make_args), load_sysroot(sysroot_path), make=True, options=options)
    _report(links, rules)
    return _unsandboxed_check(code, links, directory, started, strict)


@click.command("build", context_settings=MAKE_SETTINGS, epilog=_OPTIONS_HELP)
@sysroot_option
@_STRICT
@policy_options
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def build(sysroot_path: str | None, strict: bool, command: tuple[str, ...], **policy: Any) -> int:
    """Run any build COMMAND (configure, cmake, a script) with CC & co set to cc-sandbox.

    \b
    Example:  cc-sandbox build -- ./configure CFLAGS=-O2 --disable-nls
    """
    options = _options(policy)
    rules = build_rules(options.exec_rules, Path.cwd())
    options = absolute_rules(options)
    started = time.time() - 1
    code, links = run_build(list(command), load_sysroot(sysroot_path), make=False, options=options)
    _report(links, rules)
    return _unsandboxed_check(code, links, Path.cwd(), started, strict)


#: The exit code of a --strict build that succeeded but sandboxed none of the programs it linked.
UNSANDBOXED_EXIT = 4


def _unsandboxed_check(code: int, links: list[dict[str, object]], root: Path, since: float, strict: bool) -> int:
    """A build that linked programs cc-sandbox never saw (a Makefile with its own CC) says so, as
    a warning: host tools built with CC_FOR_BUILD (lighttpd's lemon) are linked so on purpose.
    With ``strict``, a build that sandboxed none of them fails (exit 4)."""
    if code != 0:
        return code
    ours = {Path(str(link["output"])).resolve() for link in links}
    foreign = [p for p in unsandboxed_programs(root, since) if p.resolve() not in ours]
    if not foreign:
        return code
    names = ", ".join(str(p) for p in foreign[:3]) + (" ..." if len(foreign) > 3 else "")
    sandboxed = sum(1 for link in links if link.get("kind") == "sandboxed")
    what = f"{len(foreign)} program(s) were linked without cc-sandbox and are NOT sandboxed: {names}"
    why = "(a host tool built with CC_FOR_BUILD, or does the build set its own CC, e.g. `override CC = gcc`?)"
    if strict and sandboxed == 0:
        click.echo(f"cc-sandbox: error: {what} {why}", err=True)
        return UNSANDBOXED_EXIT
    click.echo(f"cc-sandbox: warning: {what} {why}" + ("" if strict else "; --strict makes this an error"), err=True)
    return code


COMMANDS = (cc, make, build)

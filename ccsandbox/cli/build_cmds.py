"""``cc-sandbox cc``, ``make`` and ``build``: compiling and building through the driver."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..build import run_build
from ..driver.main import run as run_driver
from ..embed.exec_modes import ExecRule, build_report, build_rules, make_directory
from ..embed.options import EXEC_MODES, PolicyOptions
from ..sysroot import load_sysroot

ERRNO_NAMES = {"EPERM": 1, "EACCES": 13, "ENOSYS": 38}

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


def _report(links: list[dict[str, object]], rules: list[ExecRule] | None = None) -> None:
    for link in links:
        module = Path(str(link["module"]))
        size = module.stat().st_size / 1e6 if module.is_file() else 0.0
        click.echo(
            f"cc-sandbox: linked {link['output']}  (module {module.name}, {size:.1f} MB, link {link['seconds']} s)",
            err=True,
        )
    for line in build_report([str(link["output"]) for link in links], rules or []):
        click.echo(f"cc-sandbox: {line}", err=True)


def policy_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The sandbox options shared by make and build."""
    decorators = [
        click.option(
            "--policy-action",
            "action",
            type=click.Choice(["kill", "trap", "errno", "log"]),
            default="kill",
            show_default=True,
            help="What a syscall outside the policy does: kill the process, SIGSYS, "
            "fail with --errno, or log and allow.",
        ),
        click.option(
            "--errno",
            "errno_name",
            type=click.Choice(sorted(ERRNO_NAMES)),
            default="EPERM",
            show_default=True,
            help="The error for --policy-action errno.",
        ),
        click.option(
            "--no-sandbox", is_flag=True, help="Link no filter (the policy is still written beside the binary)."
        ),
        click.option(
            "--deny",
            multiple=True,
            metavar="SYSCALL",
            help="Remove an analysed syscall from the filter "
            "(a negative control: the binary must die when it makes it). Repeatable.",
        ),
        click.option(
            "--exec",
            "exec_mode",
            type=click.Choice(EXEC_MODES),
            default=None,
            help="Exec mode of every program that can exec: exec fails with EPERM (block, the default), "
            "own set plus --exec-allow policies (allow), the containers' default profile (floor), "
            "no filter (none). A program that execs only itself gets allow.",
        ),
        click.option(
            "--exec-mode",
            "exec_modes",
            multiple=True,
            metavar="PROGRAM=MODE",
            help="Exec mode of one program (name or glob): block, allow[:POLICY,...], floor or none. "
            "Also read from cc-sandbox.conf (this directory or above). Repeatable.",
        ),
        click.option(
            "--exec-allow",
            multiple=True,
            metavar="POLICY",
            type=click.Path(exists=True, dir_okay=False),
            help="Policy JSON (or trace) of a program it may exec: added to the filter. Implies --exec allow.",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def _options(
    action: str,
    errno_name: str,
    no_sandbox: bool,
    deny: tuple[str, ...],
    exec_mode: str | None,
    exec_allow: tuple[str, ...],
    rules: list[ExecRule] = [],  # noqa: B006 (never mutated)
) -> PolicyOptions:
    return PolicyOptions(
        sandbox=not no_sandbox,
        action=action,
        errno=ERRNO_NAMES[errno_name],
        deny=deny,
        exec_mode=exec_mode,
        exec_allow=tuple(str(Path(p).resolve()) for p in exec_allow),
        exec_rules=tuple((r.pattern, r.mode, r.policies, r.origin) for r in rules),
    )


@click.command("make", context_settings=PASSTHROUGH, add_help_option=False)
@sysroot_option
@policy_options
@click.argument("make_args", nargs=-1, type=click.UNPROCESSED)
def make(sysroot_path: str | None, make_args: tuple[str, ...], **policy: Any) -> int:
    """Run make with CC/AR/RANLIB/NM pointing at cc-sandbox; make's exit code passes through.

    Every program linked gets its policy written beside it and its seccomp filter embedded,
    installed at start-up before any of its own code runs (see the options).

    \b
    Example:  cc-sandbox make -j2 -C examples/echo-server
              cc-sandbox make --policy-action errno --errno ENOSYS
    """
    rules, _ = build_rules(policy.pop("exec_modes"), make_directory(make_args, Path.cwd()))
    code, links = run_build(
        list(make_args), load_sysroot(sysroot_path), make=True, options=_options(**policy, rules=rules)
    )
    _report(links, rules)
    return code


@click.command("build", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@sysroot_option
@policy_options
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def build(sysroot_path: str | None, command: tuple[str, ...], **policy: Any) -> int:
    """Run any build COMMAND (configure, cmake, a script) with CC & co set to cc-sandbox.

    \b
    Example:  cc-sandbox build -- ./configure CFLAGS=-O2 --disable-nls
    """
    rules, _ = build_rules(policy.pop("exec_modes"), Path.cwd())
    code, links = run_build(
        list(command), load_sysroot(sysroot_path), make=False, options=_options(**policy, rules=rules)
    )
    _report(links, rules)
    return code


COMMANDS = (cc, make, build)

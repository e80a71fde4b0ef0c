"""How the user wants binaries sandboxed: the sandbox options, in one place.

Users give them to ``cc-sandbox make``/``build`` on the command line, or to any build (CMake
with ``CC=cc-sandbox-cc``, a plain ``cc-sandbox cc``) in the environment variable
``CC_SANDBOX_OPTIONS``, written exactly as on the command line::

    CC_SANDBOX_OPTIONS="--policy-action errno --errno ENOSYS" cmake --build build

``make``/``build`` read that variable too (their own options win) and hand the result to every
link in the same variable, so one syntax and one parser serve both ways. :data:`SPECS` lists the
options; adding one is one row there plus a field of :class:`PolicyOptions`.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..analysis.settings import DEFAULT_MIN_KERNEL, parse_min_kernel
from ..errors import CcSandboxError

ENV = "CC_SANDBOX_OPTIONS"
ACTIONS = ("kill", "trap", "errno", "log")
EXEC_MODES = ("block", "allow", "floor", "none", "inherit")  # inherit: earlier name of allow
ERRNO_NUMBERS = {"EPERM": 1, "EACCES": 13, "ENOSYS": 38}
#: refuse (default): a link with a syscall site whose number stays unknown fails, naming the site;
#: allow-all: the user accepts a filter that allows every syscall (said in capitals everywhere).
UNRESOLVED_MODES = ("refuse", "allow-all")

__all__ = [
    "ACTIONS",
    "ENV",
    "ERRNO_NUMBERS",
    "EXEC_MODES",
    "SPECS",
    "UNRESOLVED_MODES",
    "OptionSpec",
    "PolicyOptions",
    "options_from_env",
    "parse_options",
]


@dataclass(frozen=True)
class PolicyOptions:
    sandbox: bool = True  # False: link no runtime, embed nothing (--no-sandbox)
    action: str = "kill"  # kill | trap | errno | log
    errno: int = 1  # for action errno (EPERM)
    deny: tuple[str, ...] = ()  # syscalls removed from the analysed set (negative controls)
    exec_mode: str | None = None  # every program's exec mode (None: block, or allow if it execs only itself)
    exec_allow: tuple[str, ...] = field(default=())  # policies of programs it may exec (implies allow)
    exec_rules: tuple[str, ...] = ()  # --exec-mode PROGRAM=MODE[:POLICY,...] (embed/exec_modes.py)
    unresolved: str = "refuse"  # refuse | allow-all: what a syscall number the analysis cannot know does
    phases: tuple[str, ...] = ()  # transitions in order: "FUNC" (entry) or "CALLER:CALLEE" (call site)
    phase_programs: tuple[str, ...] = ()  # links (output names) the transitions apply to; () = every link
    min_kernel: str = DEFAULT_MIN_KERNEL  # "MAJOR.MINOR": prune ENOSYS fallbacks that kernel never runs; "none"
    allow_io_uring: bool = False  # accept a reachable io_uring_setup, whose ring operations seccomp never sees

    def phases_for(self, output_name: str) -> tuple[str, ...]:
        """The transitions of the link writing ``output_name`` (none without a sandbox)."""
        if not self.sandbox or (self.phase_programs and output_name not in self.phase_programs):
            return ()
        return self.phases

    def to_args(self) -> list[str]:
        """The options as command-line arguments (defaults left out); parse_options inverts it."""
        args: list[str] = []
        default = PolicyOptions()
        for spec in SPECS:
            value = getattr(self, spec.field)
            if value == getattr(default, spec.field):
                continue
            if spec.kind == "flag":
                args.append(spec.flag)
            elif spec.field == "phases":
                if spec.flag == "--phase-entry":  # both phase flags share one ordered field
                    for item in value:
                        args += ["--phase-at" if ":" in item else "--phase-entry", str(item)]
            elif spec.kind in ("multi", "path"):
                for item in value:
                    args += [spec.flag, str(item)]
            else:
                args += [spec.flag, spec.show(value)]
        return args

    def to_env(self) -> str:
        """The value of $CC_SANDBOX_OPTIONS that carries these options to every link."""
        return shlex.join(self.to_args())


@dataclass(frozen=True)
class OptionSpec:
    """One sandbox option: its flag, the PolicyOptions field it sets, and how."""

    flag: str
    field: str
    kind: str  # "choice" (one value), "flag" (no value), "multi" (repeatable), "path" (repeatable file)
    metavar: str = ""
    choices: tuple[str, ...] = ()
    values: Mapping[str, Any] | None = None  # choice -> field value, when they differ
    check: Callable[[str], object] | None = None  # validates a free-form value (raises CcSandboxError)
    flag_value: Any = None  # the field's value when a "flag" is given
    help: str = ""

    def convert(self, text: str) -> Any:
        if self.check is not None:
            self.check(text)
        if self.choices and text not in self.choices:
            raise CcSandboxError(f"{self.flag}: invalid choice {text!r} (choose from {', '.join(self.choices)})")
        return self.values[text] if self.values else text

    def show(self, value: Any) -> str:
        if self.values:
            return next(k for k, v in self.values.items() if v == value)
        return str(value)


SPECS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "--policy-action",
        "action",
        "choice",
        choices=ACTIONS,
        help="What a syscall outside the policy does: kill the process (default), SIGSYS it can "
        "catch (trap), fail with --errno (errno), or log and allow (log).",
    ),
    OptionSpec(
        "--errno",
        "errno",
        "choice",
        choices=tuple(ERRNO_NUMBERS),
        values=ERRNO_NUMBERS,
        help="The error for --policy-action errno (default EPERM).",
    ),
    OptionSpec(
        "--no-sandbox",
        "sandbox",
        "flag",
        flag_value=False,
        help="Link no filter (the policy is still written beside the binary).",
    ),
    OptionSpec(
        "--deny",
        "deny",
        "multi",
        metavar="SYSCALL",
        help="Remove an analysed syscall from the filter (a negative control: the binary must die "
        "when it makes it). Repeatable.",
    ),
    OptionSpec(
        "--exec",
        "exec_mode",
        "choice",
        choices=EXEC_MODES,
        help="Exec mode of every program that can exec: exec fails with EPERM (block, the default), "
        "own set plus --exec-allow policies (allow), the containers' default profile (floor), no "
        "filter (none). A program that execs only itself gets allow.",
    ),
    OptionSpec(
        "--exec-allow",
        "exec_allow",
        "path",
        metavar="POLICY",
        help="Policy JSON, or trace JSON from `cc-sandbox trace`, of a program it may exec: added "
        "to the filter. Implies --exec allow. Repeatable.",
    ),
    OptionSpec(
        "--exec-mode",
        "exec_rules",
        "multi",
        metavar="PROGRAM=MODE",
        help="Exec mode of one program (name or glob): block, allow[:POLICY,...], floor or none. "
        "Also read from cc-sandbox.conf (the build's directory or above). Repeatable.",
    ),
    OptionSpec(
        "--unresolved",
        "unresolved",
        "choice",
        choices=UNRESOLVED_MODES,
        help="A syscall site whose number the analysis cannot know: fail the link naming the site "
        "(refuse, default), or build a filter that allows every syscall (allow-all, said in capitals "
        "by the build and inspect).",
    ),
    OptionSpec(
        "--min-kernel",
        "min_kernel",
        "choice",
        metavar="X.Y",
        check=parse_min_kernel,
        help="Drop musl's ENOSYS fallbacks (pipe after pipe2, epoll_wait after epoll_pwait, ...) from "
        f"the filter used on kernels X.Y and newer (default {DEFAULT_MIN_KERNEL}); the binary also carries "
        "the filter with them and installs it on older kernels. none: one filter, fallbacks kept.",
    ),
    OptionSpec(
        "--allow-io-uring",
        "allow_io_uring",
        "flag",
        flag_value=True,
        help="Accept a program that can reach io_uring_setup. Operations submitted through an io_uring "
        "(open, read, write, connect, ...) never pass the seccomp filter, so such a program is refused "
        "unless this is given; with it, the filter no longer bounds what the program does through a ring.",
    ),
    OptionSpec(
        "--phase-entry",
        "phases",
        "multi",
        metavar="FUNC",
        help="A phase transition at the first entry of FUNC: the binary installs a tighter filter "
        "there (kept out of line). Repeatable, in order with --phase-at.",
    ),
    OptionSpec(
        "--phase-at",
        "phases",
        "multi",
        metavar="CALLER:CALLEE",
        help="A phase transition just before each call CALLER -> CALLEE. Repeatable, in order with --phase-entry.",
    ),
    OptionSpec(
        "--phase-program",
        "phase_programs",
        "multi",
        metavar="NAME",
        help="Apply the phase transitions only to links writing NAME (default: every link). Repeatable.",
    ),
)
_BY_FLAG = {spec.flag: spec for spec in SPECS}


def _existing_file(text: str, flag: str, cwd: Path | None) -> str:
    path = Path(text) if cwd is None else cwd / text
    if not path.is_file():
        raise CcSandboxError(f"{flag} {text}: no such file")
    return str(path.resolve())


def apply_option(options: PolicyOptions, flag: str, value: str | None, cwd: Path | None = None) -> PolicyOptions:
    """``options`` with one option applied (``value`` is None for a flag)."""
    spec = _BY_FLAG[flag]
    change: dict[str, Any]
    if spec.kind == "flag":
        change = {spec.field: spec.flag_value}
    elif value is None:
        raise CcSandboxError(f"{flag} needs a value")
    elif spec.kind == "multi":
        change = {spec.field: (*getattr(options, spec.field), value)}
    elif spec.kind == "path":
        change = {spec.field: (*getattr(options, spec.field), _existing_file(value, flag, cwd))}
    else:
        change = {spec.field: spec.convert(value)}
    return replace(options, **change)


def parse_options(
    args: Sequence[str], base: PolicyOptions | None = None, cwd: Path | None = None, origin: str = ""
) -> PolicyOptions:
    """Sandbox options from command-line words (``--flag VALUE`` or ``--flag=VALUE``) over ``base``.

    Raises CcSandboxError naming ``origin`` (e.g. ``$CC_SANDBOX_OPTIONS``) for anything else.
    """
    options = base or PolicyOptions()
    words = list(args)
    where = f"{origin}: " if origin else ""
    while words:
        word = words.pop(0)
        flag, eq, inline = word.partition("=")
        spec = _BY_FLAG.get(flag)
        if spec is None:
            known = " ".join(s.flag for s in SPECS)
            raise CcSandboxError(f"{where}unknown sandbox option {word!r} (known: {known})")
        if spec.kind == "flag":
            if eq:
                raise CcSandboxError(f"{where}{flag} takes no value")
            value = None
        elif eq:
            value = inline
        elif words:
            value = words.pop(0)
        else:
            raise CcSandboxError(f"{where}{flag} needs a value")
        try:
            options = apply_option(options, flag, value, cwd)
        except CcSandboxError as err:
            raise CcSandboxError(f"{where}{err}") from None
    return options


def options_from_env(environ: Mapping[str, str] | None = None) -> PolicyOptions:
    """The options in $CC_SANDBOX_OPTIONS (defaults when unset)."""
    raw = (os.environ if environ is None else environ).get(ENV, "")
    try:
        words = shlex.split(raw)
    except ValueError as err:
        raise CcSandboxError(f"${ENV} is malformed ({err})") from None
    return parse_options(words, origin=f"${ENV}")


def field_names() -> tuple[str, ...]:
    """PolicyOptions' fields (a test checks every one has a spec)."""
    return tuple(f.name for f in fields(PolicyOptions))

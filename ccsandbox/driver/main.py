"""``cc-sandbox-cc``: the C compiler that ``cc-sandbox make`` puts in CC.

It behaves like cc for the build (the compiler's own output and exit code pass through
unchanged) and only adds its own one-line errors, prefixed ``cc-sandbox:``, for things it
refuses: another architecture, a missing sysroot, a link whose program it cannot see whole.
"""

from __future__ import annotations

import os
import sys

from ..errors import CcSandboxError, ToolNotFoundError
from ..gc_policy import tune_for_bulk_allocation
from .argv import Invocation, Mode, classify
from .command import CompileTools, compile_command

TYPE_CHECKING = False  # mypy treats this name as true; nothing more is imported at run time
if TYPE_CHECKING:
    from .link import LinkResult

LINK_LOG_ENV = "CC_SANDBOX_LINK_LOG"
#: The same names as ccsandbox.embed.options.ENV and ccsandbox.embed.phases.SPEC_ENV (not imported:
#: compiles start faster with the standard library only).
POLICY_OPTIONS_ENV = "CC_SANDBOX_OPTIONS"  # = ccsandbox.embed.options.ENV (not imported: start-up speed)
PHASES_ENV = "CC_SANDBOX_PHASES"
#: Set by `cc-sandbox make`/`build` after validating the sysroot once: "clang\nsysroot\nresource
#: dir". Compiles then start in ~25 ms instead of re-reading the JSON stamp every time.
TOOLCHAIN_ENV = "CC_SANDBOX_TOOLCHAIN"

__all__ = ["main", "run"]


def check_llvm_override() -> None:
    """Refuse a ``CC_SANDBOX_LLVM_BIN`` that is not a directory (every driver call checks).
    Here and not in ``ccsandbox.tools``, whose shutil and pathlib cost a compile 13 ms."""
    override = os.environ.get("CC_SANDBOX_LLVM_BIN")
    if override and not os.path.isdir(override):
        raise ToolNotFoundError(
            f"CC_SANDBOX_LLVM_BIN={override} is not a directory; unset it to use /usr/lib/llvm-19/bin"
        )


def _log_link(result: LinkResult) -> None:
    import json

    log = os.environ.get(LINK_LOG_ENV)
    if not log:
        return
    entry = {
        "output": str(result.output),
        "kind": result.kind,
        "module": None if result.module is None else str(result.module),
        "seconds": round(result.seconds, 3),
        "allow_all": result.allow_all,
    }
    with open(log, "a") as stream:
        stream.write(json.dumps(entry) + "\n")


def _compile_tools() -> CompileTools:
    passed = os.environ.get(TOOLCHAIN_ENV, "").split("\n")
    if len(passed) == 3 and all(passed):
        return CompileTools(*passed)
    from ..sysroot import load_sysroot

    return CompileTools.of(load_sysroot())


def _keep_phase_points(inv: Invocation) -> list[str]:
    """With phase transitions configured (--phase-entry/--phase-at), compiling loads the pass
    plugin, whose keeper stops the compiler from inlining away what the link must mark."""
    raw = os.environ.get(POLICY_OPTIONS_ENV)
    if not raw or "--phase-" not in raw or not ({"-c", "-S"} & set(inv.args)):
        return []
    from ..embed.options import options_from_env
    from ..resources import plugin_path

    options = options_from_env()
    phases = options.phases if options.sandbox else ()
    plugin = plugin_path()
    if not phases or plugin is None:
        return []
    os.environ[PHASES_ENV] = ";".join(phases)
    return [f"-fpass-plugin={plugin}"]


def expand_response_files(argv: list[str], depth: int = 0) -> list[str]:
    """Replace each ``@FILE`` by the arguments it holds, as clang would, so that no option
    inside one escapes the driver's checks (clang then gets the same arguments, expanded)."""
    if not any(a.startswith("@") for a in argv):
        return argv
    import shlex

    out: list[str] = []
    for arg in argv:
        if arg.startswith("@") and os.path.isfile(arg[1:]) and depth < 8:
            with open(arg[1:]) as stream:
                out += expand_response_files(shlex.split(stream.read()), depth + 1)
        else:
            out.append(arg)
    return out


def run(argv: list[str]) -> int:
    """Run one compiler command line; returns the exit code. Raises CcSandboxError."""
    check_llvm_override()
    inv = classify(expand_response_files(argv))
    if inv.assembly and inv.mode is Mode.COMPILE:
        from .assembly import compile_assembly

        code = compile_assembly(_compile_tools(), inv)
        if code is not None:
            return code
    if inv.mode is not Mode.LINK:
        command = compile_command(_compile_tools(), inv) + _keep_phase_points(inv)
        os.execv(command[0], command)
    if inv.assembly:
        import tempfile

        from .assembly import replace_assembly_inputs

        with tempfile.TemporaryDirectory(prefix="cc-sandbox-asm.") as tmp:
            replaced = replace_assembly_inputs(_compile_tools(), inv, tmp)
            return replaced if isinstance(replaced, int) else _link(replaced)
    return _link(inv)


def _link(inv: Invocation) -> int:
    from ..sysroot import load_sysroot  # deferred: compiles (most calls) need none of this
    from .link import run_link

    result = run_link(load_sysroot(), inv)
    if isinstance(result, int):
        return result
    for note in result.notes:
        print(f"cc-sandbox: note: {note}", file=sys.stderr)
    _log_link(result)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; the only place where the driver turns errors into exit codes."""
    tune_for_bulk_allocation()  # a link analyses the whole program in this process
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except CcSandboxError as err:
        print(f"cc-sandbox: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

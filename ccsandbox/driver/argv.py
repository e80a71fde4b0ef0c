"""Classifying a C compiler command line (pure: argv in, :class:`Invocation` out).

The rules live in tables, each group with the reason it is there (scan-build-py's
``compilation.py`` is the model). This module runs on every compile of a user's build, so it
imports nothing: no dataclasses or enum (they pull in ``inspect`` and ``re``, ~30 ms a call).
"""

from __future__ import annotations

from ..errors import UnsupportedFlagError
from .refusals import (
    assembly_input,
    check_language,
    check_link_inputs,
    check_linker_option,
    check_option,
    linker_options,
)

__all__ = ["Invocation", "Mode", "classify"]


class Mode:
    """What a command line asks for (string constants, compared with ``is``)."""

    INFO = "info"  # --version, -print-*, -dumpmachine: no input files
    COMPILE = "compile"  # -c/-S/-E/-M/-fsyntax-only: stops before linking
    LINK = "link"  # anything else with inputs: ends in a final link


#: Flags that take the next argument as their value, so that value is not an input file.
FLAGS_WITH_VALUE = frozenset(
    {
        "-o",
        "-I",
        "-L",
        "-D",
        "-U",
        "-l",
        "-u",
        "-z",
        "-T",
        "-e",
        "-x",
        "-MF",
        "-MT",
        "-MQ",
        "-include",
        "-imacros",
        "-isystem",
        "-idirafter",
        "-iquote",
        "-iprefix",
        "-iwithprefix",
        "-iwithprefixbefore",
        "-isysroot",
        "-Xlinker",
        "-Xpreprocessor",
        "-Xassembler",
        "-Xclang",
        "-target",
        "--param",
        "-arch",
        "-aux-info",
        "--sysroot",
        "-rpath",
        "-dumpbase",
        "-dumpdir",
    }
)

#: Flags that stop the driver before the link.
COMPILE_ONLY_FLAGS = frozenset({"-c", "-S", "-E", "-M", "-MM", "-fsyntax-only"})

#: Flags the driver owns at link time; the user's copy is dropped because cc-sandbox always
#: links static, non-PIE, with lld and its own start files (a static binary is what the
#: analysis and the embedded filter are about).
LINK_FLAGS_REPLACED = frozenset({"-static", "-pie", "-no-pie", "-static-pie", "-rdynamic"})
LINK_FLAG_PREFIXES_REPLACED = ("-fuse-ld=", "--ld-path=", "-rtlib=", "--rtlib=")

#: Requests for another architecture or ABI: the sysroot is x86_64 musl only.
WRONG_ARCH_FLAGS = {"-m32": "32-bit x86", "-mx32": "the x32 ABI", "-m16": "16-bit x86"}

#: Output kinds cc-sandbox cannot produce: the whole point is one static executable whose
#: whole program (libc included) is visible to the analysis.
UNSUPPORTED_OUTPUT_FLAGS = {
    "-shared": "shared libraries",
    "-r": "relocatable (partial) links",
    "--relocatable": "relocatable (partial) links",
}


class Invocation:
    """What one compiler command line asks for (immutable by convention)."""

    __slots__ = ("args", "assembly", "inputs", "mode", "output")

    def __init__(
        self,
        mode: str,
        args: tuple[str, ...],
        inputs: tuple[str, ...],
        output: str | None,
        assembly: tuple[tuple[str, bool], ...] = (),
    ) -> None:
        self.mode = mode  # a Mode constant
        self.args = args  # the user's arguments, minus -o and the link flags we own
        self.inputs = inputs  # positional inputs (source, object, archive files, or "-")
        self.output = output  # -o value, None when not given
        self.assembly = assembly  # assembly inputs, each with "preprocess it first"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Invocation) and all(getattr(self, a) == getattr(other, a) for a in self.__slots__)

    def __hash__(self) -> int:
        return hash((self.mode, self.args, self.inputs, self.output, self.assembly))

    def __repr__(self) -> str:
        return (
            f"Invocation(mode={self.mode!r}, args={self.args!r}, inputs={self.inputs!r}, output={self.output!r}, "
            f"assembly={self.assembly!r})"
        )

    @property
    def link_output(self) -> str:
        """Where a link writes: -o, or a.out like every cc."""
        return self.output or "a.out"


def _check_target(arg: str, value: str | None) -> None:
    if arg in WRONG_ARCH_FLAGS:
        raise UnsupportedFlagError(
            f"{arg} asks for {WRONG_ARCH_FLAGS[arg]}, but cc-sandbox builds x86_64 only "
            f"(x86_64-linux-musl); drop {arg} from CFLAGS/LDFLAGS"
        )
    target = value if arg in ("-target", "--target") else arg.split("=", 1)[1] if arg.startswith("--target=") else None
    if target is not None and not ((target.startswith("x86_64") and "musl" in target) or target == "x86_64-linux-musl"):
        raise UnsupportedFlagError(
            f"target {target!r} is not supported: cc-sandbox builds x86_64-linux-musl only; drop the --target flag"
        )
    if arg in UNSUPPORTED_OUTPUT_FLAGS:
        raise UnsupportedFlagError(
            f"{arg}: cc-sandbox builds static executables only, not {UNSUPPORTED_OUTPUT_FLAGS[arg]}"
        )


def _inputs_by_suffix(argv: list[str] | tuple[str, ...]) -> list[str]:
    """The inputs no ``-x LANG`` applies to: the compiler takes them by their suffix (or their
    content, for the linker), rather than as sources of a language given."""
    language = "none"
    found: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "-x" and i + 1 < len(argv):
            language, i = argv[i + 1], i + 2
            continue
        if arg.startswith("-x") and len(arg) > 2:
            language = arg[2:]
        elif arg in FLAGS_WITH_VALUE:
            i += 1
        elif (arg == "-" or not arg.startswith("-")) and language == "none":
            found.append(arg)
        i += 1
    return found


def _languages(argv: list[str] | tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """The assembly inputs, each with whether it is preprocessed first; refuses -x for a language
    other than C or assembly, and inputs in another language (by suffix)."""
    language: str | None = None
    found: list[tuple[str, bool]] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "-x" and i + 1 < len(argv):
            language = argv[i + 1]
            check_language(language)
            i += 2
            continue
        if arg.startswith("-x") and len(arg) > 2:
            language = arg[2:]
            check_language(language)
        elif arg in FLAGS_WITH_VALUE:
            i += 1
        elif not arg.startswith("-"):
            cpp = assembly_input(arg, language)
            if cpp is not None:
                found.append((arg, cpp))
        i += 1
    return tuple(found)


def classify(argv: list[str] | tuple[str, ...]) -> Invocation:
    """Classify a compiler command line (without the program name).

    Raises
    ------
    UnsupportedFlagError
        for another architecture, target or output kind.

    Examples
    --------
    >>> classify(["-O2", "-c", "a.c", "-o", "a.o"]).mode
    'compile'
    >>> inv = classify(["a.o", "-lm", "-o", "prog"])
    >>> inv.mode, inv.inputs, inv.output
    ('link', ('a.o',), 'prog')
    >>> classify(["--version"]).mode
    'info'
    """
    args: list[str] = []
    inputs: list[str] = []
    output: str | None = None
    compile_only = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        value = argv[i + 1] if arg in FLAGS_WITH_VALUE and i + 1 < len(argv) else None
        _check_target(arg, value)
        if arg == "-o" and value is not None:
            output, i = value, i + 2
            continue
        if arg.startswith("-o") and len(arg) > 2:
            output, i = arg[2:], i + 1
            continue
        compile_only = compile_only or arg in COMPILE_ONLY_FLAGS
        if value is not None:
            args += [arg, value]
            i += 2
            continue
        if arg == "-" or not arg.startswith("-"):
            inputs.append(arg)
        args.append(arg)
        i += 1
    mode = Mode.COMPILE if compile_only else Mode.LINK if inputs else Mode.INFO
    assembly = _languages(argv)
    for arg in args:
        check_option(arg, link=mode is Mode.LINK)
    if mode is Mode.LINK:
        check_linker_option(linker_options(args))
        check_link_inputs(_inputs_by_suffix(argv))
        args = [a for a in args if a not in LINK_FLAGS_REPLACED and not a.startswith(LINK_FLAG_PREFIXES_REPLACED)]
    return Invocation(mode=mode, args=tuple(args), inputs=tuple(inputs), output=output, assembly=assembly)

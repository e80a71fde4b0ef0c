"""Options and inputs cc-sandbox cannot honour, each refused with one line that says why (pure).

A refused option would otherwise be silently ignored, fail with tens of lines from lld, or --
worse -- produce a binary whose code or start-up the analysis does not describe: a ``--wrap`` that
sends ``main``'s call to another function than the module shows, an entry point that skips the
filter installer, assembly the facts pass never sees. Like ``argv.py`` this module imports
nothing, because it runs on every compile.
"""

from __future__ import annotations

from ..errors import UnsupportedFlagError
from ..magic import BITCODE_MAGICS

__all__ = [
    "assembly_input",
    "check_language",
    "check_link_inputs",
    "check_linker_option",
    "check_option",
    "expand_linker_responses",
    "linker_options",
]

#: The first bytes of what a link input may be: ELF, LLVM bitcode (raw or wrapped), an archive.
INPUT_MAGICS = (b"\x7fELF", *BITCODE_MAGICS, b"!<arch>\n", b"!<thin>\n")
#: Inputs the compiler itself reads (sources, assembly, preprocessed), by suffix.
SOURCE_SUFFIXES = (".c", ".i", ".h", ".s", ".S", ".sx", ".ll", ".bc")

#: -x languages that are C (or need no compiling); anything else is refused.
C_LANGUAGES = frozenset({"c", "c-header", "cpp-output", "none", "ir"})

#: Input suffixes of languages cc-sandbox does not compile, and why.
FOREIGN_SUFFIXES = {
    ".asm": "assembly",
    ".cc": "C++",
    ".cpp": "C++",
    ".cxx": "C++",
    ".c++": "C++",
    ".C": "C++",
    ".cp": "C++",
    ".m": "Objective-C",
    ".mm": "Objective-C++",
}

WHY_ASSEMBLY = (
    "the syscall analysis cannot see hand-written assembly (write it in C, or as inline asm in a C "
    'function with the syscall number in an "a" constraint)'
)
WHY_CPP = "cc-sandbox builds C programs only (C++ needs libc++ and unwinding that its static link does not have)"

#: Compile or link options that need a runtime the static musl link does not have (prefix -> why).
RUNTIME_OPTIONS = {
    "-fsanitize=": "sanitizers need their runtime libraries, which cc-sandbox does not link; build a "
    "sanitizer binary with plain clang",
    "-fopenmp": "OpenMP needs libomp, which the static musl link does not have",
    "--coverage": "coverage needs the profiling runtime, which cc-sandbox does not link",
    "-fprofile-arcs": "coverage needs the profiling runtime, which cc-sandbox does not link",
    "-fprofile-generate": "profiling needs the profiling runtime, which cc-sandbox does not link",
    "-fprofile-instr-generate": "profiling needs the profiling runtime, which cc-sandbox does not link",
    "-pg": "gprof profiling needs gcrt1.o and mcount, which musl does not provide",
    "-fcs-profile-generate": "profiling needs the profiling runtime, which cc-sandbox does not link",
    "-fmemory-profile": "memory profiling needs the memprof runtime, which cc-sandbox does not link",
    "-fsanitize-coverage": "coverage instrumentation calls __sanitizer_cov_* hooks that code generation adds "
    "after the syscall analysis ran",
    "-fsplit-stack": "split stacks need __morestack from libgcc, which the static musl link does not have",
    "-finstrument-functions-after-inlining": "its hooks are added by code generation, after the syscall "
    "analysis ran, so their calls would be missing from the filter",
    "-finstrument-function-entry-bare": "its hooks are added by code generation, after the syscall analysis "
    "ran, so their calls would be missing from the filter",
    "-fxray-instrument": "XRay needs its runtime, which cc-sandbox does not link",
}

#: Link options that drop the start files or libc: the filter installer runs from them.
NO_START_FILES = frozenset({"-nostdlib", "-nostartfiles", "-nodefaultlibs", "-nolibc"})

#: Linker options that change which function a call or the start reaches (name -> why).
RESOLUTION_OPTIONS = {
    "--wrap": "--wrap sends calls to __wrap_SYM, which the analysed module does not show",
    "-wrap": "--wrap sends calls to __wrap_SYM, which the analysed module does not show",
    "--defsym": "--defsym rebinds a symbol after the module was analysed",
    "-defsym": "--defsym rebinds a symbol after the module was analysed",
    "--entry": "another entry point would run the program before its seccomp filter is installed",
    "-e": "another entry point would run the program before its seccomp filter is installed",
    "--script": "a linker script can change the entry point and the .init_array order",
    "-T": "a linker script can change the entry point and the .init_array order",
    "--default-script": "a linker script can change the entry point and the .init_array order",
    "-dT": "a linker script can change the entry point and the .init_array order",
    "--init": "another init function would run before the seccomp filter is installed",
    "-init": "another init function would run before the seccomp filter is installed",
    "--fini": "another fini function is not in the analysed module",
    "-fini": "another fini function is not in the analysed module",
    "--just-symbols": "symbols from another file are not in the analysed module",
    "-pie": "cc-sandbox links static non-PIE executables (musl's crt1.o does not relocate itself); -pie, "
    "-static-pie and -fPIE on the compiler line are accepted and build the same static binary",
    "--pie": "cc-sandbox links static non-PIE executables (musl's crt1.o does not relocate itself); -pie, "
    "-static-pie and -fPIE on the compiler line are accepted and build the same static binary",
    "--pic-executable": "cc-sandbox links static non-PIE executables (musl's crt1.o does not relocate itself); "
    "-pie, -static-pie and -fPIE on the compiler line are accepted and build the same static binary",
    "-shared": "cc-sandbox links static executables only, not shared libraries",
    "--shared": "cc-sandbox links static executables only, not shared libraries",
    "--lto-partitions": "cc-sandbox analyses and code-generates one LTO module; partitions would be objects "
    "named like those of ThinLTO inputs",
}

ENTRY = "_start"
#: Refused linker options that take no value.
FLAG_OPTIONS = frozenset({"-pie", "--pie", "--pic-executable", "-shared", "--shared"})


#: -x languages that are assembly: assembled into bitcode as file-scope asm (see assembly.py).
ASM_LANGUAGES = {"assembler": False, "assembler-with-cpp": True}  # language -> preprocessed first
#: Assembly suffixes -> preprocessed first
ASM_SUFFIXES = {".s": False, ".S": True, ".sx": True}


def check_language(language: str) -> None:
    """Refuse ``-x LANG`` for a language other than C or assembly."""
    if language in C_LANGUAGES or language in ASM_LANGUAGES:
        return
    if "c++" in language:
        raise UnsupportedFlagError(f"-x {language}: {WHY_CPP}")
    raise UnsupportedFlagError(f"-x {language}: cc-sandbox compiles C (and assembly) only")


def assembly_input(path: str, language: str | None) -> bool | None:
    """For an assembly input, whether it is preprocessed first; None for other inputs. Refuses
    inputs in a language cc-sandbox does not compile (``language``: the -x in force)."""
    if language not in (None, "none"):
        return ASM_LANGUAGES.get(language)
    dot = path.rfind(".")
    suffix = path[dot:] if dot > path.rfind("/") else ""
    if suffix in ASM_SUFFIXES:
        return ASM_SUFFIXES[suffix]
    kind = FOREIGN_SUFFIXES.get(suffix)
    if kind is None or kind == "assembly":
        return None
    raise UnsupportedFlagError(f"{path}: {WHY_CPP if 'C++' in kind else f'cc-sandbox compiles C only, not {kind}'}")


def check_option(arg: str, link: bool) -> None:
    """Refuse an option that needs a runtime we do not link, or (at link) drops the start files."""
    for prefix, why in RUNTIME_OPTIONS.items():
        if arg.startswith("-fno-"):
            break  # turning an instrumentation off is always fine
        if arg == prefix or arg.startswith(prefix if prefix.endswith("=") else prefix + "="):
            raise UnsupportedFlagError(f"{arg}: {why}")
    if link and arg in NO_START_FILES:
        raise UnsupportedFlagError(
            f"{arg}: cc-sandbox links musl and its start files itself, and the seccomp filter is "
            "installed from them; drop it (for an own _start, make it a function called from main)"
        )


def linker_options(argv: list[str] | tuple[str, ...]) -> list[str]:
    """The words handed to the linker by ``-Wl,a,b``, ``-Xlinker a`` and the driver's ``-e``/``-T``."""
    words: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("-Wl,"):
            words += arg[4:].split(",")
        elif arg in ("-Xlinker", "-e", "-T") and i + 1 < len(argv):
            words += [argv[i + 1]] if arg == "-Xlinker" else [arg, argv[i + 1]]
            i += 1
        elif arg.startswith("--entry"):
            words.append(arg)
        i += 1
    return words


def expand_linker_responses(words: list[str], depth: int = 0) -> list[str]:
    """``words`` with each ``@FILE`` replaced by the words in FILE, as lld expands them (so that
    no option reaches lld unseen). A response file that cannot be read is refused."""
    out: list[str] = []
    for word in words:
        if not word.startswith("@") or len(word) == 1:
            out.append(word)
            continue
        if depth > 8:
            raise UnsupportedFlagError(f"linker response file {word}: nested too deeply; cc-sandbox refuses it")
        try:
            with open(word[1:], encoding="utf-8", errors="replace") as stream:
                inner = stream.read().split()
        except OSError as err:
            raise UnsupportedFlagError(
                f"linker response file {word}: cannot be read ({err.strerror}); cc-sandbox checks every option "
                "lld is given, so it refuses one it cannot read"
            ) from None
        out += expand_linker_responses([w.strip("'\"") for w in inner], depth + 1)
    return out


def check_link_inputs(inputs: tuple[str, ...] | list[str]) -> None:
    """Refuse a link input that is no object, bitcode or archive: lld reads any other file as a
    linker script, which can rebind symbols and the entry point like -T."""
    for path in inputs:
        if path == "-" or path.endswith(SOURCE_SUFFIXES):
            continue
        try:
            with open(path, "rb") as stream:
                head = stream.read(8)
        except OSError:
            continue  # the compiler reports a missing input itself
        if head and not head.startswith(INPUT_MAGICS):
            raise UnsupportedFlagError(
                f"{path}: not an object file or archive, so lld would read it as a linker script, which can "
                "change the entry point, the .init_array order and what symbols mean; cc-sandbox refuses it"
            )


def check_linker_option(words: list[str]) -> None:
    """Refuse linker options that change symbol resolution, the entry point or init order."""
    words = expand_linker_responses(words)
    for i, word in enumerate(words):
        name, _, value = word.partition("=")
        if name not in RESOLUTION_OPTIONS:
            joined = next((o for o in ("-dT", "-e", "-T") if word.startswith(o) and len(word) > len(o)), None)
            if joined is None or word.startswith(("-export", "-error", "-emit", "-eh", "-execute")):
                continue
            name, value = joined, word[2:]
        if not value and i + 1 < len(words) and name not in FLAG_OPTIONS:
            value = words[i + 1]
        if name in ("-e", "--entry") and value == ENTRY:
            continue
        shown = f"{name} {value}" if value else name
        raise UnsupportedFlagError(f"linker option {shown}: {RESOLUTION_OPTIONS[name]}; cc-sandbox refuses it")

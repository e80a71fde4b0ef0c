"""Assembly sources (``.s``, ``.S``, ``-x assembler[-with-cpp]``) compiled into bitcode.

A native object from the assembler would escape the whole-program module, so the link would
refuse it. Instead the (preprocessed) text becomes the file-scope asm of a C translation unit,
``__asm__("...")``, compiled to LTO bitcode like any C file. The module the analysis reads then
contains it: the facts pass reads its syscall sites (each under the function label it follows)
and the symbols it names, and LTO code generation assembles it into the binary with the same
integrated assembler ``clang -c x.S`` would have used. A ``.s`` that is really LLVM IR (what
``cc-sandbox cc -S`` writes, as compiles are LTO) is compiled as IR.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from ..errors import UnsupportedFlagError
from .argv import Invocation, Mode
from .command import CompileTools, common_flags

__all__ = ["as_c_source", "assemble", "compile_assembly", "replace_assembly_inputs"]

#: Arguments that say what to do with the inputs; the steps here choose their own.
_ACTION_FLAGS = frozenset({"-c", "-S", "-E"})


#: LTO concatenates the file-scope asm of every unit: each starts in .text, as an assembler run
#: would, and leaves the syntax, mode and section as the next unit expects them.
_PROLOGUE = ".text\n"
_EPILOGUE = "\n.att_syntax prefix\n.code64\n.text\n"


def as_c_source(text: str) -> str:
    """A C translation unit whose only content is ``text`` as file-scope asm."""
    text = _PROLOGUE + text + _EPILOGUE
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", '\\n"\n"')
    return f'__asm__("{escaped}");\n'


def _preprocess_args(inv: Invocation, output: str) -> list[str]:
    """The user's options (defines, include paths, dependency files), without inputs and actions."""
    inputs = set(inv.inputs)
    kept: list[str] = []
    skip = False
    for arg in inv.args:
        if skip:
            skip = False
            continue
        if arg == "-x":
            skip = True
            continue
        if arg in inputs or arg in _ACTION_FLAGS or (arg.startswith("-x") and len(arg) > 2):
            continue
        kept.append(arg)
    wants_deps = any(a in ("-MD", "-MMD") for a in kept)
    if wants_deps and not any(a in ("-MT", "-MQ") for a in kept):
        kept += ["-MT", output]
    return kept


def assemble(tools: CompileTools, inv: Invocation, source: str, cpp: bool, output: str) -> int:
    """Compile the assembly file ``source`` into a bitcode object at ``output``; clang's exit code."""
    with tempfile.TemporaryDirectory(prefix="cc-sandbox-asm.") as tmp:
        text_file = Path(tmp) / "source.s"
        if cpp:
            command = [
                tools.clang,
                *common_flags(tools),
                *_preprocess_args(inv, output),
                "-E",
                "-x",
                "assembler-with-cpp",
                source,
                "-o",
                str(text_file),
            ]
            code = subprocess.call(command)
            if code != 0:
                return code
            text = text_file.read_text(errors="surrogateescape")
        else:
            try:
                text = Path(source).read_text(errors="surrogateescape")
            except OSError as err:
                raise UnsupportedFlagError(f"{source}: cannot read it: {err.strerror}") from None
        if text.lstrip().startswith(("; ModuleID", "source_filename")):
            language, unit = "ir", text  # LLVM IR from `cc-sandbox cc -S`
        else:
            language, unit = "c", as_c_source(text)
        unit_file = Path(tmp) / ("unit.ll" if language == "ir" else "unit.c")
        unit_file.write_text(unit, errors="surrogateescape")
        command = [tools.clang, *common_flags(tools), "-c", "-w", "-x", language, str(unit_file), "-o", output]
        return subprocess.call([*command, "-flto=full"])


def compile_assembly(tools: CompileTools, inv: Invocation) -> int | None:
    """Handle a compile whose input is assembly; None when clang can run as usual (-E, -M)."""
    if "-c" not in inv.args:
        if "-S" in inv.args:
            raise UnsupportedFlagError("-S of an assembly file: it is assembly already; compile it with -c")
        return None  # preprocessing only
    if len(inv.inputs) != 1:
        raise UnsupportedFlagError("compile an assembly file on its own: one input per -c with assembly")
    source, cpp = inv.assembly[0]
    stem = os.path.splitext(os.path.basename(source))[0]
    return assemble(tools, inv, source, cpp, inv.output or f"{stem}.o")


def replace_assembly_inputs(tools: CompileTools, inv: Invocation, directory: str) -> Invocation | int:
    """A link invocation whose assembly inputs are replaced by bitcode objects in ``directory``
    (or clang's exit code when one does not assemble)."""
    objects: dict[str, str] = {}
    for index, (source, cpp) in enumerate(inv.assembly):
        objects[source] = os.path.join(directory, f"asm{index}.o")
        code = assemble(tools, inv, source, cpp, objects[source])
        if code != 0:
            return code
    # -x assembler* only covers assembly inputs, which become objects: drop it, and reset the
    # language before each object (an earlier -x c would otherwise apply to it)
    args: list[str] = []
    i = 0
    while i < len(inv.args):
        arg = inv.args[i]
        language = inv.args[i + 1] if arg == "-x" and i + 1 < len(inv.args) else arg[2:] if arg.startswith("-x") else ""
        if language.startswith("assembler"):
            i += 2 if arg == "-x" else 1
            continue
        args += ["-x", "none", objects[arg]] if arg in objects else [arg]
        i += 1
    inputs = tuple(objects.get(i, i) for i in inv.inputs)
    return Invocation(mode=Mode.LINK, args=tuple(args), inputs=inputs, output=inv.output)

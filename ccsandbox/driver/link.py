"""The final link: run lld into a staging directory, check what it produced, then publish.

Publishing renames the module (wrapped to carry the facts of this link, ``ccsandbox.carried``), map,
manifest and finally the binary over the user's output, so a failed link never leaves a partial
output and never destroys the previous good one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..artifacts import sidecar_paths
from ..carried import pack
from ..embed.embed import analyse_and_embed
from ..embed.options import options_from_env
from ..embed.phases import check_kept, check_marker_report, check_specs, marker_environment
from ..embed.probe import mark_probe
from ..errors import LinkError
from ..resources import plugin_path
from ..sysroot import Sysroot, is_libc, libc_names
from .argv import Invocation
from .command import is_probe_link, link_command
from .linkmap import NativeInput, parse_native_inputs
from .runtime import runtime_object
from .startup import STARTUP_SYMBOLS, LinkedLayout, check_startup, check_startup_symbols, trace_flags, trace_line
from .startup_closure import startup_closure

MANIFEST_FORMAT = "cc-sandbox-link"
MANIFEST_VERSION = 1

__all__ = ["LinkResult", "foreign_inputs", "run_link"]


@dataclass(frozen=True)
class LinkResult:
    output: Path
    module: Path | None  # None for a probe link
    manifest: Path | None
    facts: Path | None  # written by the pass inside the link, when the plugin is built
    seconds: float
    notes: tuple[str, ...] = ()  # things the user should know (exec blocked, allow-all, ...)
    allow_all: bool = False  # built with --unresolved allow-all: the filter allows every syscall
    kind: str = "sandboxed"  # sandboxed | unsandboxed (--no-sandbox) | probe


def probe_reason(output: str) -> str | None:
    """Why a link is a cheap probe link, or None."""
    if os.environ.get("CC_SANDBOX_PROBE"):
        return "CC_SANDBOX_PROBE=1"
    if is_probe_link(output):
        return "configure/CMake test program name"
    return None


def foreign_inputs(sysroot: Sysroot, natives: list[NativeInput]) -> list[NativeInput]:
    """Native inputs that are neither musl (sysroot) nor compiler-rt: code the analysis cannot see."""
    allowed_dir = str(sysroot.lib_dir.resolve()) + os.sep
    return [
        n
        for n in natives
        if not os.path.realpath(n.file).startswith(allowed_dir)
        and os.path.realpath(n.file) != os.path.realpath(sysroot.builtins)
    ]


def _origin(sysroot: Sysroot, native: NativeInput) -> str:
    return "compiler-rt" if os.path.realpath(native.file) == os.path.realpath(sysroot.builtins) else "musl"


def _manifest(
    sysroot: Sysroot, inv: Invocation, output: Path, natives: list[NativeInput], seconds: float
) -> dict[str, object]:
    side = sidecar_paths(output)
    return {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "producer": f"cc-sandbox {__version__}",
        "output": output.name,
        "module": side["module"].name,
        "map": side["map"].name,
        "musl_version": sysroot.musl_version,
        "clang_version": sysroot.clang_version,
        "sysroot": str(sysroot.path),
        "link_seconds": round(seconds, 3),
        "native_inputs": [
            {"path": n.path, "sections": list(n.sections), "origin": _origin(sysroot, n)} for n in natives
        ],
        "inputs": list(inv.inputs),
        "argv": [*inv.args, "-o", str(output)],
        "cwd": os.getcwd(),
    }


def _carrying_module(staged: Path) -> Path:
    """The module to publish: lld's, wrapped to carry the facts the pass wrote in this link
    (``ccsandbox.carried``), so that a copy of ``OUT.bc`` alone needs no extraction; lld's own
    file when the pass did not run (no facts to carry)."""
    module = staged.with_name(staged.name + ".0.5.precodegen.bc")
    facts = staged.with_name(staged.name + ".facts")
    if not facts.is_file():
        return module
    wrapped = staged.with_name(staged.name + ".carrying.bc")
    wrapped.write_bytes(pack(module.read_bytes(), facts.read_bytes()))
    return wrapped


def _publish(staged: Path, output: Path, manifest: dict[str, object]) -> None:
    side = sidecar_paths(output)
    staged_manifest = staged.with_name(staged.name + ".link.json")
    staged_manifest.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(_carrying_module(staged), side["module"])
    os.replace(staged.with_name(staged.name + ".map"), side["map"])
    os.replace(staged_manifest, side["manifest"])
    staged_policy = staged.with_name(staged.name + ".policy.json")
    if staged_policy.is_file():
        os.replace(staged_policy, side["policy"])
    else:
        side["policy"].unlink(missing_ok=True)
    staged_facts = staged.with_name(staged.name + ".facts")
    if staged_facts.is_file():
        os.replace(staged_facts, side["facts"])
        os.utime(side["facts"])  # the pass wrote it before lld saved the module: mark it current
    else:
        side["facts"].unlink(missing_ok=True)  # never leave facts of an older link beside it
    os.replace(staged, output)


def _check_staged(sysroot: Sysroot, staged: Path, output: Path) -> list[NativeInput]:
    if not staged.with_name(staged.name + ".0.5.precodegen.bc").is_file():
        raise LinkError(
            f"the link of {output} produced no whole-program module: none of its inputs is LLVM "
            "bitcode; compile them with cc-sandbox (e.g. `make clean` then `cc-sandbox make`)"
        )
    natives = parse_native_inputs(staged.with_name(staged.name + ".map").read_text(), f"{staged}.lto.o")
    foreign = foreign_inputs(sysroot, natives)
    thin = [n for n in foreign if Path(n.path).name.startswith(f"{staged.name}.lto.")]
    if thin:  # lld's object for a ThinLTO bitcode input: name the input, not lld's file
        stem = Path(thin[0].path).name[len(f"{staged.name}.lto.") : -len(".o")]
        raise LinkError(
            f"{output}: an input named {stem}* is ThinLTO bitcode (compiled with -flto=thin outside "
            "cc-sandbox), which lld compiles apart from the analysed module; rebuild it with cc-sandbox"
        )
    if foreign:
        names = ", ".join(n.path for n in foreign[:5]) + (" ..." if len(foreign) > 5 else "")
        raise LinkError(
            f"{output}: native objects not built by cc-sandbox would escape the analysis: {names}; "
            "rebuild them with cc-sandbox (e.g. `make clean` then `cc-sandbox make`)"
        )
    return natives


def link_level(args: tuple[str, ...]) -> str:
    """The optimisation level the link's LTO runs at: the last -O given (clang hands it to lld),
    else lld's own default, -O2."""
    levels = [a for a in args if a.startswith("-O")]
    return (levels[-1] if levels[-1] != "-O" else "-O1") if levels else "-O2"


class _LazyLibcNames:
    """libc's symbol names, read from the sysroot only when a refusal needs them."""

    def __init__(self, sysroot: Sysroot) -> None:
        self.sysroot = sysroot
        self.names: set[str] | None = None

    def contains(self, name: str) -> bool:
        if self.names is None:
            self.names = libc_names(self.sysroot) or set()
        return is_libc(name, self.names)


def run_link(sysroot: Sysroot, inv: Invocation) -> int | LinkResult:
    """Link ``inv``; returns lld's non-zero exit code on failure, else the published result."""
    target = Path(inv.link_output)
    if target.exists() and not target.is_file():  # e.g. -o /dev/null
        return subprocess.call(link_command(sysroot, inv, target, keep_module=False))
    reason = probe_reason(inv.link_output)
    if reason is not None:
        started = time.monotonic()
        code = subprocess.call(link_command(sysroot, inv, target, keep_module=False))
        if code != 0:
            return code
        mark_probe(target, reason)
        return LinkResult(target.absolute(), None, None, None, time.monotonic() - started, kind="probe")
    output = target.absolute()
    if not output.parent.is_dir():
        raise LinkError(f"cannot write {target}: directory {output.parent} does not exist")
    options = options_from_env()
    phases = options.phases_for(output.name)
    check_specs(phases)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f".{output.name}.", suffix=".cc-sandbox", dir=output.parent) as tmp:
        staged = Path(tmp) / output.name
        plugin = plugin_path()
        env = dict(os.environ, CC_SANDBOX_FACTS_OUT=f"{staged}.facts") if plugin else None
        if phases:
            if env is None:
                raise LinkError("phase transitions need the pass plugin, which is not built (./setup.sh builds it)")
            env.update(marker_environment(phases, Path(f"{staged}.phases")))
        extra = [runtime_object(sysroot)] if options.sandbox else []
        command = link_command(sysroot, inv, staged, keep_module=True, plugin=plugin, extra_inputs=extra)
        if phases and any(i.endswith((".c", ".i")) for i in inv.inputs):  # compiled in this command too
            command.insert(1, f"-fpass-plugin={plugin}")
        traced = options.sandbox
        names = tuple(sorted({*STARTUP_SYMBOLS, *startup_closure(sysroot)})) if traced else ()
        done = subprocess.run(
            [*command, *trace_flags(names)] if traced else command, env=env, stdout=subprocess.PIPE, text=True
        )
        traced_line = trace_line(names) if traced else None
        trace = [line for line in done.stdout.splitlines() if traced_line and traced_line.match(line)]
        sys.stdout.write("".join(f"{line}\n" for line in done.stdout.splitlines() if line not in trace))
        if done.returncode != 0:
            return done.returncode
        natives = _check_staged(sysroot, staged, output)
        layout = LinkedLayout((), ())
        if options.sandbox:
            check_startup_symbols("\n".join(trace), sysroot.lib_dir, output.name, f"{staged}.lto.o", names)
            layout = check_startup(staged, output.name)
        staged_facts = staged.with_name(staged.name + ".facts")
        module = staged.with_name(staged.name + ".0.5.precodegen.bc")
        if phases:
            check_marker_report(Path(f"{staged}.phases"), phases, output.name, inv.inputs)
            check_kept(staged, phases)
        libc = _LazyLibcNames(sysroot)
        document, notes = analyse_and_embed(
            staged,
            staged_facts if staged_facts.is_file() else None,
            module,
            output.name,
            options,
            phases,
            layout.fini_array,
            layout.functions,
            in_libc=libc.contains,
            level=link_level(inv.args),
            labels=layout.labels,
        )
        if document is not None:
            staged.with_name(staged.name + ".policy.json").write_text(json.dumps(document, indent=1) + "\n")
        seconds = time.monotonic() - started
        _publish(staged, output, _manifest(sysroot, inv, output, natives, seconds))
    side = sidecar_paths(output)
    facts = side["facts"] if side["facts"].is_file() else None
    return LinkResult(
        output=output,
        module=side["module"],
        manifest=side["manifest"],
        facts=facts,
        seconds=seconds,
        notes=tuple(notes),
        allow_all=bool(document and document.get("allow_all")),
        kind="sandboxed" if options.sandbox else "unsandboxed",
    )

"""Getting the facts of a program: from the file the link wrote, or by running an extractor.

Order of preference for ``BINARY`` or ``FILE.bc``:

1. ``OUT.facts`` written by the pass inside the final link (exactly the code-generated module),
   when it is newer than the module;
2. the same facts carried in ``OUT.bc`` after its bitcode (``ccsandbox.carried``), when the
   sha256 recorded with them is the bitcode's: a module copied alone needs no extraction;
3. the pass plugin run on the saved module with ``opt-19`` (~0.3-2 s: parsing the bitcode);
4. the llvmlite reference extractor (pure Python, ~10 s on redis) when the plugin is not built.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ..artifacts import find_module
from ..carried import WRAPPER_MAGIC, payload, unpack
from ..errors import CarriedFactsError, FactsFormatError, FactsVersionError, ModuleError
from ..resources import plugin_path
from ..tools import find_llvm_tool
from .schema import Facts, parse_facts, read_facts

__all__ = ["extracted_facts", "facts_of_module", "load_facts", "run_plugin"]


def run_plugin(module: Path, plugin: Path, bitcode: bytes | None = None) -> Facts:
    """Run the pass plugin on ``module`` with opt-19 and parse what it writes; with ``bitcode``,
    on those bytes (read from stdin; ``module`` only names them in errors)."""
    with tempfile.TemporaryDirectory(prefix="cc-sandbox-facts.") as tmp:
        out = Path(tmp) / "module.facts"
        env = dict(os.environ, CC_SANDBOX_FACTS_OUT=str(out))
        done = subprocess.run(
            [
                find_llvm_tool("opt"),
                f"-load-pass-plugin={plugin}",
                "-passes=cc-sandbox-facts",
                "-disable-verify",  # the reader still rejects malformed bitcode; verifying costs 40%
                "-disable-output",
                "-" if bitcode is not None else str(module),
            ],
            env=env,
            input=bitcode,
            capture_output=True,
        )
        if done.returncode != 0 or not out.is_file():
            first = (done.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
            raise ModuleError(f"{module} could not be read as LLVM bitcode: {first}")
        return read_facts(out)


def _refused(module: Path, reason: Exception, log: bool) -> None:
    """The one note for carried facts that cannot be used: they do not match the bitcode."""
    if log:
        how = "with the pass plugin" if plugin_path() is not None else "with the llvmlite extractor"
        print(
            f"cc-sandbox: note: the facts carried in {module} do not match its bitcode ({reason}); "
            f"extracting them again {how}",
            file=sys.stderr,
        )


def facts_of_module(module: Path, log: bool = False) -> Facts:
    """Facts of a bitcode module: those it carries (``ccsandbox.carried``) when they are its own,
    else extracted from its bitcode. Carried facts that do not match the bitcode (a changed
    module, a truncated trailer) are never used: with ``log``, one note on stderr says so."""
    with open(module, "rb") as stream:
        if stream.read(4) != WRAPPER_MAGIC:  # raw bitcode carries none: no need to read 10 MB to learn that
            return _extract(module, log)
        stream.seek(0)
        data = stream.read()
    try:
        carried = unpack(data).facts
    except CarriedFactsError as err:
        _refused(module, err, log)
        try:  # the bitcode alone: LLVM refuses a file whose length is not a multiple of 4, as a cut one may be
            bitcode = bytes(payload(data))
        except CarriedFactsError:
            return _extract(module, log)  # the wrapper itself is broken: LLVM's reader says how
        return _extract(module, log, bitcode)
    if carried is None:
        return _extract(module, log)
    try:
        return parse_facts(json.loads(carried), f"the facts carried in {module}")
    except FactsVersionError:
        return _extract(module, log)  # written by another cc-sandbox, as for a sidecar of another version
    except (FactsFormatError, ValueError) as err:  # ValueError: not JSON, or not UTF-8
        _refused(module, err, log)
        return _extract(module, log)


def extracted_facts(module: Path, bitcode: bytes | None = None) -> Facts:
    """Facts extracted from the bitcode of ``module`` (or ``bitcode``, its bytes): the pass plugin
    (with opt-19) when it is built, else the llvmlite reference extractor."""
    plugin = plugin_path()
    if plugin is not None:
        return run_plugin(module, plugin, bitcode)
    from .llvmlite_extract import extract_facts  # deferred: imports llvmlite

    return parse_facts(extract_facts(module, bitcode), str(module))


def _extract(module: Path, log: bool, bitcode: bytes | None = None) -> Facts:
    """:func:`extracted_facts`, saying (with ``log``) when it has to be the slow extractor."""
    if log and plugin_path() is None:
        print(
            "cc-sandbox: the pass plugin is not built (./setup.sh builds it); using the slow llvmlite extractor",
            file=sys.stderr,
        )
    return extracted_facts(module, bitcode)


def _check_target(facts: Facts, source: Path) -> Facts:
    if not (facts.triple.startswith("x86_64") and "musl" in facts.triple):
        raise ModuleError(f"{source} targets {facts.triple!r}, not x86_64 musl: not a cc-sandbox module")
    return facts


def load_facts(path: Path, log: bool = True) -> Facts:
    """Facts for a binary built by cc-sandbox, its ``.bc`` module, or a ``.facts`` file."""
    if path.suffix in (".facts", ".json"):
        return _check_target(read_facts(path), path)
    module = find_module(path)
    sidecar = module.with_suffix(".facts")
    if sidecar.is_file() and sidecar.stat().st_mtime >= module.stat().st_mtime:
        try:
            return _check_target(read_facts(sidecar), path)
        except FactsVersionError:
            pass  # written by another cc-sandbox: the module itself is the source of truth

    return _check_target(facts_of_module(module, log), path)

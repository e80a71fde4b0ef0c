"""Getting the facts of a program: from the file the link wrote, or by running an extractor.

Order of preference for ``BINARY`` or ``FILE.bc``:

1. ``OUT.facts`` written by the pass inside the final link (exactly the code-generated module);
2. the pass plugin run on the saved module with ``opt-19`` (~0.1-1 s);
3. the llvmlite reference extractor (pure Python, ~10 s on redis) when the plugin is not built.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ..artifacts import find_module
from ..errors import FactsVersionError, ModuleError
from ..resources import plugin_path
from ..tools import find_llvm_tool
from .schema import Facts, parse_facts, read_facts

__all__ = ["load_facts", "run_plugin"]


def run_plugin(module: Path, plugin: Path) -> Facts:
    """Run the pass plugin on ``module`` with opt-19 and parse what it writes."""
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
                str(module),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not out.is_file():
            first = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModuleError(f"{module} could not be read as LLVM bitcode: {first}")
        return read_facts(out)


def facts_of_module(module: Path) -> Facts:
    """Facts of a bitcode module: the pass plugin (with opt-19) when it is built, else the
    llvmlite reference extractor."""
    plugin = plugin_path()
    if plugin is not None:
        return run_plugin(module, plugin)
    from .llvmlite_extract import extract_facts  # deferred: imports llvmlite

    return parse_facts(extract_facts(module), str(module))


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

    if log and plugin_path() is None:
        print(
            "cc-sandbox: the pass plugin is not built (./setup.sh builds it); using the slow llvmlite extractor",
            file=sys.stderr,
        )
    return _check_target(facts_of_module(module), path)

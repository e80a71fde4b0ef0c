"""Small helpers shared by the integration tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import llvmlite.binding as llvm
import pytest

from ccsandbox.facts.llvmlite_extract import LINKAGE_NAMES, extract_facts_from_text
from ccsandbox.resources import plugin_path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
INPUTS = REPO / "passes" / "test" / "Inputs"  # the fixtures both extractors are checked on


def run(
    cmd: list[str], env: dict[str, str], cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def module_functions(path: Path) -> set[str]:
    """Names of the functions defined in bitcode module ``path`` (parsing proves it is valid)."""
    module = llvm.parse_bitcode(path.read_bytes())
    return {f.name for f in module.functions if not f.is_declaration}


def copy_example(name: str, dest: Path) -> Path:
    """Copy an example's sources (not any build outputs lying in the checkout) to ``dest``."""
    dest.mkdir(parents=True)
    for source in (EXAMPLES / name).iterdir():
        if source.suffix in (".c", ".h") or source.name == "Makefile":
            (dest / source.name).write_bytes(source.read_bytes())
    return dest


def require_plugin() -> Path:
    """The built pass plugin; skips without it, or fails where the toolchain is required (CI)."""
    found = plugin_path()
    if found is None:
        if os.environ.get("CC_SANDBOX_REQUIRE_TOOLCHAIN") == "1":
            pytest.fail("the pass plugin is not built (./setup.sh builds it)")
        pytest.skip("the pass plugin is not built")
    return found


def pass_facts(module: Path) -> dict[str, Any]:
    """The facts the pass plugin writes for a module (.ll or .bc); skips when it is not built."""
    plugin = require_plugin()
    out = subprocess.run(
        ["opt-19", f"-load-pass-plugin={plugin}", "-passes=cc-sandbox-facts", "-disable-output", str(module)],
        env=dict(os.environ, CC_SANDBOX_FACTS_OUT="-"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(out))


def reference_facts(ll: Path) -> dict[str, Any]:
    """The facts the llvmlite reference extractor states for a textual module."""
    module = llvm.parse_assembly(ll.read_text(), context=llvm.create_context())
    functions = [
        (f.name, LINKAGE_NAMES.get(f.linkage.name, f.linkage.name), str(f.global_value_type), f.is_declaration)
        for f in module.functions
        if not f.name.startswith("llvm.")
    ]
    return extract_facts_from_text(str(module), functions)

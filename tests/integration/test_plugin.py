"""The syscall-facts pass plugin against the shared fixtures, and inside real links."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ccsandbox.driver.argv import classify
from ccsandbox.driver.command import CompileTools, compile_command
from ccsandbox.facts.extract import run_plugin
from ccsandbox.facts.llvmlite_extract import extract_facts
from ccsandbox.facts.schema import canonical_facts, parse_facts
from ccsandbox.sysroot import Sysroot

from .helpers import EXAMPLES, INPUTS, pass_facts, require_plugin, run


@pytest.fixture(scope="module")
def plugin() -> Path:
    return require_plugin()


def test_plugin_output_equals_the_golden_facts(plugin: Path) -> None:
    golden = json.loads((INPUTS / "basic.facts.json").read_text())
    assert pass_facts(INPUTS / "basic.ll") == golden


def test_the_facts_inside_the_link_are_those_of_the_saved_module(
    plugin: Path, tmp_path: Path, cc_sandbox_cc: str, tool_env: dict[str, str]
) -> None:
    prog = tmp_path / "workers"
    sources = [str(EXAMPLES / "workers" / f) for f in ("workers.c", "ops.c")]
    assert run([cc_sandbox_cc, "-O2", *sources, "-o", str(prog), "-lpthread"], tool_env).returncode == 0
    in_link = json.loads((tmp_path / "workers.facts").read_text())
    assert pass_facts(tmp_path / "workers.bc") == in_link


def test_plugin_refuses_corrupt_bitcode_clearly(plugin: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.bc"
    bad.write_bytes(b"BC\xc0\xde" + b"\x01" * 64)
    with pytest.raises(Exception, match="could not be read as LLVM bitcode"):
        run_plugin(bad, plugin)


def test_the_golden_facts_parse() -> None:
    facts = parse_facts(json.loads((INPUTS / "basic.facts.json").read_text()))
    assert facts.functions["wrapper"].syscalls == ("p0",)
    assert facts.functions["use"].indirect_calls[0].field == "ops+0"


ADVERSARIAL = Path(__file__).parent / "programs" / "adversarial"


@pytest.mark.parametrize("program", sorted(p.name for p in ADVERSARIAL.glob("*.c")))
@pytest.mark.parametrize("opt", ["-O0", "-O2"])
def test_the_reference_extractor_reads_assembly_and_constant_choices_alike(
    program: str, opt: str, plugin: Path, tmp_path: Path, sysroot: Sysroot
) -> None:
    """The asm rules (operand by constraint, spellings, file-scope asm, calls from asm), vsyscall
    calls and phi/select arguments are implemented twice; both must state the same facts."""
    module = tmp_path / "m.bc"
    invocation = classify(["-c", opt, str(ADVERSARIAL / program), "-o", str(module)])
    assert subprocess.run(compile_command(CompileTools.of(sysroot), invocation)).returncode == 0
    assert canonical_facts(extract_facts(module)) == canonical_facts(pass_facts(module))

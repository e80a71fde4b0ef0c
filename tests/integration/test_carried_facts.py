"""A linked module carries the facts of its link (ccsandbox/carried.py): a ``PROG.bc`` copied alone
analyses as fast as with ``PROG.facts`` beside it, facts that do not belong to its bitcode are
never used, and every LLVM tool still reads it as the bitcode lld saved."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ccsandbox.carried import payload, unpack
from ccsandbox.facts.extract import load_facts
from ccsandbox.facts.schema import read_facts
from ccsandbox.section import read_embedded
from ccsandbox.sysroot import Sysroot

from .builds import ExampleBuilds
from .helpers import module_functions, pass_facts, require_plugin, run

NOTE = "do not match its bitcode"


@pytest.fixture()
def workers(example_builds: ExampleBuilds) -> Path:
    """The workers example as `cc-sandbox make` left it (shared: read only)."""
    return example_builds.build("workers")


def _alone(module: Path, dest: Path, data: bytes | None = None) -> Path:
    """``module`` (or ``data`` under its name) in a directory of its own: no facts beside it."""
    dest.mkdir()
    copy = dest / module.name
    copy.write_bytes(module.read_bytes() if data is None else data)
    return copy


def _policy(cc_sandbox: str, target: str, cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """``analyze --json`` of ``target`` in ``cwd`` (the same name in both runs), which must say nothing on stderr."""
    done = run([cc_sandbox, "analyze", "--json", target], env, cwd=cwd)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    policy: dict[str, Any] = json.loads(done.stdout)
    del policy["analysis"]["seconds"]
    return policy


def test_the_linked_module_carries_exactly_the_facts_its_link_wrote(workers: Path) -> None:
    carried = unpack((workers / "workers.bc").read_bytes())
    assert carried.facts == (workers / "workers.facts").read_bytes()
    embedded = read_embedded(workers / "workers").metadata
    assert hashlib.sha256(carried.bitcode).hexdigest() == embedded["module_sha256"], "the bitcode the filter is of"


def test_a_module_copied_alone_analyses_to_the_policy_it_has_beside_its_facts(
    workers: Path, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    alone = _alone(workers / "workers.bc", tmp_path / "alone")
    with_sidecar = _policy(cc_sandbox, "workers.bc", workers, tool_env)
    # without the plugin, extracting would be the llvmlite extractor, which says so on stderr
    without_plugin = {**tool_env, "CC_SANDBOX_NO_PLUGIN": "1"}
    assert _policy(cc_sandbox, "workers.bc", alone.parent, without_plugin) == with_sidecar


def test_a_module_changed_after_its_link_is_analysed_from_its_bitcode_not_its_facts(
    workers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_plugin()
    data = (workers / "workers.bc").read_bytes()
    assert data.count(b"op_square") == 1, "the name is in the module's string table only"
    changed = _alone(workers / "workers.bc", tmp_path / "changed", data.replace(b"op_square", b"op_squar3"))
    facts = load_facts(changed)
    assert "op_squar3" in facts.functions and "op_square" not in facts.functions, "the facts of the changed bitcode"
    notes = capsys.readouterr().err.strip().splitlines()
    assert len(notes) == 1 and NOTE in notes[0] and "sha256" in notes[0], notes


@pytest.mark.parametrize("cut", [1, 4, 1000])
def test_a_module_with_a_cut_trailer_is_analysed_from_its_bitcode(
    workers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], cut: int
) -> None:
    """Any length: LLVM refuses a file that is not a multiple of 4 bytes, so the bitcode alone is read."""
    require_plugin()
    data = (workers / "workers.bc").read_bytes()
    cut_module = _alone(workers / "workers.bc", tmp_path / "cut", data[:-cut])
    assert load_facts(cut_module) == read_facts(workers / "workers.facts")
    notes = capsys.readouterr().err.strip().splitlines()
    assert len(notes) == 1 and NOTE in notes[0] and "truncated" in notes[0], notes


def test_llvm_reads_the_wrapped_module_as_the_bitcode_lld_saved(workers: Path, tmp_path: Path) -> None:
    module = workers / "workers.bc"
    raw = tmp_path / "raw.bc"
    raw.write_bytes(payload(module.read_bytes()))

    def disassembled(path: Path) -> list[str]:
        text = subprocess.run(["llvm-dis-19", str(path), "-o", "-"], capture_output=True, text=True, check=True).stdout
        return text.splitlines()[1:]  # the first line names the file

    assert disassembled(module) == disassembled(raw)
    assert pass_facts(module) == json.loads((workers / "workers.facts").read_text()), "opt-19 and the plugin"
    assert module_functions(module) == module_functions(raw), "llvmlite"


def test_clang_links_the_wrapped_module_into_the_binary_of_its_bitcode(
    workers: Path, tmp_path: Path, sysroot: Sysroot
) -> None:
    """What relinking a program from its module needs (no test relinks one otherwise: the tests'
    relinks, tests/integration/relink.py, and `evaluate` link again from the objects)."""
    raw = tmp_path / "raw.bc"
    raw.write_bytes(payload((workers / "workers.bc").read_bytes()))
    shutil.copy(workers / "workers.bc", tmp_path / "wrapped.bc")
    lib = sysroot.lib_dir
    for name in ("raw", "wrapped"):
        command = ["clang-19", "--target=x86_64-linux-musl", "-fuse-ld=lld", "-nostdlib", "-static", "-O2"]
        inputs = [f"{name}.bc", lib / "crti.o", lib / "libc.a", sysroot.builtins, lib / "crtn.o"]
        subprocess.run([*command, *map(str, inputs), "-o", name], cwd=tmp_path, check=True)
    assert (tmp_path / "wrapped").read_bytes() == (tmp_path / "raw").read_bytes()

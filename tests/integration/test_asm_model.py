"""musl/asm-model.json must describe every x86_64 assembly file of the musl the sysroot was
built from: same files, same global symbols, the same syscall numbers, the same calls into C.
A new musl with a new or changed .s file fails here instead of silently escaping the analysis.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ccsandbox.resources import musl_dir
from ccsandbox.sysroot import Sysroot

MODEL = json.loads((musl_dir() / "asm-model.json").read_text())


def _asm_files(source: Path) -> dict[str, str]:
    files = sorted(source.glob("src/*/x86_64/*.s")) + sorted(source.glob("crt/x86_64/*.s"))
    return {str(f.relative_to(source)): f.read_text() for f in files}


def _code(text: str) -> list[str]:
    lines = []
    for line in re.sub(r"/\*.*?\*/", "", text, flags=re.S).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


@pytest.fixture(scope="module")
def asm_files(sysroot: Sysroot) -> dict[str, str]:
    if not sysroot.source_dir.is_dir():
        pytest.fail(
            f"the sysroot keeps no musl source at {sysroot.source_dir}; rebuild it with cc-sandbox sysroot --rebuild"
        )
    return _asm_files(sysroot.source_dir)


def test_every_assembly_file_is_modelled(asm_files: dict[str, str]) -> None:
    assert MODEL["musl_version"] == "1.2.3"
    assert sorted(asm_files) == sorted(MODEL["files"])


def test_global_symbols_match(asm_files: dict[str, str]) -> None:
    for path, text in asm_files.items():
        symbols = re.findall(r"^\s*\.globa?l\s+(\w+)", text, flags=re.M)
        assert sorted(symbols) == sorted(MODEL["files"][path]["symbols"]), path


def test_syscall_numbers_match_the_source(asm_files: dict[str, str]) -> None:
    for path, text in asm_files.items():
        entry = MODEL["files"][path]
        code = _code(text)
        has_syscall = any(line == "syscall" for line in code)
        assert has_syscall == bool(entry.get("syscalls") or "syscall_param" in entry), path
        if not has_syscall or "syscall_param" in entry:
            continue
        loaded = [int(n, 0) for line in code for n in re.findall(r"^movl?\s+\$(\w+),\s*%(?:e?ax|rax|al)$", line)]
        assert sorted(set(loaded)) == sorted(entry["syscalls"]), path


def test_calls_into_c_match_the_source(asm_files: dict[str, str]) -> None:
    for path, text in asm_files.items():
        local = set(re.findall(r"^(\w+):", text, flags=re.M))
        targets = {
            m.split("@")[0] for line in _code(text) for m in re.findall(r"^(?:call|jmp)\s+([A-Za-z_][\w@]*)$", line)
        }
        assert sorted(targets - local) == sorted(MODEL["files"][path].get("calls", [])), path


def test_function_pointer_calls_are_modelled(asm_files: dict[str, str]) -> None:
    for path, text in asm_files.items():
        calls_pointer = any(re.match(r"^call\s+\*", line) for line in _code(text))
        assert calls_pointer == bool(MODEL["files"][path].get("indirect_calls")), path


def test_syscall_argument_entries_name_modelled_syscalls() -> None:
    """syscall_args (argument constraints) describe only syscalls the entry makes, with
    parameters of the function; __clone's flags are its third parameter (rdx -> rdi)."""
    for path, entry in MODEL["files"].items():
        numbers = set(entry.get("syscalls", ())) | (
            {f"p{entry['syscall_param']}"} if "syscall_param" in entry else set()
        )
        for site in entry.get("syscall_args", ()):
            assert site["nr"] in numbers, path
            assert all(re.fullmatch(r"p\d", v) and 0 <= int(k) < 6 for k, v in site["args"].items()), path
    clone = MODEL["files"]["src/thread/x86_64/clone.s"]["syscall_args"]
    assert {"nr": 56, "args": {"0": "p2"}} in clone


def test_raw_result_symbols_return_right_after_their_syscall(asm_files: dict[str, str]) -> None:
    """A symbol said to return its syscall's raw result (an -ENOSYS test of it then guards a
    fallback, ccsandbox/analysis/fallbacks.py) has one `syscall`, followed by `ret` and nothing
    that could change rax in between, and takes its number as a parameter."""
    claimed = {path: e for path, e in MODEL["files"].items() if "returns_syscall_result" in e}
    assert claimed, "__syscall_cp_asm is the one musl x86_64 uses for cancellable syscalls"
    for path, entry in claimed.items():
        code = _code(asm_files[path])
        assert entry["returns_syscall_result"] in entry["symbols"] and "syscall_param" in entry, path
        at = [n for n, line in enumerate(code) if line == "syscall"]
        assert len(at) == 1, path
        after = [line for line in code[at[0] + 1 :] if not line.endswith(":")]
        assert after[0] == "ret", path

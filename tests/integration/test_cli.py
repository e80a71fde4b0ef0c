"""The cc-sandbox command line: help, module summaries and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from .builds import ExampleBuilds
from .helpers import run


def test_help_teaches_the_main_workflow(cc_sandbox: str, tool_env: dict[str, str]) -> None:
    done = run([cc_sandbox, "--help"], tool_env)
    assert done.returncode == 0
    for word in ("cc-sandbox sysroot", "cc-sandbox make", "cc-sandbox build", "cc-sandbox module"):
        assert word in done.stdout


def test_unknown_commands_are_usage_errors(cc_sandbox: str, tool_env: dict[str, str]) -> None:
    assert run([cc_sandbox, "frobnicate"], tool_env).returncode == 2


def test_module_summarises_program_and_libc(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("echo-server", tmp_path / "echo")
    done = run([cc_sandbox, "module", "--json", str(work / "echo-server")], tool_env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert {"main", "serve_loop"} <= set(summary["program_functions"])
    assert "__stdio_write" not in summary["program_functions"]
    assert summary["libc_defined"] > 100 and summary["entry_points"] == ["_start_c", "main"]
    assert any("clone" in n or "memcpy" in n for n in summary["native_inputs"])


def test_module_refuses_a_binary_not_built_by_cc_sandbox(cc_sandbox: str, tool_env: dict[str, str]) -> None:
    done = run([cc_sandbox, "module", "/bin/true"], tool_env)
    assert done.returncode == 3
    assert "not linked by cc-sandbox" in done.stderr and "Traceback" not in done.stderr


def test_module_refuses_corrupt_bitcode_in_one_line(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    corrupt = tmp_path / "corrupt.bc"
    corrupt.write_bytes(b"BC\xc0\xde" + b"\x00garbage" * 20)
    done = run([cc_sandbox, "module", str(corrupt)], tool_env)
    assert done.returncode == 3 and "corrupt bitcode" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_module_refuses_files_that_are_not_bitcode(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    done = run([cc_sandbox, "module", str(text)], tool_env)
    assert done.returncode == 3 and "neither LLVM bitcode nor an ELF" in done.stderr


def test_sysroot_check_reports_the_sysroot_in_use(cc_sandbox: str, tool_env: dict[str, str]) -> None:
    done = run([cc_sandbox, "sysroot", "--check", "--json"], tool_env)
    assert done.returncode == 0
    assert json.loads(done.stdout)["musl_version"] == "1.2.3"


def test_sysroot_check_fails_clearly_when_missing(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    done = run([cc_sandbox, "sysroot", "--check", "--prefix", str(tmp_path / "none")], tool_env)
    assert done.returncode == 3 and "cc-sandbox sysroot" in done.stderr

"""Building one adversarial program in kill mode and judging it: the shape the soundness tests
share (tests/integration/programs/adversarial/)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .helpers import run
from .tracing import run_traced, unsound

PROGRAMS = Path(__file__).parent / "programs" / "adversarial"


def make(
    name: str, work: Path, cc_sandbox: str, env: dict[str, str], *options: str, flags: str = "-O2"
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Build one program with `cc-sandbox make` (kill mode unless ``options`` say otherwise)."""
    work.mkdir(parents=True, exist_ok=True)
    source = PROGRAMS / name
    shutil.copy(source, work)
    stem = source.stem
    (work / "Makefile").write_text(f"{stem}: {source.name}\n\t$(CC) {flags} -o $@ $<\n")
    return run([cc_sandbox, "make", *options, "-C", str(work)], env), work / stem


def sound_run(binary: Path, tmp_path: Path, *argv: str) -> set[str]:
    """Run ``binary`` under strace; it must exit 0 and make only syscalls its policy allows."""
    observed = run_traced([str(binary), *argv], tmp_path / "trace", stdout=subprocess.DEVNULL)
    done = subprocess.run([str(binary), *argv], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    assert unsound(observed, Path(f"{binary}.policy.json")) == []
    return observed


def one_line_refusal(done: subprocess.CompletedProcess[str], *words: str) -> None:
    errors = [line for line in done.stderr.splitlines() if line.startswith("cc-sandbox: error:")]
    assert done.returncode != 0 and len(errors) == 1, done.stderr
    assert all(word in errors[0] for word in words), errors[0]
    assert "ld.lld" not in done.stderr, done.stderr

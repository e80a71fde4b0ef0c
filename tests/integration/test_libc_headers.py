"""libc's syscall-making functions, header group by header group, are sound under kill mode.

Each program in ``programs/libc/`` calls many real libc functions of one group of headers (or a
few related groups) with valid arguments: on files it makes in the scratch directory it gets as
argv[1], on loopback and AF_UNIX sockets, with threads it joins, signals it sends itself and
handles, children it forks and waits for. It checks what each call gave and exits 0. Built by
``cc-sandbox make`` at -O0 (with -g) and at -O2, in the default kill mode, it must:

- exit 0 when run plainly: a SIGSYS kill means the policy left out a syscall that the program
  makes, or an argument value that it passes;
- make under ``strace -f`` only syscalls its policy allows (static ⊇ traced).

A case known to break either is marked ``xfail(strict=True)`` with the exact finding, so it turns
red when the finding is fixed.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from .helpers import run
from .tracing import run_traced, unsound

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")

PROGRAMS = Path(__file__).parent / "programs" / "libc"
LEVELS = ("-O0", "-O2")

# (program stem, level) -> the finding that makes the case fail, verbatim.
FINDINGS: dict[tuple[str, str], str] = {}


def _cases() -> list[object]:
    cases: list[object] = []
    for source in sorted(PROGRAMS.glob("*.c")):
        for level in LEVELS:
            reason = FINDINGS.get((source.stem, level))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param((source, level), marks=marks, id=f"{source.stem}{level}"))
    return cases


@pytest.fixture()
def built(request: pytest.FixtureRequest, tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> Path:
    """The case's program, built in kill mode by `cc-sandbox make` at the case's level."""
    source: Path
    level: str
    source, level = request.param
    work = tmp_path / "build"
    work.mkdir()
    shutil.copy(source, work)
    shutil.copy(PROGRAMS / "check.h", work)
    cflags = f"{level} -g" if level == "-O0" else level
    (work / "Makefile").write_text(
        f"CFLAGS = {cflags}\n{source.stem}: {source.name}\n\t$(CC) $(CFLAGS) -o $@ $< -lpthread\n"
    )
    done = run([cc_sandbox, "make", "-C", str(work)], tool_env)
    assert done.returncode == 0, done.stderr
    return work / source.stem


def _exit(code: int | None) -> str:
    if code is not None and code < 0 and -code == signal.SIGSYS:
        return "killed by SIGSYS: the filter refused a syscall the program made"
    return f"exit status {code}"


@pytest.mark.parametrize("built", _cases(), indirect=True)
def test_libc_calls_run_in_kill_mode_and_stay_inside_the_policy(built: Path, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "traced").mkdir()
    plain = subprocess.run([str(built), str(tmp_path / "plain")], capture_output=True, text=True, timeout=30)
    assert plain.returncode == 0, (_exit(plain.returncode), plain.stdout, plain.stderr)
    assert plain.stdout.strip().endswith(" ok"), plain.stdout
    traced: list[subprocess.Popen[str]] = []
    observed = run_traced(
        [str(built), str(tmp_path / "traced")],
        tmp_path / "trace",
        drive=traced.append,
        timeout=60,
        stdout=subprocess.DEVNULL,
    )
    assert unsound(observed, Path(f"{built}.policy.json")) == []
    assert traced[0].returncode == 0, _exit(traced[0].returncode)

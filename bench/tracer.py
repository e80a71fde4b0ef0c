"""The ptrace tracer against `strace -f -c` on the same workload cases, side by side.

    .venv/bin/python bench/tracer.py [--work DIR]

Uses the bundled workloads of sqlite3 and ls (cases mode) on the programs built under DIR
(default /tmp/real, as the recipes build them) and writes bench/results/tracer.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from ccsandbox.trace.tracer import run_trace
from ccsandbox.trace.workload import load_workload

REPO = Path(__file__).resolve().parent.parent
PROGRAMS = {"sqlite3": "sqlite3-build/sqlite3", "coreutils-ls": "src/coreutils-9.1/src/ls"}


def _cases(name: str, binary: Path, tmp: str) -> list[list[str]]:
    workload = load_workload(REPO / "examples/real" / name / "workload.json")
    values = {"binary": str(binary), "dir": str(binary.parent), "tmp": tmp, "port": "0"}
    return [[str(a).format(**values) for a in case["argv"]] for case in workload["cases"]]


def _time_ours(cases: list[list[str]], tmp: str) -> float:
    started = time.monotonic()
    for argv in cases:
        run_trace(argv, cwd=tmp, quiet=True)
    return time.monotonic() - started


def _time_strace(cases: list[list[str]], tmp: str) -> float:
    started = time.monotonic()
    for argv in cases:
        subprocess.run(["strace", "-f", "-c", "-o", os.devnull, *argv], cwd=tmp, capture_output=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("CC_SANDBOX_REAL_WORK", "/tmp/real")))
    args = parser.parse_args()
    rows = []
    for name, relative in PROGRAMS.items():
        binary = args.work / relative
        if not binary.is_file():
            continue
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            ours, theirs = _time_ours(_cases(name, binary, a), a), _time_strace(_cases(name, binary, b), b)
        rows.append(
            {
                "workload": name,
                "cases": len(_cases(name, binary, "/tmp")),
                "cc_sandbox_trace_s": round(ours, 2),
                "strace_f_c_s": round(theirs, 2),
                "ratio": round(ours / theirs, 2),
            }
        )
    print(f"{'workload':14}{'cases':>6}{'ours s':>9}{'strace s':>10}{'ratio':>7}")
    for r in rows:
        print(f"{r['workload']:14}{r['cases']:>6}{r['cc_sandbox_trace_s']:>9}{r['strace_f_c_s']:>10}{r['ratio']:>7}")
    out = REPO / "bench/results/tracer.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()

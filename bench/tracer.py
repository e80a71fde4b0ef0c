"""The ptrace tracer against `strace -f -c`, side by side, on `ls -laR` of a large tree and on the
bundled workloads.

    .venv/bin/python bench/tracer.py [--work DIR] [--tree /usr/share] [--repeat 3]

Each row runs both tracers alternately ``--repeat`` times and keeps the median wall time. Ours is
timed as the ``cc-sandbox trace`` command (interpreter start-up included), in its default
one-stop mode (``seccomp``: a RET_TRACE filter installed before exec) and in the two-stop mode
(``syscall``). The sandboxed ``ls`` and the workloads use the programs built under DIR (default
the tests' trees, bench/realwork.py); rows whose program is missing are skipped. Writes
bench/results/tracer.json.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from realwork import PROGRAMS as REAL
from realwork import real_work

from ccsandbox.trace.workload import load_workload

REPO = Path(__file__).resolve().parent.parent
CC_SANDBOX = str(Path(sys.executable).parent / "cc-sandbox")
PROGRAMS = {"sqlite3": REAL["sqlite3"], "coreutils-ls": REAL["ls"]}


def _cases(name: str, binary: Path, tmp: str) -> list[list[str]]:
    workload = load_workload(REPO / "examples/real" / name / "workload.json")
    values = {"binary": str(binary), "dir": str(binary.parent), "tmp": tmp, "port": "0"}
    return [[str(a).format(**values) for a in case["argv"]] for case in workload["cases"]]


def _timed(commands: list[list[str]], cwd: str) -> float:
    started = time.monotonic()
    for argv in commands:
        subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


Commands = Callable[[str], list[list[str]]]


def _row(label: str, commands: Commands, repeat: int, workload: list[str] | None = None) -> dict[str, object]:
    """``workload``: the --workload arguments that run ``commands`` in one cc-sandbox process."""
    names = ("strace_f_c", "ours_seccomp", "ours_syscall")
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeat):
        for name in names:
            with tempfile.TemporaryDirectory() as tmp:
                if name == "strace_f_c":
                    argvs = [["strace", "-f", "-c", "-o", os.devnull, *a] for a in commands(tmp)]
                else:
                    flag = "--seccomp-bpf" if name == "ours_seccomp" else "--no-seccomp-bpf"
                    trace = [CC_SANDBOX, "trace", flag, "-o", os.devnull]
                    argvs = [[*trace, *workload]] if workload else [[*trace, "--", *a] for a in commands(tmp)]
                times[name].append(_timed(argvs, tmp))
    median = {name: round(statistics.median(values), 2) for name, values in times.items()}
    return {
        "workload": label,
        "runs": len(commands("/tmp")),
        **{f"{name}_s": value for name, value in median.items()},
        "ratio_seccomp": round(median["ours_seccomp"] / median["strace_f_c"], 2),
        "ratio_syscall": round(median["ours_syscall"] / median["strace_f_c"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--work", type=Path, default=real_work())
    parser.add_argument("--tree", default="/usr/share")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [_row(f"/bin/ls -laR {args.tree}", lambda tmp: [["/bin/ls", "-laR", args.tree]], args.repeat)]
    ls = args.work / PROGRAMS["coreutils-ls"]
    if ls.is_file():
        rows.append(_row(f"cc-sandbox ls -laR {args.tree}", lambda tmp: [[str(ls), "-laR", args.tree]], args.repeat))
    for name, relative in PROGRAMS.items():
        binary = args.work / relative
        if binary.is_file():
            spec = ["--workload", str(REPO / "examples/real" / name / "workload.json"), "--", str(binary)]
            rows.append(_row(f"{name} workload", functools.partial(_cases, name, binary), args.repeat, spec))
    header = ["strace -f -c", "ours (1 stop)", "ratio", "ours (2 stops)", "ratio"]
    print(f"{'workload':34}{'runs':>5}" + "".join(f"{h:>{len(h) + 2}}" for h in header))
    for r in rows:
        values = [r["strace_f_c_s"], r["ours_seccomp_s"], r["ratio_seccomp"], r["ours_syscall_s"], r["ratio_syscall"]]
        print(
            f"{r['workload']!s:34}{r['runs']!s:>5}"
            + "".join(f"{v!s:>{len(h) + 2}}" for v, h in zip(values, header, strict=True))
        )
    out = REPO / "bench/results/tracer.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"repeat": args.repeat, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()

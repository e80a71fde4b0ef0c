"""Run-time cost of one phase transition (issue 9; goal: at most 100 microseconds).

Builds bench/phase_transition.c with ``--phase-entry enter_serving`` and times, inside the
program, the first call of enter_serving() (the marker installs the serving phase's filter with
seccomp(TSYNC), which synchronises every thread) and a later call (the phase is already in force:
one atomic load). Also with idle threads, whose filters TSYNC must replace too. Medians of --runs.

    .venv/bin/python bench/phase_transition.py [--runs N] [--threads 0,4,16]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GOAL_US = 100.0


def _build(work: Path) -> Path:
    work.mkdir(parents=True)
    shutil.copy(REPO / "bench/phase_transition.c", work)
    (work / "Makefile").write_text("phase_transition: phase_transition.c\n\t$(CC) -O2 -o $@ $< -lpthread\n")
    subprocess.run(
        [str(BIN / "cc-sandbox"), "make", "-s", "--phase-entry", "enter_serving", "-C", str(work)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return work / "phase_transition"


def _run(binary: Path, threads: int) -> dict[str, float]:
    out = subprocess.run([str(binary), str(threads), "1000"], check=True, capture_output=True, text=True).stdout
    return {key: float(value) for key, value in (line.split() for line in out.splitlines())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--threads", default="0,4,16")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        binary = _build(Path(tmp) / "b")
        meta = json.loads(
            subprocess.run(
                [str(BIN / "cc-sandbox"), "inspect", "--json", str(binary)], check=True, capture_output=True, text=True
            ).stdout
        )
        results = []
        for threads in (int(t) for t in args.threads.split(",")):
            runs = [_run(binary, threads) for _ in range(args.runs)]
            first = statistics.median(r["first"] for r in runs) / 1000
            again = statistics.median(r["again"] for r in runs)
            results.append({"threads": threads, "transition_us": round(first, 2), "again_ns": round(again, 1)})
            verdict = "ok" if first <= GOAL_US else "OVER THE GOAL"
            print(
                f"{threads:3} idle threads: transition {first:7.1f} us ({verdict}, goal {GOAL_US:.0f} us); "
                f"reached again {again:5.1f} ns"
            )
    phases = [{"index": p["index"], "instructions": p["instructions"]} for p in meta["phases"]]
    sizes = ", ".join(f"phase {p['index']} {p['instructions']} instructions" for p in phases)
    print(f"filters: {sizes}")
    out = REPO / "bench/results/phase_transition.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"runs": args.runs, "results": results, "filters": phases}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

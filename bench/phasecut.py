"""`phasecut` on the real programs at the study's transition points: allowed per phase and time.

    .venv/bin/python bench/phasecut.py [--work DIR] [--runs N]

For redis-server (--entry aeMain), sqlite3 (--entry shell_exec) and ls (--at main:clear_files)
built under DIR (default: the tests' trees, bench/realwork.py), times the whole command (wall
clock and CPU time, best of N runs) from the facts the link wrote, and from a bare copy
of the module (no facts beside it: it carries them, ccsandbox/carried.py; a module of an older
link, raw bitcode, has the pass plugin run on it first). Writes
bench/results/phasecut.json. The study's temporal specialization took 2+ minutes per program.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from realwork import PROGRAMS as PATHS
from realwork import real_work

REPO = Path(__file__).resolve().parent.parent
PHASECUT = str(Path(sys.executable).with_name("phasecut"))
PROGRAMS = {
    "redis-server": (PATHS["redis-server"], ["--entry", "aeMain"]),
    "sqlite3": (PATHS["sqlite3"], ["--entry", "shell_exec"]),
    "ls": (PATHS["ls"], ["--at", "main:clear_files"]),
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], runs: int) -> tuple[float, float, dict[str, Any]]:
    """Best wall time, best CPU time (user + system, including opt-19), and the last document.
    On a shared machine the CPU time is the steadier of the two."""
    best, best_cpu, doc = float("inf"), float("inf"), {}
    for _ in range(runs):
        started, cpu = time.monotonic(), _cpu()
        done = subprocess.run([PHASECUT, "--json", *args], capture_output=True, text=True)
        best = min(best, time.monotonic() - started)
        best_cpu = min(best_cpu, _cpu() - cpu)
        if done.returncode != 0:
            raise SystemExit(f"phasecut {' '.join(args)}: {done.stderr.strip()}")
        doc = json.loads(done.stdout)
    return best, best_cpu, doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=real_work())
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for name, (path, transition) in PROGRAMS.items():
        base = args.work / path
        facts = Path(f"{base}.facts")
        if not facts.is_file():
            print(f"{name}: {facts} missing, skipped")
            continue
        from_facts, cpu_facts, doc = _run([*transition, str(facts)], args.runs)
        with tempfile.TemporaryDirectory() as tmp:
            bare = Path(tmp) / f"{name}.bc"
            shutil.copy(f"{base}.bc", bare)
            from_bc, cpu_bc, _ = _run([*transition, str(bare)], args.runs)
        allowed = [int(p["allowed_count"]) for p in doc["phases"]]
        removed = [str(r["name"]) for r in doc["phases"][-1]["removed"]]
        rows.append(
            {
                "program": name,
                "transition": " ".join(transition),
                "allowed": allowed,
                "removed": removed,
                "seconds_from_facts": round(from_facts, 2),
                "seconds_from_bc": round(from_bc, 2),
                "cpu_seconds_from_facts": round(cpu_facts, 2),
                "cpu_seconds_from_bc": round(cpu_bc, 2),
            }
        )
        print(
            f"{name:13} {' '.join(transition):22} allowed {' / '.join(map(str, allowed)):9} "
            f"{from_facts:5.2f} s ({cpu_facts:4.2f} s CPU) from facts, {from_bc:5.2f} s ({cpu_bc:4.2f} s CPU) "
            f"from .bc; removes {' '.join(removed)}"
        )
    out = REPO / "bench" / "results" / "phasecut.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"runs": args.runs, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()

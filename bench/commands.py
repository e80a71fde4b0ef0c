"""What a user waits for: wall and CPU time of each command on the three real programs, in one run.

    .venv/bin/python bench/commands.py [--work DIR] [--runs N]

For ls, sqlite3 and redis-server built by their recipes under DIR (default: $CC_SANDBOX_REAL_WORK,
else the newest kept test tree, ~/.cache/cc-sandbox/tests/real-*), times ``analyze``, ``explain``,
``phasecut`` (at the study's transition), ``inspect`` and ``export`` from the binary with the
facts its link wrote, ``analyze``/``explain``/``phasecut`` from a bare copy of its module (no
facts beside it: the module carries them, ``ccsandbox.carried``), and ``analyze`` from a plain
copy (the raw bitcode alone, as plain clang or an older cc-sandbox writes it: the pass plugin
runs under opt-19), plus ``--version``; best of N runs each. Each time is set beside the goal
that applies (issue 20: 0.5 s from link facts, 1.0 s from a bare module, plain or carrying its
facts, 0.15 s for --version) and beside the fastest of the study's static tools on the same
program (temporal specialization for phasecut), as ratios. Writes bench/results/commands.json.
CPU is the steadier number on a shared machine.
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

from ccsandbox.carried import payload, unpack
from ccsandbox.evaluate.study import ROWS

REPO = Path(__file__).resolve().parent.parent
CC_SANDBOX = str(Path(sys.executable).with_name("cc-sandbox"))
#: program: (its path under the work tree, the study's name for it, the phasecut transition)
PROGRAMS = {
    "ls": (PATHS["ls"], "ls", ["--at", "main:clear_files"]),
    "sqlite3": (PATHS["sqlite3"], "sqlite", ["--entry", "shell_exec"]),
    "redis-server": (PATHS["redis-server"], "redis", ["--entry", "aeMain"]),
}
#: source: (goal in seconds, the goal's name). A plain module is held to the bare-module goal too,
#: which opt-19 alone cannot meet on redis-server (1.33 s to parse its bitcode): why modules carry facts.
GOALS = {
    "facts": (0.5, "link facts"),
    "bare": (1.0, "bare module"),
    "plain": (1.0, "bare module"),
    "version": (0.15, "--version"),
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(argv: list[str], runs: int) -> tuple[float, float]:
    """Best wall and best CPU (user + system of the command and its children) of ``runs`` runs."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        started, cpu = time.monotonic(), _cpu()
        done = subprocess.run([CC_SANDBOX, *argv], capture_output=True, text=True)
        best, best_cpu = min(best, time.monotonic() - started), min(best_cpu, _cpu() - cpu)
        if done.returncode != 0:
            raise SystemExit(f"cc-sandbox {' '.join(argv)}: {done.stderr.strip()[-500:]}")
    return best, best_cpu


def _fastest_study_tool(program: str, kind: str) -> tuple[str, float] | None:
    times = [  # a tool that failed on the program (no blocked count) does not count
        (r.tool, s)
        for r in ROWS
        if r.kind == kind and (s := r.seconds.get(program)) is not None and r.blocked.get(program) is not None
    ]
    return min(times, key=lambda t: t[1]) if times else None


def _row(name: str, command: str, source: str, wall: float, cpu: float, study: str) -> dict[str, Any]:
    goal, goal_name = GOALS[source]
    kind = "temporal" if command == "phasecut" else "static"
    fastest = _fastest_study_tool(study, kind) if command in ("analyze", "explain", "phasecut") else None
    return {
        "program": name,
        "command": command,
        "from": source,
        "wall": round(wall, 3),
        "cpu": round(cpu, 3),
        "goal": goal,
        "goal_name": goal_name,
        "wall_over_goal": round(wall / goal, 2),
        "study_tool": fastest[0] if fastest else None,
        "study_seconds": fastest[1] if fastest else None,
        "wall_over_study": round(wall / fastest[1], 3) if fastest else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = args.work or real_work()
    rows = [_row("-", "--version", "version", *_time(["--version"], args.runs), "")]
    for name, (path, study, transition) in PROGRAMS.items():
        binary = work / path
        if not Path(f"{binary}.facts").is_file():
            print(f"{name}: {binary}.facts missing (build it: pytest -m real_programs), skipped", file=sys.stderr)
            continue
        commands = {
            "analyze": ["analyze"],
            "explain": ["explain", "{target}", "mmap"],
            "phasecut": ["phasecut", *transition],
            "inspect": ["inspect"],
            "export": ["export", "--format", "docker"],
        }
        with tempfile.TemporaryDirectory() as tmp:
            bare, plain = Path(tmp) / "bare" / f"{binary.name}.bc", Path(tmp) / "plain" / f"{binary.name}.bc"
            bare.parent.mkdir()
            plain.parent.mkdir()
            shutil.copy(f"{binary}.bc", bare)
            module = bare.read_bytes()
            plain.write_bytes(payload(module))
            if unpack(module).facts is None:
                print(
                    f"{name}: {binary}.bc carries no facts (an older link): its bare rows run the plugin",
                    file=sys.stderr,
                )
            for command, argv in commands.items():
                for source, target in (("facts", binary), ("bare", bare), ("plain", plain)):
                    if source != "facts" and command in ("inspect", "export"):
                        continue  # they read the binary's sections, not the module
                    if source == "plain" and command != "analyze":
                        continue  # the plugin path costs the same in every command: measured once
                    full = [a.format(target=target) for a in argv]
                    full = full if "{target}" in " ".join(argv) else [*full, str(target)]
                    rows.append(_row(name, command, source, *_time(full, args.runs), study))
    print(
        f"{'program':13} {'command':10} {'from':6} {'wall':>7} {'cpu':>7} {'goal':>18} {'/goal':>6} {'/study':>7}"
        "  study tool"
    )
    for r in rows:
        over = f"{r['wall_over_study']:.3f}" if r["wall_over_study"] is not None else "-"
        goal = f"{r['goal']:.2f} {r['goal_name']}"
        print(
            f"{r['program']:13} {r['command']:10} {r['from']:6} {r['wall']:7.3f} {r['cpu']:7.3f} "
            f"{goal:>18} {r['wall_over_goal']:6.2f} {over:>7}  {r['study_tool'] or ''}"
        )
    out = REPO / "bench" / "results" / "commands.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"format": "cc-sandbox-bench-commands", "version": 2, "runs": args.runs, "rows": rows}, indent=1)
        + "\n"
    )
    print(f"written: {out}")


if __name__ == "__main__":
    main()

"""Analysis speed and the cost of the in-link pass, side by side in one run.

For each program given (default: the three real programs, built by the tests' recipes: see
bench/realwork.py):

* facts: opt-19 + plugin on PROG.bc (standalone), the llvmlite reference extractor for scale;
* analysis: `cc-sandbox analyze` from the facts written at link time (the normal path), from
  the bare .bc (a copy without sidecar facts: it carries them) and from a plain one (its raw
  bitcode alone: the plugin runs);
* link: the program's final link through cc-sandbox-cc, without and with the in-link pass.

    .venv/bin/python bench/analysis.py [--runs N] [BINARY ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from realwork import PROGRAMS, real_work

from ccsandbox.carried import payload

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_WORK = real_work()
DEFAULTS = [
    *(DEFAULT_WORK / path for path in PROGRAMS.values()),
]


def timed(cmd: list[str], runs: int, env: dict[str, str] | None = None, cwd: str | None = None) -> float:
    """Median wall time of ``cmd`` over ``runs`` runs."""
    times = []
    for _ in range(runs):
        started = time.monotonic()
        subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def measure(binary: Path, runs: int) -> dict[str, object]:
    module = Path(f"{binary}.bc")
    plugin = REPO / "passes/build/CcSandboxFacts.so"
    env = dict(os.environ, CC_SANDBOX_FACTS_OUT=os.devnull)
    opt = ["opt-19", f"-load-pass-plugin={plugin}", "-passes=cc-sandbox-facts", "-disable-verify", "-disable-output"]
    row: dict[str, object] = {"program": binary.name, "module_mb": round(module.stat().st_size / 1e6, 2)}
    row["facts_opt_s"] = round(timed([*opt, str(module)], runs, env), 3)
    row["facts_llvmlite_s"] = round(
        timed(
            [
                str(BIN / "python"),
                "-c",
                f"from ccsandbox.facts.llvmlite_extract import extract_facts; from pathlib import Path; "
                f"extract_facts(Path({str(module)!r}))",
            ],
            1,
        ),
        2,
    )
    row["analyze_with_link_facts_s"] = round(timed([str(BIN / "cc-sandbox"), "analyze", str(binary)], runs), 3)
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / module.name
        shutil.copy(module, bare)
        row["analyze_bare_bc_s"] = round(timed([str(BIN / "cc-sandbox"), "analyze", str(bare)], runs), 3)
        bare.write_bytes(payload(bare.read_bytes()))
        row["analyze_plain_bc_s"] = round(timed([str(BIN / "cc-sandbox"), "analyze", str(bare)], runs), 3)
    manifest = json.loads(Path(f"{binary}.link.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        argv = list(manifest["argv"])
        argv[-1] = str(Path(tmp) / binary.name)  # link into a scratch output
        link = [str(BIN / "cc-sandbox-cc"), *argv]
        plain = timed(link, runs, dict(os.environ, CC_SANDBOX_NO_PLUGIN="1"), manifest["cwd"])
        with_pass = timed(link, runs, None, manifest["cwd"])
    row |= {
        "link_s": round(plain, 2),
        "link_with_pass_s": round(with_pass, 2),
        "pass_overhead_pct": round(100 * (with_pass - plain) / plain, 1),
    }
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("binaries", nargs="*", type=Path, default=DEFAULTS)
    args = parser.parse_args()
    rows = [measure(b, args.runs) for b in args.binaries if Path(f"{b}.bc").is_file()]
    if not rows:
        sys.exit("no built programs found; build them with examples/real/*/build.sh first")
    keys = list(rows[0])
    print("  ".join(f"{k:>14}" for k in keys))
    for row in rows:
        print("  ".join(f"{row[k]!s:>14}" for k in keys))
    out = REPO / "bench/results/analysis.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()

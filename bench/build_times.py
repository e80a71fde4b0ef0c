"""Build-time cost of cc-sandbox against a plain clang-19 + musl full-LTO build, side by side.

For each real program the same recipe (examples/real/<name>/build.sh) runs twice from a fresh
copy of the source: once through cc-sandbox, once through bench/plain-cc-sandbox (a bare
clang-19 + musl LTO driver). Prints one table of wall times, ratios and module sizes and writes
bench/results/build_times.json.

    .venv/bin/python bench/build_times.py [--work DIR] [sqlite3 redis coreutils-ls]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROGRAMS = ["sqlite3", "redis", "coreutils-ls"]


def _timed_build(name: str, work: Path, cc_sandbox: str, source_cache: Path) -> tuple[float, Path]:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copytree(source_cache / "src", work / "src", symlinks=True)
    env = dict(os.environ, CC_SANDBOX=cc_sandbox, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    started = time.monotonic()
    done = subprocess.run(
        [str(REPO / "examples/real" / name / "build.sh"), str(work)], env=env, capture_output=True, text=True
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{name} with {cc_sandbox} failed:\n{done.stderr[-2000:]}")
    return seconds, Path(done.stdout.strip().splitlines()[-1])


def _fetch_sources(name: str, cache: Path) -> None:
    """Fetch each source once (apt-get source) so neither build pays for the download."""
    if not (cache / "src").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        script = REPO / "examples/real/lib.sh"
        pkg, version = {
            "sqlite3": ("sqlite3", "3.40.1"),
            "redis": ("redis", "7.0.15"),
            "coreutils-ls": ("coreutils", "9.1"),
        }[name]
        subprocess.run(
            ["sh", "-c", f'. "{script}"; fetch_source {pkg} {version} "{cache}"'], check=True, stdout=subprocess.DEVNULL
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/cc-sandbox-bench"))
    parser.add_argument("programs", nargs="*", default=PROGRAMS)
    args = parser.parse_args()
    cc_sandbox = str(Path(sys.executable).parent / "cc-sandbox")
    plain = str(REPO / "bench/plain-cc-sandbox")
    sysroot = json.loads(
        subprocess.run([cc_sandbox, "sysroot", "--check", "--json"], capture_output=True, text=True, check=True).stdout
    )
    os.environ["CC_SANDBOX_SYSROOT"] = sysroot["path"]
    rows = []
    for name in args.programs:
        cache = args.work / "sources" / name
        _fetch_sources(name, cache)
        plain_s, _ = _timed_build(name, args.work / "plain" / name, plain, cache)
        ours_s, binary = _timed_build(name, args.work / "cc-sandbox" / name, cc_sandbox, cache)
        manifest = json.loads(Path(f"{binary}.link.json").read_text())
        rows.append(
            {
                "program": name,
                "plain_s": round(plain_s, 1),
                "cc_sandbox_s": round(ours_s, 1),
                "ratio": round(ours_s / plain_s, 3),
                "final_link_s": manifest["link_seconds"],
                "binary_mb": round(binary.stat().st_size / 1e6, 2),
                "module_mb": round(Path(f"{binary}.bc").stat().st_size / 1e6, 2),
            }
        )
        print(f"{name}: plain {plain_s:.1f} s, cc-sandbox {ours_s:.1f} s", file=sys.stderr)
    print(f"musl sysroot build: {sysroot['build_seconds']} s (same recipe either way)")
    header = ("program", "plain s", "cc-sandbox s", "ratio", "final link s", "binary MB", "module MB")
    print(f"{header[0]:14} " + " ".join(f"{h:>13}" for h in header[1:]))
    for r in rows:
        values = (r["plain_s"], r["cc_sandbox_s"], r["ratio"], r["final_link_s"], r["binary_mb"], r["module_mb"])
        print(f"{r['program']:14} " + " ".join(f"{v:>13}" for v in values))
    out = REPO / "bench/results/build_times.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"musl_sysroot_s": sysroot["build_seconds"], "programs": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()

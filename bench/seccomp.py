"""Runtime cost of the embedded filter, side by side in one run.

* ns per getppid(): no filter; cc-sandbox's embedded filter; libseccomp's binary-tree filter
  (OPTIMIZE=2) for the same allowlist (plus execve, which loading it before exec needs);
* microseconds to install the embedded filter (seccomp() with TSYNC), the start-up cost;
* ns per getppid(VALUE) under a filter where getppid is allowed by number only (the kernel's
  constant-action cache answers), and where it is allowed only for argument values: a set of 8
  32-bit values (the last one passed: the longest path), and one 64-bit value (both halves);
  the same three rules as cc-sandbox compiles them and as libseccomp (OPTIMIZE=2) does, both
  installed by the same loader;
* the link-time cost of embedding on a built program (default: redis-server from the tests' trees, bench/realwork.py):
  the same link with --no-sandbox and with the sandbox, medians of --runs.

    .venv/bin/python bench/seccomp.py [--calls N] [--runs N] [--link BINARY]
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
from collections.abc import Callable
from pathlib import Path

from realwork import program

from ccsandbox.bpf.args import ArgCmp, ArgRule
from ccsandbox.bpf.compile import Action, build_filter
from ccsandbox.bpf.insn import pack
from ccsandbox.bpf.libseccomp import libseccomp_filter

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GETPPID = 110


def _build(work: Path, *options: str) -> Path:
    work.mkdir(parents=True)
    shutil.copy(REPO / "bench/seccomp_cost.c", work)
    (work / "Makefile").write_text("seccomp_cost: seccomp_cost.c\n\t$(CC) -O2 -o $@ $<\n")
    subprocess.run(
        [str(BIN / "cc-sandbox"), "make", "-s", *options, "-C", str(work)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return work / "seccomp_cost"


def _libseccomp_loader(allowed: list[int]) -> Callable[[], None]:
    import pyseccomp as seccomp

    def load() -> None:
        f = seccomp.SyscallFilter(defaction=seccomp.KILL_PROCESS)
        f.set_attr(seccomp.Attr.CTL_OPTIMIZE, 2)
        for nr in sorted(set(allowed) | {59}):
            f.add_rule(seccomp.ALLOW, nr)
        f.load()

    return load


#: getppid's argument rules: (name, rule, the value passed); getppid ignores its argument, so
#: the rows differ only by what the filter does.
ARG_CASES: tuple[tuple[str, ArgRule | None, int], ...] = (
    ("args_free", None, 0),
    ("args_set8", tuple((ArgCmp.eq(0, 0x5400 + i, 32),) for i in range(8)), 0x5407),
    ("args_eq64", ((ArgCmp.eq(0, 0x1_0000_0007),),), 0x1_0000_0007),
)


def _libseccomp_blob(allowed: list[int], rules: dict[int, ArgRule], path: Path) -> Path:
    path.write_bytes(pack(libseccomp_filter(allowed, rules)))
    return path


def _arg_rows(plain: Path, allowed: list[int], tmp: Path, calls: int, runs: int) -> dict[str, float]:
    rows: dict[str, float] = {}
    with_getppid = sorted(set(allowed) | {GETPPID})
    for name, rule, value in ARG_CASES:
        rules: dict[int, ArgRule] = {GETPPID: rule} if rule else {}
        ours = tmp / f"{name}.bpf"
        ours.write_bytes(pack(build_filter(set(with_getppid), Action("kill"), args=rules)))
        theirs = _libseccomp_blob(with_getppid, rules, tmp / f"{name}.libseccomp.bpf")
        for who, blob in (("cc_sandbox", ours), ("libseccomp", theirs)):
            rows[f"{who}_{name}_ns"] = _median([str(plain), "filterloop", str(blob), str(calls), hex(value)], runs)
    return rows


def _median(cmd: list[str], runs: int, preexec: Callable[[], None] | None = None) -> float:
    # close_fds=False: subprocess would otherwise close descriptors (close_range) after
    # preexec_fn has loaded the libseccomp filter, which that allowlist does not allow
    return statistics.median(
        float(
            subprocess.run(
                cmd, capture_output=True, text=True, check=True, preexec_fn=preexec, close_fds=preexec is None
            ).stdout
        )
        for _ in range(runs)
    )


def _link_overhead(binary: Path, runs: int) -> tuple[float, float]:
    manifest = json.loads(Path(f"{binary}.link.json").read_text())
    times: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        argv = [*manifest["argv"][:-1], str(Path(tmp) / binary.name)]
        for _ in range(runs):
            for sandbox in (False, True):
                env = dict(os.environ, CC_SANDBOX_OPTIONS="" if sandbox else "--no-sandbox")
                started = time.monotonic()
                subprocess.run(
                    [str(BIN / "cc-sandbox-cc"), *argv],
                    env=env,
                    cwd=manifest["cwd"],
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                times[sandbox].append(time.monotonic() - started)
    return statistics.median(times[False]), statistics.median(times[True])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--link", type=Path, default=program("redis-server"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain = _build(Path(tmp) / "plain", "--no-sandbox")
        ours = _build(Path(tmp) / "ours")
        allowed = [e["nr"] for e in json.loads(Path(f"{plain}.policy.json").read_text())["allowed"]]
        loop = ["loop", str(args.calls)]
        row = {
            "allowed": len(allowed),
            "filter_insns": json.loads(Path(f"{ours}.policy.json").read_text())["enforcement"]["instructions"],
            "no_filter_ns": _median([str(plain), *loop], args.runs),
            "cc_sandbox_ns": _median([str(ours), *loop], args.runs),
            "libseccomp_tree_ns": _median([str(plain), *loop], args.runs, _libseccomp_loader(allowed)),
        }
        blob = Path(tmp) / "filter.bpf"
        subprocess.run([str(BIN / "cc-sandbox"), "export", str(ours), "--format", "bpf", "-o", str(blob)], check=True)
        row["install_us"] = _median([str(plain), "install", str(blob), "50"], args.runs)
        row |= _arg_rows(plain, allowed, Path(tmp), args.calls, args.runs)
    if Path(f"{args.link}.link.json").is_file():
        without, with_sandbox = _link_overhead(args.link, max(1, args.runs // 2))
        row |= {
            "link_no_sandbox_s": round(without, 2),
            "link_sandbox_s": round(with_sandbox, 2),
            "embedding_overhead_pct": round(100 * (with_sandbox - without) / without, 1),
        }
    width = max(len(k) for k in row)
    for key, value in row.items():
        print(f"{key:<{width}}  {value}")
    out = REPO / "bench/results/seccomp.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()

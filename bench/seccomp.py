"""Runtime cost of the embedded filter, side by side in one run.

* ns per getppid(), medians of --runs runs of --calls calls, the configurations taken in turn:
  no filter; the allow-all filter that checks the arch (the floor: any filter moves syscalls to
  the kernel's slower entry path, so a cached call can cost no less); cc-sandbox's embedded filter
  (getppid answered from the kernel's action cache); the layout before the interval dispatch and
  libseccomp's binary tree (OPTIMIZE=2) for the same allowlist, both loaded by the same loader;
* the argument tiers: getppid(VALUE) allowed by number only (cached), by a set of 8 32-bit
  values (the last one passed: the longest path), and by one 64-bit value (both halves), as
  cc-sandbox compiles the rule and as libseccomp does;
* the tiers of a reachable call (issue 21): getppid answered with SECCOMP_RET_LOG (it runs, and
  the kernel writes an audit record) and with ERRNO(EPERM), every other call as the build's
  filter; and how many of 100,000 logged calls the kernel log keeps (read back as `cc-sandbox
  audit` reads it: without auditd, printk_ratelimit lets 10 records through per 5 s);
* the first install in a fresh process, median of --installs processes, for the floor, the layout
  before, ours and libseccomp's, for this program's policy and for redis-server's, with the
  kernel model's count of instructions walked and a fit of the cost per instruction and per
  instruction walked (bench/seccomp_install.py);
* the link-time cost of embedding on a built program (default: redis-server from the tests'
  trees, bench/realwork.py): the same link with --no-sandbox and with the sandbox, medians of
  --runs // 2; the link's output goes to a temporary directory, the kept tree is not touched.

    .venv/bin/python bench/seccomp.py [--calls N] [--runs N] [--installs N] [--link BINARY]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from realwork import program
from seccomp_install import CALIBRATION, FLOOR, filters, first_installs, fit, policy_inputs, stacked_installs

from ccsandbox.audit.records import parse_records
from ccsandbox.audit.sources import collect
from ccsandbox.bpf.args import ArgCmp, ArgRule
from ccsandbox.bpf.compile import build_filter
from ccsandbox.bpf.insn import RET_ERRNO, RET_LOG, Insn, pack
from ccsandbox.bpf.libseccomp import libseccomp_filter
from ccsandbox.errors import AuditError

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


#: getppid's argument rules: (name, rule, the value passed); getppid ignores its argument, so
#: the rows differ only by what the filter does.
ARG_CASES: tuple[tuple[str, ArgRule | None, int], ...] = (
    ("args_free", None, 0),
    ("args_set8", tuple((ArgCmp.eq(0, 0x5400 + i, 32),) for i in range(8)), 0x5407),
    ("args_eq64", ((ArgCmp.eq(0, 0x1_0000_0007),),), 0x1_0000_0007),
)


#: The tiers of a reachable call (issue 21): allowed (cached), logged (SECCOMP_RET_LOG: it runs,
#: and the kernel writes an audit record), refused with EPERM.
TIERS = (("tier_log", RET_LOG), ("tier_errno", RET_ERRNO | 1))
FLOOD_CALLS = 100_000


def _blob(tmp: Path, name: str, insns: list[Insn]) -> str:
    path = tmp / f"{name}.bpf"
    path.write_bytes(pack(insns))
    return str(path)


def _per_call(
    plain: Path, ours: Path, programs: dict[str, list[Insn]], tmp: Path, calls: int, runs: int
) -> dict[str, float]:
    """ns per getppid() in each configuration, medians of ``runs`` taken in turn."""
    allowed, action, special, _ = policy_inputs(Path(f"{ours}.policy.json"))
    n = str(calls)
    commands = {
        "no_filter": [str(plain), "loop", n],
        "allow_all_floor": [str(plain), "filterloop", _blob(tmp, "floor", FLOOR), n, "0"],
        "cc_sandbox": [str(ours), "loop", n],
        "cc_sandbox_before": [str(plain), "filterloop", _blob(tmp, "before", programs["before"]), n, "0"],
        "libseccomp_tree": [str(plain), "filterloop", _blob(tmp, "libseccomp", programs["libseccomp"]), n, "0"],
    }
    for name, ret in TIERS:  # getppid answered by the tier; every other call as the build's filter
        blob = _blob(tmp, name, build_filter(allowed, action, {**special, GETPPID: ret}, {}))
        commands[f"cc_sandbox_{name}"] = [str(plain), "filterloop", blob, n, "0"]
    with_getppid = allowed | {GETPPID}
    for name, rule, value in ARG_CASES:
        rules: dict[int, ArgRule] = {GETPPID: rule} if rule else {}
        ours_blob = _blob(tmp, f"{name}-ours", build_filter(with_getppid, action, special, rules))
        theirs_blob = _blob(tmp, f"{name}-libseccomp", libseccomp_filter(with_getppid | set(special), rules))
        commands[f"cc_sandbox_{name}"] = [str(plain), "filterloop", ours_blob, n, hex(value)]
        commands[f"libseccomp_{name}"] = [str(plain), "filterloop", theirs_blob, n, hex(value)]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(float(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout))
    return {name: round(statistics.median(values), 1) for name, values in times.items()}


def _log_flood(plain: Path, ours: Path, tmp: Path) -> dict[str, Any]:
    """How many of FLOOD_CALLS logged calls the kernel log keeps: without auditd, records go
    through printk_ratelimit (10 per 5 s by default), and the rest are lost."""
    allowed, action, special, _ = policy_inputs(Path(f"{ours}.policy.json"))
    blob = _blob(tmp, "flood", build_filter(allowed, action, {**special, GETPPID: RET_LOG}, {}))
    time.sleep(5.5)  # the log tier's rows above used up the rate limit's window: start a new one
    started = time.time() - 1
    proc = subprocess.run([str(plain), "filterloop", blob, str(FLOOD_CALLS), "0"], capture_output=True, text=True)
    time.sleep(0.5)
    try:
        lines = collect().lines
    except AuditError as err:
        return {"calls": FLOOD_CALLS, "records": None, "why": str(err)}
    exe = str(plain.resolve())
    kept = [
        r
        for r in parse_records(lines)
        if r.exe == exe and r.syscall == GETPPID and r.action == "log" and r.time >= started
    ]
    return {"calls": FLOOD_CALLS, "records": len({r.key for r in kept}), "exit": proc.returncode}


def _installs(
    plain: Path, ours: Path, redis: Path, runs: int, tmp: Path
) -> tuple[dict[str, Any], dict[str, list[Insn]]]:
    """First-install rows for ``ours``' policy, redis-server's (when built) and the
    calibrations, and the fit over all of them; ``plain`` installs each."""
    mine = filters(Path(f"{ours}.policy.json"))
    programs = dict(CALIBRATION) | mine
    if redis.is_file():
        programs |= {f"redis_{name}": insns for name, insns in filters(redis).items() if name != "floor"}
    rows = first_installs(plain, programs, runs, tmp)
    groups: dict[str, Any] = {
        "seccomp_cost": {name: rows[name] for name in mine},
        "calibration": {name: rows[name] for name in CALIBRATION},
    }
    if redis.is_file():
        groups["redis-server"] = {"floor": rows["floor"]} | {
            name[len("redis_") :]: row for name, row in rows.items() if name.startswith("redis_")
        }
    groups["fit"] = fit(list(rows.values()))
    stacked = {name: mine[name] for name in ("floor", "before", "cc_sandbox")}
    groups["stacked50_us"] = stacked_installs(plain, stacked, max(5, runs // 40), tmp)
    return groups, mine


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


def _report(row: dict[str, Any]) -> None:
    calls = row["per_call_ns"]
    print(f"per call, ns (median of {row['runs']} runs of {row['calls']} getppid):")
    for key in (
        "no_filter",
        "allow_all_floor",
        "cc_sandbox",
        "cc_sandbox_before",
        "libseccomp_tree",
        "cc_sandbox_tier_log",
        "cc_sandbox_tier_errno",
    ):
        print(f"  {key:<20} {calls[key]:>7}")
    print(f"  {'argument tier':<20} {'ours':>7} {'libseccomp':>11}")
    for name, _, _ in ARG_CASES:
        print(f"  {name:<20} {calls['cc_sandbox_' + name]:>7} {calls['libseccomp_' + name]:>11}")
    print(f"first install in a fresh process, us (median of {row['installs']}), instructions, model steps:")
    for group in ("seccomp_cost", "redis-server", "calibration"):
        for name, r in row["install"].get(group, {}).items():
            print(f"  {group:<13} {name:<13} {r['us']:>7} {r['insns']:>5} {r['steps']:>6}")
    print(f"  fit: {row['install']['fit']}")
    print(f"logged calls kept by the kernel log: {row['log_flood']}")
    print(f"  50 stacked installs in one process, us each: {row['install']['stacked50_us']}")
    for key in ("link_no_sandbox_s", "link_sandbox_s", "embedding_overhead_pct"):
        if key in row:
            print(f"  {key:<20} {row[key]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--installs", type=int, default=200)
    parser.add_argument("--link", type=Path, default=program("redis-server"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain = _build(Path(tmp) / "plain", "--no-sandbox")
        ours = _build(Path(tmp) / "ours")
        policy = json.loads(Path(f"{ours}.policy.json").read_text())
        redis = Path(f"{program('redis-server')}.policy.json")
        install, programs = _installs(plain, ours, redis, args.installs, Path(tmp))
        embedded = policy["enforcement"]["filter_sha256"]
        assert hashlib.sha256(pack(programs["cc_sandbox"])).hexdigest() == embedded, "not the filter the link embedded"
        row: dict[str, Any] = {
            "allowed": len(policy["enforcement"]["allowed"]),
            "filter_insns": policy["enforcement"]["instructions"],
            "calls": args.calls,
            "runs": args.runs,
            "installs": args.installs,
            "per_call_ns": _per_call(plain, ours, programs, Path(tmp), args.calls, args.runs),
            "install": install,
            "log_flood": _log_flood(plain, ours, Path(tmp)),
        }
    if Path(f"{args.link}.link.json").is_file():
        without, with_sandbox = _link_overhead(args.link, max(1, args.runs // 2))
        row |= {
            "link_no_sandbox_s": round(without, 2),
            "link_sandbox_s": round(with_sandbox, 2),
            "embedding_overhead_pct": round(100 * (with_sandbox - without) / without, 1),
        }
    _report(row)
    out = REPO / "bench/results/seccomp.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()

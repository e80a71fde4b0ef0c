"""What installing a filter costs, for bench/seccomp.py: the first install in a fresh process
(what a program pays at start-up), median of many processes, next to the kernel model's count of
instructions walked (ccsandbox/bpf/cache.py), for:

* ``one_insn``: ``ret ALLOW``, the fixed cost of any install;
* ``floor``: ``ld arch; jeq x86_64; ret KILL; ret ALLOW``, the least a sound filter can be (it must
  check the arch: the kernel then walks 3 instructions for each of the 470 native and 470 i386
  numbers);
* ``before``: the layout before the interval dispatch (tests/unit/bpf_layout_before.py) for the
  same policy, ``cc_sandbox``: the layout now, ``libseccomp``: libseccomp's tree (OPTIMIZE=2);
* two calibrations: ``floor_pad200`` (the floor and 200 instructions never reached: instructions
  without walking) and ``chain64`` (64 ``jeq`` every number walks, no arch check: walking
  without instructions).

A least-squares fit over all of them gives the cost per instruction and per instruction walked.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import numpy as np

from ccsandbox.bpf import insn as bpf
from ccsandbox.bpf.args import ArgCmp, ArgRule
from ccsandbox.bpf.cache import install
from ccsandbox.bpf.compile import Action, build_filter
from ccsandbox.bpf.insn import Insn, pack
from ccsandbox.bpf.libseccomp import libseccomp_filter
from ccsandbox.syscalls import SYSCALL_NUMBERS

REPO = Path(__file__).resolve().parent.parent
FLOOR = [bpf.load(bpf.OFFSET_ARCH), bpf.jump(bpf.JEQ, bpf.AUDIT_ARCH_X86_64, 1, 0)]
FLOOR += [bpf.ret(bpf.RET_KILL_PROCESS), bpf.ret(bpf.RET_ALLOW)]
CALIBRATION = {
    "one_insn": [bpf.ret(bpf.RET_ALLOW)],
    "floor_pad200": FLOOR + [bpf.ret(bpf.RET_ALLOW)] * 200,
    "chain64": [
        bpf.load(bpf.OFFSET_NR),
        *(bpf.jump(bpf.JEQ, 1000 + i, 0, 0) for i in range(64)),
        bpf.ret(bpf.RET_ALLOW),
    ],
}

Builder = Callable[..., list[Insn]]
Inputs = tuple[set[int], Action, dict[int, int], dict[int, ArgRule]]


def layout_before() -> Builder:
    """``build_filter`` of the layout before, frozen in the tests as their oracle."""
    path = REPO / "tests/unit/bpf_layout_before.py"
    spec = importlib.util.spec_from_file_location("bpf_layout_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cast(Builder, module.build_filter)


def policy_inputs(policy: Path) -> Inputs:
    """What the link gave ``build_filter`` for a program's first filter, read back from its
    policy (checked against the filter's recorded digest by :func:`filters`)."""
    doc = json.loads(policy.read_text())
    enforcement = doc["enforcement"]
    everything = {entry["name"] for entry in doc["allowed"]}
    allowed = {SYSCALL_NUMBERS[name] for name in enforcement["allowed"]}
    special = {}
    if enforcement["exec"] == "block":
        special = {SYSCALL_NUMBERS[n]: bpf.RET_ERRNO | 1 for n in ("execve", "execveat") if n in everything}
    rules: dict[int, ArgRule] = {
        c["nr"]: tuple(tuple(ArgCmp(a["index"], a["mask"], a["value"]) for a in alt) for alt in c["alternatives"])
        for c in (enforcement.get("constraints") or {}).get("constraints", [])
    }
    action = (
        Action("errno", enforcement["errno"]) if enforcement["action"] == "errno" else Action(enforcement["action"])
    )
    return allowed, action, special, rules


def filters(policy: Path) -> dict[str, list[Insn]]:
    """The floor, the layout before, ours and libseccomp's for ``policy``'s first filter; the
    filter the link recorded must be one of the two layouts' (else the inputs were misread)."""
    allowed, action, special, rules = policy_inputs(policy)
    ours = build_filter(allowed, action, special, rules)
    before = layout_before()(allowed, action, special, rules)
    recorded = json.loads(policy.read_text())["enforcement"]["filter_sha256"]
    if recorded not in {hashlib.sha256(pack(p)).hexdigest() for p in (ours, before)}:
        raise SystemExit(f"{policy}: its filter is neither layout's for the inputs read back from it")
    return {
        "floor": FLOOR,
        "before": before,
        "cc_sandbox": ours,
        "libseccomp": libseccomp_filter(allowed | set(special), rules),
    }


def first_installs(plain: Path, programs: dict[str, list[Insn]], runs: int, tmp: Path) -> dict[str, dict[str, Any]]:
    """Per filter: instructions, the model's walk (native + i386) and the median microseconds of
    one install in a fresh process, over ``runs`` processes taken in turn across the filters."""
    blobs = {}
    for name, program in programs.items():
        blobs[name] = tmp / f"install-{name}.bpf"
        blobs[name].write_bytes(pack(program))
    times: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(runs):
        for name, blob in blobs.items():
            out = subprocess.run([str(plain), "install", str(blob), "1"], capture_output=True, text=True, check=True)
            times[name].append(float(out.stdout))
    rows = {}
    for name, program in programs.items():
        cache = install(program)
        rows[name] = {
            "insns": len(program),
            "steps": cache.steps,
            "native_steps": cache.native_steps,
            "us": round(statistics.median(times[name]), 2),
        }
    return rows


def stacked_installs(plain: Path, programs: dict[str, list[Insn]], runs: int, tmp: Path) -> dict[str, float]:
    """The old row, for comparison: microseconds per install of 50 filters stacked in one
    process (after the first, the kernel emulates only what the filter below still caches:
    mostly re-installs), median of ``runs``."""
    times: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(runs):
        for name, program in programs.items():
            blob = tmp / f"stacked-{name}.bpf"
            blob.write_bytes(pack(program))
            out = subprocess.run([str(plain), "install", str(blob), "50"], capture_output=True, text=True, check=True)
            times[name].append(float(out.stdout))
    return {name: round(statistics.median(values), 2) for name, values in times.items()}


def fit(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Least squares ``us = fixed + per_insn * insns + per_step * steps`` over ``rows``."""
    a = np.array([[1.0, r["insns"], r["steps"]] for r in rows])
    b = np.array([r["us"] for r in rows])
    (fixed, per_insn, per_step), *_ = np.linalg.lstsq(a, b, rcond=None)
    return {
        "fixed_us": round(float(fixed), 2),
        "us_per_insn": round(float(per_insn), 3),
        "ns_per_step": round(float(per_step) * 1000, 2),
    }

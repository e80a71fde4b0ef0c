"""The evaluation's steps for one program, each timed, each failure recorded rather than fatal:
build, static analysis, phasecut, tracing (one phase, and with the
transition point), the workload under the embedded kill-mode filter, and the comparisons.

The result is a plain dict (the ``programs`` entries of results.json); every set it reports is
also written under ``DIR/<program>/`` (policy, phasecut and trace documents) so the report can be
checked against what it was made from.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..embed.source import read_policy_source
from ..errors import CcSandboxError
from ..pipeline import policy_for_target
from ..syscalls import SYSCALL_NAMES
from ..trace.compare import compare_sets
from ..trace.workload import load_workload, run_workload, run_workload_plain
from .build import build
from .subjects import Subject

__all__ = ["Progress", "evaluate_program"]

Progress = Callable[[str, str], None]  # (program, step)


def _write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=1) + "\n")


def _counts(names: set[str]) -> dict[str, Any]:
    size = len(SYSCALL_NAMES)
    return {"allowed_count": len(names), "blocked_count": size - len(names & set(SYSCALL_NAMES.values()))}


class _Steps:
    """Runs steps, timing them and recording failures (one line each, naming the log)."""

    def __init__(self, result: dict[str, Any], progress: Progress, name: str) -> None:
        self.result, self.progress, self.name = result, progress, name

    def run(self, step: str, label: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        self.progress(self.name, label)
        started = time.monotonic()
        try:
            outcome = action()
        except CcSandboxError as err:
            self.result["steps"][step] = {"error": str(err), "seconds": round(time.monotonic() - started, 2)}
            self.result["missing"].append(f"{step}: {err}")
            return None
        outcome.setdefault("seconds", round(time.monotonic() - started, 3))
        self.result["steps"][step] = outcome
        return outcome


def evaluate_program(subject: Subject, out: Path, work: Path, toolchain: str, progress: Progress) -> dict[str, Any]:
    """Every step for ``subject``; artefacts under ``out/<name>/``."""
    here = out / subject.name
    here.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "name": subject.name,
        "version": subject.version,
        "study": subject.study,
        "transition": {
            "static": subject.static_transition,
            "trace": subject.trace_point,
            "note": subject.point_note,
        },
        "steps": {},
        "missing": [],
        "artifacts": {},
    }
    steps = _Steps(result, progress, subject.name)
    built = steps.run("build", "building", lambda: _build(subject, work, out / "logs", toolchain))
    if built is None:
        return result
    binary = Path(built["binary"])
    result["binary"] = str(binary)
    static = steps.run("analysis", "static analysis", lambda: _analyze(binary, here / "static.policy.json"))
    if static is not None:
        result["artifacts"]["policy"] = f"{subject.name}/static.policy.json"
        result["static"] = {
            "allowed": static.pop("allowed"),
            **static.pop("counts"),
            "not_in_embedded_filter": static.pop("not_in_embedded_filter"),
            "only_in_embedded_filter": static.pop("only_in_embedded_filter"),
        }
    if subject.study and not subject.static_transition:  # a known gap, not a failure
        result["missing"].append(f"phases: {subject.point_note}")
    if subject.static_transition:
        cut = steps.run(
            "phasecut",
            f"phasecut at {subject.static_transition}",
            lambda: _phasecut(binary, subject.static_transition or "", here / "phasecut.json", out / "logs"),
        )
        if cut is not None:
            result["artifacts"]["phasecut"] = f"{subject.name}/phasecut.json"
    workload = load_workload(subject.workload)
    traced = steps.run(
        "trace",
        "tracing the workload (one phase)",
        lambda: _trace(workload, binary, here / "trace.json", None, out / "logs" / f"{subject.name}-trace.log"),
    )
    if traced is not None:
        result["artifacts"]["trace"] = f"{subject.name}/trace.json"
    if subject.trace_point:
        phased = steps.run(
            "trace_phases",
            f"tracing the workload (phases at {subject.trace_point})",
            lambda: _trace(
                workload,
                binary,
                here / "trace-phases.json",
                subject.trace_point,
                out / "logs" / f"{subject.name}-trace-phases.log",
            ),
        )
        if phased is not None:
            result["artifacts"]["trace_phases"] = f"{subject.name}/trace-phases.json"
    steps.run(
        "filters",
        "the workload under the embedded filter",
        lambda: _plain(workload, binary, out / "logs" / f"{subject.name}-filters.log"),
    )
    _compare(result, binary, out)
    return result


def _build(subject: Subject, work: Path, logs: Path, toolchain: str) -> dict[str, Any]:
    built = build(subject, work / subject.name if subject.example else work, logs, toolchain)
    return {
        "binary": str(built.binary),
        "seconds": round(built.seconds, 2),
        "cached": built.cached,
        "log": str(built.log),
    }


def _analyze(binary: Path, output: Path) -> dict[str, Any]:
    started = time.monotonic()
    result = policy_for_target(binary)  # as the build's filter for supported kernels
    seconds = time.monotonic() - started
    document = result.document()
    _write(output, document)
    names = {e["name"] for e in document["allowed"]}
    embedded = set(read_policy_source(binary).allowed)
    return {
        "seconds": round(seconds, 3),
        "allowed": sorted(names),
        "counts": _counts(names),
        "not_in_embedded_filter": sorted(names - embedded),  # e.g. execve under --exec block (fails with EPERM)
        "only_in_embedded_filter": sorted(embedded - names),
        "allow_all": document["allow_all"],
    }


def _cc_sandbox() -> str:
    beside = Path(sys.executable).parent / "cc-sandbox"
    return str(beside) if beside.is_file() else shutil.which("cc-sandbox") or "cc-sandbox"


def _phasecut(binary: Path, transition: str, output: Path, logs: Path) -> dict[str, Any]:
    flag = "--at" if ":" in transition else "--entry"
    started = time.monotonic()
    done = subprocess.run(
        [_cc_sandbox(), "phasecut", "--json", str(binary), flag, transition], capture_output=True, text=True
    )
    seconds = time.monotonic() - started
    log = logs / f"{binary.name}-phasecut.log"
    log.write_text(done.stderr)
    if done.returncode != 0:
        line = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise CcSandboxError(f"phasecut failed ({line}); log: {log}")
    document = json.loads(done.stdout)
    _write(output, document)
    return {"seconds": round(seconds, 2), "analysis_seconds": document.get("analysis_seconds")}


def _trace(workload: dict[str, Any], binary: Path, output: Path, point: str | None, log: Path) -> dict[str, Any]:
    started = time.monotonic()
    with open(log, "w") as stream:
        try:
            merged = run_workload(
                workload, binary, lambda line: print(line, file=stream, flush=True), phase_at=[point] if point else None
            )
        except CcSandboxError as err:
            print(f"error: {err}", file=stream)
            raise CcSandboxError(f"{err}; log: {log}") from None
    seconds = time.monotonic() - started
    _write(output, merged)
    return {"seconds": round(seconds, 2), "runs": merged["runs"], "traced_seconds": merged["seconds"]}


def _plain(workload: dict[str, Any], binary: Path, log: Path) -> dict[str, Any]:
    """Kills are the finding (counted); a run that ends otherwise than its case expects failed."""
    runs = run_workload_plain(workload, binary)
    log.write_text("".join(f"{r['name']}: exit {r['status']}\n{r.get('stderr', '')}\n" for r in runs))
    killed = [r for r in runs if r["status"] == -signal.SIGSYS]
    failed = [r for r in runs if r not in killed and r.get("expected") is not None and r["status"] != r["expected"]]
    if failed:
        first = failed[0]
        raise CcSandboxError(
            f"run {first['name']!r} exited {first['status']}, expected {first['expected']} "
            f"({len(failed)} failed); log: {log}"
        )
    for r in runs:
        r.pop("stderr", None)
    return {"runs": len(runs), "kills": len(killed), "killed": [r["name"] for r in killed], "statuses": runs}


def _phase_sets(record: dict[str, Any]) -> list[set[str]]:
    """Per traced phase, the cumulative set without the calls made only before the filter."""
    only_before = set(record.get("before_filter", [])) - set(record.get("syscalls", []))
    return [set(p["cumulative"]) - only_before for p in record.get("phases", [])]


def _compare(result: dict[str, Any], binary: Path, out: Path) -> None:
    """The set differences, whole program and per phase: traced - static must be empty."""
    static = set(result.get("static", {}).get("allowed", []))
    artifacts = result["artifacts"]
    if "policy" not in artifacts or "trace" not in artifacts:
        return
    trace = json.loads((out / artifacts["trace"]).read_text())
    comparison = compare_sets(binary.name, static, [trace], {})
    result["traced"] = {"syscalls": sorted(comparison.dynamic), **_counts(set(comparison.dynamic))}
    result["before_filter"] = sorted(comparison.before_filter)
    result["unsound"] = comparison.unsound
    result["over_approximation"] = comparison.over_approximation
    phases: dict[str, Any] = {}
    if "phasecut" in artifacts:
        cut = json.loads((out / artifacts["phasecut"]).read_text())
        phases["static"] = [
            {
                "index": p["index"],
                "allowed": [a["name"] for a in p["allowed"]],
                "allowed_count": p["allowed_count"],
                "blocked_count": p["blocked_count"],
            }
            for p in cut["phases"]
        ]
        phases["analysis_seconds"] = cut.get("analysis_seconds")
    if "trace_phases" in artifacts:
        document = json.loads((out / artifacts["trace_phases"]).read_text())
        records = [p for p in document["programs"] if Path(p["image"]).name == binary.name]
        sets = _phase_sets(records[0]) if records else []
        phases["traced"] = [{"index": k, "syscalls": sorted(s), **_counts(s)} for k, s in enumerate(sets)]
    if "static" in phases and "traced" in phases:
        phases["unsound"] = [
            sorted(set(t["syscalls"]) - set(s["allowed"]))
            for s, t in zip(phases["static"], phases["traced"], strict=False)
        ]
        phases["over_approximation"] = [
            sorted(set(s["allowed"]) - set(t["syscalls"]))
            for s, t in zip(phases["static"], phases["traced"], strict=False)
        ]
    if phases:
        result["phases"] = phases

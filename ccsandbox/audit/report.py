"""The audit report: seccomp records grouped per program and call, with what to do next (pure).

A record's ``ip`` is the address after the syscall instruction; in a static binary (what
cc-sandbox links) it names the function that made the call, read from the binary's symbol
table. For a kill, the next steps point at the tools that explain it: ``explain`` (why the
analysis left it out, or that ``--deny`` did), ``trace`` (what the program does), and the way
to widen the filter.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from ..syscalls import SYSCALL_NAMES
from .records import ARCHES, AuditRecord

__all__ = ["FORMAT", "VERSION", "audit_document", "render_audit"]

FORMAT = "cc-sandbox-audit"
VERSION = 1
KILLS = ("kill_process", "kill_thread")


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _name(record: AuditRecord) -> str:
    if record.arch != 0xC000003E:
        return f"{record.syscall} ({ARCHES.get(record.arch, hex(record.arch))})"
    return SYSCALL_NAMES.get(record.syscall, str(record.syscall))


def _next_steps(exe: str, name: str, action: str) -> list[str]:
    if action in KILLS:
        return [
            f"cc-sandbox explain {exe} {name}   (why the filter leaves it out: the analysis, or --deny)",
            f"cc-sandbox trace -- {exe} ...   (what the program does, call by call)",
            "if the program must make it: rebuild without --deny for it; if the analysis missed it, "
            "that is a bug of cc-sandbox: please report it with the explain output",
        ]
    if action == "log":
        return ["the call ran and was logged: the filter allows it but the workload had not shown it"]
    if action == "errno":
        return ["the program got an error (EPERM) for this call instead of its result"]
    return []


def audit_document(
    records: Iterable[AuditRecord],
    function_of: Callable[[str, int], str | None],
    sources: dict[str, str],
    logged: set[str] | None,
    exe: str | None = None,
    pid: int | None = None,
) -> dict[str, Any]:
    """The report (format cc-sandbox-audit) of ``records``, one entry per (exe, pid), one per
    (syscall, action) in it; ``function_of(exe, ip)`` names the function at an address."""
    seen: set[tuple[float, int]] = set()
    programs: dict[tuple[str, int], dict[str, Any]] = {}
    calls: dict[tuple[str, int, str, str], dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r.key):
        if record.key in seen or (exe is not None and record.exe != exe) or (pid is not None and record.pid != pid):
            continue
        seen.add(record.key)
        program = programs.setdefault(
            (record.exe, record.pid), {"exe": record.exe, "pid": record.pid, "comm": record.comm, "calls": []}
        )
        name = _name(record)
        key = (record.exe, record.pid, name, record.action)
        call = calls.get(key)
        if call is None:
            call = calls[key] = {
                "syscall": name,
                "nr": record.syscall,
                "arch": ARCHES.get(record.arch, hex(record.arch)),
                "action": record.action,
                "count": 0,
                "first": _when(record.time),
                "functions": [],
                "ips": [],
                "next": _next_steps(record.exe, name, record.action),
            }
            program["calls"].append(call)
        call["count"] += 1
        call["last"] = _when(record.time)
        ip = f"0x{record.ip:x}"
        if ip not in call["ips"]:
            call["ips"].append(ip)
            function = function_of(record.exe, record.ip)
            if function is not None and function not in call["functions"]:
                call["functions"].append(function)
    notes = []
    if logged is not None:
        for action in ("log", "errno", "kill_process"):
            if action not in logged:
                notes.append(
                    f"kernel.seccomp.actions_logged leaves out {action}: calls answered with it are not "
                    "recorded (add it with sysctl to see them)"
                )
    unnamed = sorted({p["exe"] for p in programs.values() if not any(c["functions"] for c in p["calls"])})
    if unnamed:
        more = f" and {len(unnamed) - 3} more" if len(unnamed) > 3 else ""
        notes.append(
            f"no function names for {', '.join(unnamed[:3])}{more} (the binary is gone, stripped or "
            "position-independent): syscall numbers and names only"
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "sources": sources,
        "actions_logged": sorted(logged) if logged is not None else None,
        "programs": list(programs.values()),
        "records": len(seen),
        "notes": notes,
    }


def render_audit(document: dict[str, Any]) -> str:
    """The report as text: one block per program, one line per call."""
    lines = []
    if not document["programs"]:
        read = ", ".join(name for name, why in document["sources"].items() if why == "read")
        lines.append(f"no seccomp records in {read}")
    for program in document["programs"]:
        lines.append(f"{program['exe']}  (pid {program['pid']}, {program['comm']})")
        for call in program["calls"]:
            where = f" in {', '.join(call['functions'])}" if call["functions"] else ""
            times = f"{call['count']}x, {call['first']}" + (f" .. {call['last']}" if call["count"] > 1 else "")
            lines.append(f"  {call['action']:<12} {call['syscall']}{where}  ({times})")
            lines += [f"      next: {step}" for step in call["next"]]
    lines += [f"note: {note}" for note in document["notes"]]
    return "\n".join(lines)

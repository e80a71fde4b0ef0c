"""The ``--summary`` table of a trace, in the manner of ``strace -c`` (pure).

One table per program image: calls and errors per syscall, most frequent first, and a total
line. There is no time column: the tracer does not time calls (strace -c's column is system
time, which under ptrace mostly measures the tracer).
"""

from __future__ import annotations

from .recording import ProgramRecord

__all__ = ["render_summary"]


def render_summary(records: list[ProgramRecord], errors_counted: bool) -> str:
    lines: list[str] = []
    rule = f"{'-' * 7} {'-' * 9} {'-' * 8} {'-' * 20}"
    for record in records:
        calls = record.all_calls
        total = sum(calls.values())
        lines += [
            f"{record.image} ({len(record.pids)} task(s))",
            f"{'% calls':>7} {'calls':>9} {'errors':>8} syscall",
            rule,
        ]
        for name, count in sorted(calls.items(), key=lambda item: (-item[1], item[0])):
            errors = str(record.errors.get(name, "")) if errors_counted else "?"
            lines.append(f"{100 * count / total:7.2f} {count:9} {errors:>8} {name}")
        total_errors = str(sum(record.errors.values())) if errors_counted else "?"
        lines += [rule, f"{100.0:7.2f} {total:9} {total_errors:>8} total", ""]
    return "\n".join(lines)

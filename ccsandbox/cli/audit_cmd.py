"""``cc-sandbox audit``: what the kernel logged about seccomp filters, per program and call."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import click

from ..audit.records import parse_records
from ..audit.report import audit_document, render_audit
from ..audit.sources import actions_logged, collect
from ..elfsyms import FunctionRanges, read_symbols


@cache
def _functions(exe: str) -> FunctionRanges | None:
    symbols = read_symbols(Path(exe), executable_only=True)
    return FunctionRanges.of(symbols) if symbols else None


def _function_of(exe: str, ip: int) -> str | None:
    functions = _functions(exe)
    # the record's ip is the return address: the syscall instruction ends just before it
    return functions.function_at(ip - 1) if functions else None


@click.command("audit")
@click.option("--exe", "exe", type=click.Path(path_type=Path), help="Only records of this program (its path).")
@click.option("--pid", type=click.IntRange(min=1), help="Only records of this process.")
@click.option(
    "--log",
    "logs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read a saved log (dmesg output, journalctl -k, audit.log) instead of this machine's; repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (format cc-sandbox-audit).")
def audit(exe: Path | None, pid: int | None, logs: tuple[Path, ...], as_json: bool) -> int:
    """Report what seccomp filters did, from the kernel's own records.

    Reads /dev/kmsg, journalctl -k and auditd's audit.log (whichever can be read), or the saved
    logs given with --log, and lists per program and process each call the kernel logged: killed,
    logged (SECCOMP_RET_LOG) or answered with an error, how often, first and last time, the
    function that made it (from the binary's symbols), and for a kill what to run next.
    "My program was killed by SIGSYS, why?" starts here.
    """
    collected = collect(list(logs) or None)
    document = audit_document(
        parse_records(collected.lines),
        _function_of,
        collected.sources,
        None if logs else actions_logged(),
        exe=str(exe.resolve()) if exe is not None else None,  # the kernel names the file, not a link to it
        pid=pid,
    )
    click.echo(json.dumps(document, indent=1) if as_json else render_audit(document))
    return 0

"""``cc-sandbox trace``: run a command (or attach to a process) under the ptrace tracer and record
its syscalls."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import click

from ..trace.learn import learn_policy
from ..trace.recording import Stops, Trace
from ..trace.summary import render_summary
from ..trace.tracer import OnInterrupt, run_trace
from ..trace.workload import load_workload, run_workload


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` whole or not at all: a temporary file renamed over a regular file (or
    a new one). Anything else (``/dev/null``, a FIFO, ``/dev/stdout``) is written in place, never
    replaced."""
    text = json.dumps(document, indent=1) + "\n"
    if path.exists() and not path.is_file():
        with open(path, "w") as stream:
            stream.write(text)
        return
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staged.write_text(text)
    os.replace(staged, path)


@click.command("trace", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the trace JSON here.")
@click.option("--json", "as_json", is_flag=True, help="Print the trace JSON on stdout instead of a summary.")
@click.option(
    "-p",
    "--attach",
    type=int,
    metavar="PID",
    help="Attach to the running process PID (all its threads) instead of running a command; "
    "trace until it exits or the tracer is interrupted.",
)
@click.option(
    "-c",
    "--summary",
    is_flag=True,
    help="Print a table of calls and errors per syscall (like strace -c). Uses entry and exit stops.",
)
@click.option(
    "--on-interrupt",
    type=click.Choice(["kill", "detach"]),
    help="On SIGINT/SIGTERM/SIGHUP to the tracer: end the tracees (default for a command) or "
    "detach and leave them running (default with -p). Either way, what was recorded is written.",
)
@click.option(
    "--seccomp-bpf/--no-seccomp-bpf",
    "seccomp_bpf",
    default=None,
    help="Stop once per syscall through a SECCOMP_RET_TRACE filter installed before exec (the "
    "default when possible: a launched command, CAP_SYS_ADMIN, no --summary or detach), or twice "
    "(entry and exit).",
)
@click.option(
    "--phase-at",
    "phase_at",
    multiple=True,
    metavar="SYMBOL|0xOFFSET",
    help="A phase transition point: a task enters phase k when it executes the k-th point. Repeatable.",
)
@click.option(
    "--workload",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Run the cases of this workload file against the program (COMMAND is then just the binary) "
    "and merge their traces.",
)
@click.option(
    "--learn",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a usage-specific policy (cc-sandbox-policy JSON, as analyze writes) of what ran.",
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def trace(
    output: Path | None,
    as_json: bool,
    attach: int | None,
    summary: bool,
    on_interrupt: OnInterrupt | None,
    seccomp_bpf: bool | None,
    phase_at: tuple[str, ...],
    workload: Path | None,
    learn: Path | None,
    command: tuple[str, ...],
) -> int:
    """Run COMMAND under ptrace, following forks, threads and execs, and record per program the
    system calls it makes (with their counts; i386 and x32 calls are labelled as such).

    Exits like strace: with COMMAND's exit status, dying of the same signal if a signal killed
    it; 127 when COMMAND is not found, 126 when it cannot be executed; 128+N when the tracer was
    interrupted by signal N (0 with -p). An interrupted trace still writes everything it saw.

    \b
    Example:  cc-sandbox trace -o ls.trace.json -- /bin/ls -la
              cc-sandbox trace -p "$(pidof redis-server)" -o r.json --learn r.policy.json   (Ctrl-C ends it)
              cc-sandbox trace --workload examples/real/sqlite3/workload.json -o s.json -- ./sqlite3
    """
    stops: Stops | None = None
    if seccomp_bpf is not None:
        stops = "seccomp" if seccomp_bpf else "syscall"
    if workload is not None:
        return _trace_workload(workload, command, output, as_json, learn, stops, list(phase_at))
    if (attach is None) == (not command):
        raise click.UsageError("give either a COMMAND to run or -p PID to attach to, not both")
    if summary and stops == "seccomp":
        raise click.UsageError("--summary counts errors, which needs exit stops: drop --seccomp-bpf")
    if summary:
        stops = "syscall"
    result = run_trace(
        list(command),
        list(phase_at),
        stops=stops,
        on_interrupt=on_interrupt or ("detach" if attach is not None else "kill"),
        attach=attach,
    )
    document = result.to_json()
    if output is not None:
        write_json(output, document)
    _learn(document, learn)
    if as_json:
        click.echo(json.dumps(document, indent=1))
    else:
        _report(result, summary)
    if result.interrupted is not None:
        return 0 if attach is not None else 128 + result.interrupted
    if attach is not None:
        return 0
    if result.signal is not None:
        return -result.signal  # the entry point re-raises it, as strace does
    return result.exit_status or 0


def _report(result: Trace, summary: bool) -> None:
    if summary:
        click.echo(render_summary(result.programs, result.errors_counted), err=True, nl=False)
    for program in result.programs:
        filtered = (
            f" ({len(program.before_filter)} of them before its filter was installed)" if program.filtered else ""
        )
        click.echo(
            f"cc-sandbox: {program.image}: {len(program.all_calls)} distinct syscalls{filtered}, "
            f"{sum(program.all_calls.values())} calls in {len(program.pids)} task(s): "
            f"{' '.join(sorted(program.all_calls))}",
            err=True,
        )
        for phase in result.phase_report(program) if result.phase_points else []:
            click.echo(
                f"cc-sandbox:   phase {phase['phase']} ({phase['at']}): {' '.join(phase['syscalls'])}"
                f"  | cumulative {len(phase['cumulative'])}",
                err=True,
            )
    if result.phase_points:
        click.echo(
            "cc-sandbox: under seccomp an earlier phase must also allow every later phase's syscalls (cumulative sets)",
            err=True,
        )
    if result.interrupted is not None:
        what = "detached from the tracees" if result.detached else "ended the tracees"
        click.echo(
            f"cc-sandbox: interrupted by {signal.Signals(result.interrupted).name} after {result.seconds:.2f} s; "
            f"{what}; the trace holds what was recorded until then",
            err=True,
        )
    elif result.exit_status is not None:
        end = (
            f"killed by {signal.Signals(result.signal).name}" if result.signal else f"exit status {result.exit_status}"
        )
        click.echo(f"cc-sandbox: traced in {result.seconds:.2f} s ({result.stops} stops); {end}", err=True)


def _learn(document: dict[str, Any], learn: Path | None) -> None:
    if learn is not None and document.get("programs"):
        write_json(learn, learn_policy(document).to_json())


def _trace_workload(
    workload: Path,
    command: tuple[str, ...],
    output: Path | None,
    as_json: bool,
    learn: Path | None,
    stops: Stops | None,
    phase_at: list[str] | None = None,
) -> int:
    if len(command) != 1:
        raise click.UsageError("with --workload, give only the program: cc-sandbox trace --workload FILE -- BINARY")
    spec = load_workload(workload)
    merged = run_workload(
        spec,
        Path(command[0]).resolve(),
        lambda line: click.echo(f"cc-sandbox: {line}", err=True),
        phase_at,
        stops,
    )
    _learn(merged, learn)
    if output is not None:
        write_json(output, merged)
    if as_json:
        click.echo(json.dumps(merged, indent=1))
    for program in merged["programs"]:
        click.echo(
            f"cc-sandbox: {program['image']}: {len(program['syscalls'])} distinct syscalls over {merged['runs']} runs",
            err=True,
        )
    return 0

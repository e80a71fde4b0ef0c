"""``cc-sandbox trace``: run a command under the ptrace tracer and record its syscalls."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..trace.learn import learn_policy
from ..trace.tracer import run_trace
from ..trace.workload import load_workload, run_workload


@click.command("trace", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the trace JSON here.")
@click.option("--json", "as_json", is_flag=True, help="Print the trace JSON on stdout instead of a summary.")
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
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def trace(
    output: Path | None,
    as_json: bool,
    phase_at: tuple[str, ...],
    workload: Path | None,
    learn: Path | None,
    command: tuple[str, ...],
) -> int:
    """Run COMMAND under ptrace, following forks, threads and execs, and record per program the
    system calls it makes (with their counts; i386 and x32 calls are labelled as such).

    Exits with COMMAND's own exit status (128+N if a signal N killed it).

    \b
    Example:  cc-sandbox trace -o ls.trace.json -- /bin/ls -la
              cc-sandbox trace --workload examples/real/sqlite3/workload.json -o s.json -- ./sqlite3
    """
    if workload is not None:
        return _trace_workload(workload, command, output, as_json, learn, list(phase_at))
    result = run_trace(list(command), list(phase_at))
    document = result.to_json()
    _learn(document, learn)
    if output is not None:
        output.write_text(json.dumps(document, indent=1) + "\n")
    if as_json:
        click.echo(json.dumps(document, indent=1))
    else:
        for program in result.programs:
            click.echo(
                f"cc-sandbox: {program.image}: {len(program.calls)} distinct syscalls, "
                f"{sum(program.calls.values())} calls in {len(program.pids)} task(s): "
                f"{' '.join(sorted(program.calls))}",
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
                "cc-sandbox: under seccomp an earlier phase must also allow every later phase's syscalls "
                "(cumulative sets)",
                err=True,
            )
        click.echo(f"cc-sandbox: traced in {result.seconds:.2f} s; exit status {result.exit_status}", err=True)
    return result.exit_status


def _learn(document: dict[str, object], learn: Path | None) -> None:
    if learn is not None and document.get("programs"):
        learn.write_text(json.dumps(learn_policy(document).to_json(), indent=1) + "\n")


def _trace_workload(
    workload: Path,
    command: tuple[str, ...],
    output: Path | None,
    as_json: bool,
    learn: Path | None,
    phase_at: list[str] | None = None,
) -> int:
    if len(command) != 1:
        raise click.UsageError("with --workload, give only the program: cc-sandbox trace --workload FILE -- BINARY")
    spec = load_workload(workload)
    merged = run_workload(
        spec, Path(command[0]).resolve(), lambda line: click.echo(f"cc-sandbox: {line}", err=True), phase_at
    )
    _learn(merged, learn)
    if output is not None:
        output.write_text(json.dumps(merged, indent=1) + "\n")
    if as_json:
        click.echo(json.dumps(merged, indent=1))
    for program in merged["programs"]:
        click.echo(
            f"cc-sandbox: {program['image']}: {len(program['syscalls'])} distinct syscalls over {merged['runs']} runs",
            err=True,
        )
    return 0

"""``cc-sandbox module``: show the whole-program module of a program built by cc-sandbox."""

from __future__ import annotations

from pathlib import Path

import click

from ..module import ModuleSummary, read_module_summary


def _render(s: ModuleSummary) -> str:
    libc = "unknown (no sysroot)" if s.libc_defined is None else str(s.libc_defined)
    lines = [
        f"module        {s.path}  ({s.size_bytes / 1e6:.2f} MB, {s.triple})",
        f"functions     {s.defined} defined ({libc} from musl, {len(s.program_functions)} from the program), "
        f"{s.declared} declared",
        f"entry points  {', '.join(s.entry_points) or 'none found'}",
        f"program       {', '.join(s.program_functions[:12])}{' ...' if len(s.program_functions) > 12 else ''}",
    ]
    if s.native_inputs:
        names = sorted({p.rsplit("/", 1)[-1] for p in s.native_inputs})
        lines.append(f"native code   {len(names)} objects outside the module: {', '.join(names)}")
    return "\n".join(lines)


@click.command("module")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def module(path: Path, as_json: bool) -> int:
    """Summarise the whole-program module of PATH (a binary built by cc-sandbox, or a .bc).

    Shows how many functions come from musl and from the program, the entry points, and which
    native objects (musl's assembly functions, crt files) sit outside the module.
    """
    summary = read_module_summary(path)
    click.echo(summary.to_json() if as_json else _render(summary))
    return 0

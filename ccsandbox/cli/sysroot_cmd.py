"""``cc-sandbox sysroot``: build the musl sysroot, or report on the one in use."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import SysrootError
from ..sysroot import STAMP_NAME, load_sysroot, sysroot_dir


@click.command("sysroot")
@click.option(
    "--prefix",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the sysroot lives [default: $CC_SANDBOX_SYSROOT or ~/.cache/cc-sandbox/...].",
)
@click.option(
    "--source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Build from this musl-1.2.3 tarball instead of `apt-get source musl`.",
)
@click.option("--rebuild", is_flag=True, help="Build again even if a good sysroot exists.")
@click.option("--check", is_flag=True, help="Only report; exit 3 if the sysroot is missing or stale.")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
def sysroot(prefix: Path | None, source: Path | None, rebuild: bool, check: bool, as_json: bool) -> int:
    """Build musl 1.2.3 with clang-19 full LTO into a sysroot (about 40 s), or report on it.

    Without options: builds it if missing or stale, then reports. The source comes from
    `apt-get source musl` (needs a deb-src entry; ./setup.sh adds one) unless --source is given.
    """
    path = sysroot_dir(prefix)
    try:
        found = None if rebuild else load_sysroot(path)
    except SysrootError:
        if check:
            raise
        found = None
    if found is None:
        from ..sysroot_build import build_sysroot  # deferred: only building needs it

        click.echo(f"cc-sandbox: building the musl sysroot in {path}", err=True)
        found = build_sysroot(path, source, log=lambda m: click.echo(f"cc-sandbox: {m}", err=True))
    stamp = json.loads((found.path / STAMP_NAME).read_text())
    if as_json:
        click.echo(json.dumps({"path": str(found.path), **stamp}, indent=2))
    else:
        click.echo(
            f"sysroot  {found.path}\nmusl     {found.musl_version} (recipe {stamp['recipe_version']})\n"
            f"clang    {found.clang_version}\nsource   {stamp['source']}"
        )
    return 0

"""Summarising a whole-program module: what the analysis will see (llvmlite).

Reads ``OUT.bc`` (or the module beside a binary built by cc-sandbox) and tells program from libc
by the sysroot's list of libc symbols.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .artifacts import find_module
from .errors import ModuleError
from .sysroot import is_libc, libc_names

__all__ = ["ModuleSummary", "read_module_summary"]


@dataclass(frozen=True)
class ModuleSummary:
    path: str
    size_bytes: int
    triple: str
    defined: int
    declared: int
    libc_defined: int | None  # None when the sysroot's symbol list is unavailable
    program_functions: list[str]
    entry_points: list[str]
    native_inputs: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def _native_inputs(module: Path) -> list[str]:
    manifest = Path(str(module)[: -len(".bc")] + ".link.json")
    if not manifest.is_file():
        return []
    return [entry["path"] for entry in json.loads(manifest.read_text()).get("native_inputs", [])]


def read_module_summary(path: Path) -> ModuleSummary:
    """Parse the module at (or beside) ``path``. Raises ModuleError on corrupt or foreign bitcode."""
    import llvmlite.binding as llvm  # deferred: costs ~0.1 s and only this command needs it

    module_path = find_module(path)
    try:
        module = llvm.parse_bitcode(module_path.read_bytes())
    except RuntimeError as err:
        raise ModuleError(f"{module_path} is corrupt bitcode: {str(err).strip().splitlines()[0]}") from None
    if not (module.triple.startswith("x86_64") and "musl" in module.triple):
        raise ModuleError(f"{module_path} targets {module.triple!r}, not x86_64 musl: not a cc-sandbox module")
    defined = [f.name for f in module.functions if not f.is_declaration]
    libc = libc_names()
    program = sorted(n for n in defined if libc is None or not is_libc(n, libc))
    return ModuleSummary(
        path=str(module_path),
        size_bytes=module_path.stat().st_size,
        triple=module.triple,
        defined=len(defined),
        declared=sum(1 for f in module.functions if f.is_declaration),
        libc_defined=None if libc is None else len(defined) - len(program),
        program_functions=program,
        entry_points=[n for n in ("_start_c", "main") if n in defined],
        native_inputs=_native_inputs(module_path),
    )

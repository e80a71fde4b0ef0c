"""Phase transition points: resolving ``--phase-at SYMBOL|0xOFFSET`` in a binary (pyelftools).

``CALLER:CALLEE`` names a transition of a binary built with ``--phase-at CALLER:CALLEE``: its
point is the marker the build inserted there (``__cc_sandbox_phase_K``, from the embedded
metadata), which runs just before each such call.

An offset is relative to the executable's first mapping (as the thesis' tracer did), which works
the same for PIE and non-PIE binaries: the run-time address is ``base + offset`` where ``base``
is where the first PT_LOAD segment got mapped.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from ..analysis.roots import PHASE_MARKER_NAME
from ..errors import CcSandboxError

__all__ = ["PhasePoint", "resolve_points"]


@dataclass(frozen=True)
class PhasePoint:
    spec: str  # as given: a symbol or 0xOFFSET
    offset: int  # from the start of the first PT_LOAD segment


@functools.lru_cache(maxsize=8)
def _layout(binary: Path, stamp: tuple[int, int]) -> tuple[int, list[tuple[int, int]], dict[str, int]]:
    """The first mapping's address, the executable ranges and the function symbols of ``binary``
    (cached per file version: a workload traces the same binary many times)."""
    with open(binary, "rb") as stream:
        elf = ELFFile(stream)
        loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        first = min(s["p_vaddr"] for s in loads) & ~0xFFF
        text = [(s["p_vaddr"], s["p_vaddr"] + s["p_memsz"]) for s in loads if s["p_flags"] & 1]
        symbols = {
            sym.name: sym["st_value"]
            for sec in elf.iter_sections()
            if isinstance(sec, SymbolTableSection)
            for sym in sec.iter_symbols()
            if sym["st_info"]["type"] == "STT_FUNC" and sym["st_value"]
        }
    return first, text, symbols


def resolve_points(binary: Path, specs: list[str]) -> list[PhasePoint]:
    """Offsets of the transition points, in the order given (phase 1, 2, ...)."""
    try:
        status = binary.stat()
        first, text, symbols = _layout(binary.resolve(), (status.st_mtime_ns, status.st_size))
    except (OSError, ELFError) as err:
        raise CcSandboxError(f"{binary}: cannot read its ELF symbols ({err})") from None
    points = []
    for spec in specs:
        if spec.lower().startswith("0x"):
            offset = int(spec, 16)
            address = first + offset
            if not any(lo <= address < hi for lo, hi in text):
                raise CcSandboxError(f"--phase-at {spec}: offset outside the text segment of {binary.name}")
        elif spec in symbols:
            offset = symbols[spec] - first
        elif ":" in spec:
            offset = symbols[_marker_of(binary, spec)] - first
        else:
            close = difflib.get_close_matches(spec, list(symbols), n=4)
            hint = f"; did you mean {', '.join(close)}?" if close else " (is the binary stripped, or was it inlined?)"
            raise CcSandboxError(f"--phase-at {spec}: no function {spec!r} in {binary.name}{hint}")
        points.append(PhasePoint(spec, offset))
    return points


def _marker_of(binary: Path, spec: str) -> str:
    """The marker function a cc-sandbox build placed for transition ``spec`` (CALLER:CALLEE)."""
    from ..errors import NotOurBinaryError
    from ..section import read_embedded

    try:
        phases = read_embedded(binary).metadata.get("phases", [])
    except NotOurBinaryError:
        phases = []
    for phase in phases:
        if phase.get("transition") == spec:
            return PHASE_MARKER_NAME.format(phase["index"])
    raise CcSandboxError(
        f"--phase-at {spec}: {binary.name} has no such transition (a call site can be traced in a binary "
        "built with the same --phase-at; otherwise give the callee's name or an offset)"
    )


def mapping_base(pid: int, image: str) -> int:
    """Start of the first mapping of ``image`` in process ``pid``."""
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[5] == image:
            return int(fields[0].split("-")[0], 16)
    raise CcSandboxError(f"cannot find {image} in /proc/{pid}/maps")

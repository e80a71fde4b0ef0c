"""Phase transitions in a link (``--phase-entry FUNC``, ``--phase-at CALLER:CALLEE``).

The marker pass (passes/lib/PhaseMarkers.cpp) inserts a call to the runtime's
``__cc_sandbox_phase_K`` at transition K and reports what it did; this module configures it,
turns its report into one clear error when a transition does not exist, and checks after the link
that an entry function survived LTO. The phase sets then come from the phase analysis over the
markers: phase K begins at the first entry of ``__cc_sandbox_phase_K``.
"""

from __future__ import annotations

import difflib
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from ..analysis.roots import PHASE_MARKER_NAME
from ..analysis.transitions import Transition
from ..errors import LinkError
from ..facts.schema import Facts
from ..section import MAX_TRANSITIONS
from ..tools import find_llvm_tool

SPEC_ENV = "CC_SANDBOX_PHASES"
REPORT_ENV = "CC_SANDBOX_PHASES_OUT"

__all__ = [
    "check_kept",
    "check_marker_report",
    "check_not_in_handlers",
    "check_specs",
    "marker_environment",
    "marker_transitions",
    "option_of",
]


def option_of(spec: str) -> str:
    """How the user wrote ``spec``: ``--phase-entry FUNC`` or ``--phase-at CALLER:CALLEE``."""
    return f"--phase-at {spec}" if ":" in spec else f"--phase-entry {spec}"


def check_specs(specs: Sequence[str]) -> None:
    """Refuse malformed transitions, and more than the runtime has markers for."""
    if len(specs) > MAX_TRANSITIONS:
        raise LinkError(
            f"{len(specs)} phase transitions given; the runtime supports at most {MAX_TRANSITIONS} "
            "(its .cc_sandbox section holds that many phase filters)"
        )
    for spec in specs:
        parts = spec.split(":")
        if (
            not all(p and p.replace("_", "").replace(".", "").replace("$", "").isalnum() for p in parts)
            or len(parts) > 2
        ):
            raise LinkError(f"{option_of(spec)}: not a function name (FUNC) or a call site (CALLER:CALLEE)")


def marker_environment(specs: Sequence[str], report: Path) -> dict[str, str]:
    """What the marker pass reads inside the link."""
    return {SPEC_ENV: ";".join(specs), REPORT_ENV: str(report)}


def marker_transitions(count: int) -> list[Transition]:
    """The transitions as the analysis sees them once the markers are in: marker entries."""
    return [Transition(entry=PHASE_MARKER_NAME.format(k)) for k in range(1, count + 1)]


def _close(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _defined_in(inputs: Sequence[str], name: str) -> bool:
    """Does one of the link's input files (bitcode objects, archives) define ``name``?"""
    files = [f for f in inputs if Path(f).is_file()]
    if not files:
        return False
    done = subprocess.run(
        [find_llvm_tool("llvm-nm"), "--defined-only", "--format=just-symbols", *files],
        capture_output=True,
        text=True,
    )
    return name in done.stdout.split()


def check_marker_report(report: Path, specs: Sequence[str], program: str, inputs: Sequence[str] = ()) -> None:
    """Raise one LinkError for the first transition the marker pass could not place."""
    if not report.is_file():
        raise LinkError(f"{program}: the phase-marker pass did not run (rebuild the pass plugin: ./setup.sh)")
    statuses: dict[int, str] = {}
    functions: list[str] = []
    callees: dict[int, list[str]] = {}
    for line in report.read_text().splitlines():
        fields = line.split("\t")
        if fields[0] == "function":
            functions.append(fields[1])
        elif fields[0] == "callee":
            callees.setdefault(int(fields[1]), []).append(fields[2])
        else:
            statuses[int(fields[0])] = fields[1]
    names = [n for n in functions if not n.startswith("__cc_sandbox_")]
    for k, spec in enumerate(specs, start=1):
        status = statuses.get(k, "missing from the report")
        caller, _, callee = spec.rpartition(":")
        subject = caller or spec
        if status == "ok":
            continue
        if status == "unknown-function" and _defined_in(inputs, subject):
            raise LinkError(
                f"{option_of(spec)}: LTO removed {subject!r} from {program} before any pass could mark it "
                "(nothing calls it), so its phase would never begin"
            )
        if status == "unknown-function":
            raise LinkError(
                f"{option_of(spec)}: {program} has no function {subject!r}{_close(subject, names)} "
                "(a static function may have been inlined when its file was compiled: mark it noinline)"
            )
        if status == "not-defined":
            raise LinkError(f"{option_of(spec)}: {subject!r} is only declared in {program}, not defined in its code")
        if status == "no-call-site":
            calls = sorted(set(callees.get(k, [])))
            raise LinkError(
                f"{option_of(spec)}: {caller!r} never calls {callee!r} directly in {program}"
                + (_close(callee, calls) or (f" (it calls {', '.join(calls[:8])})" if calls else ""))
                + "; a callee inlined when its file was compiled cannot be named"
            )
        if status == "no-runtime":
            raise LinkError(f"{option_of(spec)}: the cc-sandbox runtime in this link has no phase markers")
        raise LinkError(f"{option_of(spec)}: the phase-marker pass reported {status!r}")


def check_kept(binary: Path, specs: Sequence[str]) -> None:
    """Each entry function, and each marker, must be in the binary's symbols: an entry that LTO
    removed (never called) would make its phase unreachable, and the tracer could not find it."""
    try:
        with open(binary, "rb") as stream:
            symbols = {
                sym.name
                for section in ELFFile(stream).iter_sections()
                if isinstance(section, SymbolTableSection)
                for sym in section.iter_symbols()
                if sym["st_info"]["type"] == "STT_FUNC"
            }
    except (OSError, ELFError) as err:
        raise LinkError(f"{binary}: cannot read its symbols ({err})") from None
    if not symbols:
        return  # linked with -s: nothing to tell from (the markers' analysis still needs them reached)
    for k, spec in enumerate(specs, start=1):
        if ":" not in spec and spec not in symbols:
            raise LinkError(
                f"{option_of(spec)}: LTO removed {spec!r} from {binary.name} (nothing calls it), "
                "so its phase would never begin"
            )
        if PHASE_MARKER_NAME.format(k) not in symbols:
            raise LinkError(
                f"{option_of(spec)}: LTO removed the transition from {binary.name} (the code containing it "
                "is never reached), so its phase would never begin"
            )


def check_not_in_handlers(facts: Facts, roots: Mapping[str, str], specs: Sequence[str]) -> None:
    """Refuse a transition placed in a function the analysis treats as a signal handler (an
    address-taken ``void (int)``-shaped function of a program that installs handlers): it could
    begin its phase at any moment, from any thread, even inside the install of another phase."""
    handlers = {name for name, why in roots.items() if "signal handler" in why}
    for k, spec in enumerate(specs, start=1):
        marker = PHASE_MARKER_NAME.format(k)
        placed = sorted(n for n in handlers if any(c.callee == marker for c in facts.functions[n].calls))
        if placed:
            raise LinkError(
                f"{option_of(spec)}: the transition is inside {placed[0]!r}, which may run as a signal "
                "handler (its address is taken and the program installs handlers); choose a point on the "
                "program's own path"
            )

"""The embedded filters (section .cc_sandbox) and their metadata (section .cc_sandbox.meta).

The runtime reserves room for 4096 instructions in an allocated, read-only section; after the
link, :func:`write_filters` fills it in place (found with pyelftools), so embedding costs no second
link. The instructions form one pool shared by the phase filters: filter 0 is installed at
start-up, filter K at phase transition K (``--phase-entry``/``--phase-at``); an index of
(start, count) per filter follows the header. The metadata, which the running program never
reads, is added as a non-allocated section with llvm-objcopy. Version 1 sections (one filter, no
index) are still read.
"""

from __future__ import annotations

import json
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from ..bpf.insn import MAX_INSNS, Insn, pack, unpack
from ..errors import CcSandboxError
from ..tools import find_llvm_tool
from .probe import META_SECTION

FILTER_SECTION = ".cc_sandbox"
MAGIC = b"CC-SANDBOX-BPF\x00\x00"
FORMAT_VERSION = 2
#: Transitions the runtime defines (__cc_sandbox_phase_1..8): CC_SANDBOX_MAX_TRANSITIONS in
#: toolchain/runtime/cc_sandbox_rt.c.
MAX_TRANSITIONS = 8
STATE_NOT_WRITTEN, STATE_INSTALL = 0, 1
_HEADER = struct.Struct("=16sIIII")  # magic, version, state, count (pool), filters
_SLICE = struct.Struct("=II")  # start, count
_INDEX_SIZE = _SLICE.size * (1 + MAX_TRANSITIONS)

__all__ = [
    "MAX_TRANSITIONS",
    "META_SECTION",
    "EmbeddedPolicy",
    "ProbeLinkError",
    "read_embedded",
    "write_filter",
    "write_filters",
    "write_metadata",
]


class NotOurBinaryError(CcSandboxError):
    """The file is not an ELF binary linked by cc-sandbox with a sandbox."""


def _section(binary: Path, name: str) -> tuple[int, int] | None:
    """(file offset, size) of section ``name``."""
    try:
        with open(binary, "rb") as stream:
            section = ELFFile(stream).get_section_by_name(name)
            return None if section is None else (section["sh_offset"], section["sh_size"])
    except ELFError:
        raise NotOurBinaryError(f"{binary} is not an ELF binary") from None


def write_filter(binary: Path, program: list[Insn]) -> None:
    """Fill the reserved filter section of ``binary`` in place with a single filter."""
    write_filters(binary, [program])


def write_filters(binary: Path, programs: list[list[Insn]]) -> None:
    """Fill the reserved filter section of ``binary`` in place: filter K for phase K."""
    place = _section(binary, FILTER_SECTION)
    if place is None:
        raise CcSandboxError(f"{binary} has no {FILTER_SECTION} section: the cc-sandbox runtime was not linked in")
    offset, size = place
    if not 1 <= len(programs) <= 1 + MAX_TRANSITIONS:
        raise CcSandboxError(
            f"{len(programs) - 1} phase transitions do not fit in {binary.name}: the runtime supports "
            f"at most {MAX_TRANSITIONS}"
        )
    total = sum(len(p) for p in programs)
    if total > MAX_INSNS or _HEADER.size + _INDEX_SIZE + 8 * total > size:
        raise CcSandboxError(
            f"{len(programs)} filter(s) of {total} instructions in all do not fit in {binary.name} "
            f"(room for {MAX_INSNS}); use fewer phase transitions"
        )
    index, start = b"", 0
    for program in programs:
        index += _SLICE.pack(start, len(program))
        start += len(program)
    index = index.ljust(_INDEX_SIZE, b"\0")
    with open(binary, "r+b") as stream:
        stream.seek(offset)
        magic, version, *_ = _HEADER.unpack(stream.read(_HEADER.size))
        if magic != MAGIC or version != FORMAT_VERSION:
            raise CcSandboxError(f"{binary}: the {FILTER_SECTION} section has an unknown layout")
        stream.seek(offset)
        header = _HEADER.pack(MAGIC, FORMAT_VERSION, STATE_INSTALL, total, len(programs))
        stream.write(header + index + b"".join(pack(p) for p in programs))


def write_metadata(binary: Path, metadata: dict[str, Any]) -> None:
    """Add (or replace) the metadata section, as JSON."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as meta:
        json.dump(metadata, meta, sort_keys=True)
        meta.flush()
        objcopy = find_llvm_tool("llvm-objcopy")
        args = [objcopy, f"--remove-section={META_SECTION}", f"--add-section={META_SECTION}={meta.name}", str(binary)]
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            raise CcSandboxError(f"llvm-objcopy could not add the policy metadata: {done.stderr.strip()}")


class ProbeLinkError(NotOurBinaryError):
    """The binary is a probe link (configure/CMake test program): marked, but carries no filter."""


def _probe_metadata(binary: Path) -> dict[str, Any] | None:
    place = _section(binary, META_SECTION)
    if place is None:
        return None
    with open(binary, "rb") as stream:
        stream.seek(place[0])
        try:
            metadata = json.loads(stream.read(place[1]).decode())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
    return metadata if isinstance(metadata, dict) and metadata.get("probe") is True else None


class EmbeddedPolicy:
    """What a sandboxed binary carries: ``programs[K]`` is the filter of phase K."""

    def __init__(self, state: int, programs: list[list[Insn]], metadata: dict[str, Any]) -> None:
        self.state, self.programs, self.metadata = state, programs, metadata

    @property
    def program(self) -> list[Insn]:
        """The filter installed at start-up (phase 0)."""
        return self.programs[0] if self.programs else []


def read_embedded(binary: Path) -> EmbeddedPolicy:
    """The filter and metadata of ``binary``; NotOurBinaryError if it has none."""
    place = _section(binary, FILTER_SECTION)
    if place is None:
        probe = _probe_metadata(binary)
        if probe is not None:
            raise ProbeLinkError(
                f"{binary} is a probe link ({probe.get('probe_reason', 'probe')}): linked cheaply by "
                f"{probe.get('producer', 'cc-sandbox')} with no module and no filter; relink it under another name, "
                "without CC_SANDBOX_PROBE, to sandbox it"
            )
        raise NotOurBinaryError(
            f"{binary} carries no cc-sandbox policy (it was not built by `cc-sandbox make`, "
            "or was built with --no-sandbox)"
        )
    with open(binary, "rb") as stream:
        stream.seek(place[0])
        magic, version, state, count, filters = _HEADER.unpack(stream.read(_HEADER.size))
        if magic != MAGIC or version not in (1, FORMAT_VERSION) or count > MAX_INSNS or filters > 1 + MAX_TRANSITIONS:
            raise NotOurBinaryError(f"{binary}: unknown {FILTER_SECTION} layout")
        if version == 1:  # one filter, no index
            programs = [unpack(stream.read(8 * count))]
        else:
            raw_index = stream.read(_INDEX_SIZE)
            index = [_SLICE.unpack_from(raw_index, i * _SLICE.size) for i in range(filters)]
            pool = unpack(stream.read(8 * count))
            if any(start + length > count for start, length in index):
                raise NotOurBinaryError(f"{binary}: the {FILTER_SECTION} index points outside its filters")
            programs = [pool[start : start + length] for start, length in index]
        meta_place = _section(binary, META_SECTION)
        metadata: dict[str, Any] = {}
        if meta_place is not None:
            stream.seek(meta_place[0])
            metadata = json.loads(stream.read(meta_place[1]).decode())
    return EmbeddedPolicy(state, programs, metadata)

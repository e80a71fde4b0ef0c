"""The embedded filters (section .cc_sandbox) and their metadata (section .cc_sandbox.meta).

The runtime (toolchain/runtime/cc_sandbox_rt.c) reserves room for 4096 instructions in an
allocated, read-only section; after the link, :func:`write_filters` fills it in place (found with
pyelftools), so embedding costs no second link. The metadata, which the running program never
reads, is added as a non-allocated section with llvm-objcopy.

Layout (version 3), in the byte order and alignment of the target (x86_64)::

    header   magic[16] version state count filters sets min_kernel     (7 x u32 after the magic)
    index    2 sets x (1 + MAX_TRANSITIONS) slices of (start, count)  (set 0 first)
    pool     count instructions (struct sock_filter), shared by every filter

Filter K of a set is installed at phase transition K (``--phase-entry``/``--phase-at``); filter
0 at start-up. Why two sets: the analysis may drop fallback code that runs only when a newer
syscall fails with ENOSYS (``--min-kernel``), which is sound only on kernels that have the newer
call. Set 0 is that pruned set, for kernels at least ``min_kernel`` (major << 16 | minor); set 1
is the unpruned set, valid on every kernel. The runtime reads the running kernel's release once
at start-up and keeps its choice for every later phase: set 0 when the release is at least
``min_kernel``, set 1 when it is older or cannot be parsed (an older kernel gets more syscalls,
never a kill). ``sets`` is 1 when there is nothing to prune (set 1 is then unused). Identical
programs share their instructions in the pool, so two sets cost only the filters that differ.

Versions 1 (one filter, no index) and 2 (one set of phase filters) are still read.
"""

from __future__ import annotations

import json
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from .bpf.insn import MAX_INSNS, Insn, pack, unpack
from .errors import CcSandboxError, NotOurBinaryError, ProbeLinkError
from .tools import find_llvm_tool

FILTER_SECTION = ".cc_sandbox"
#: The metadata section: what the build decided, for `inspect`, `export` and `compare` (never read at run time).
META_SECTION = ".cc_sandbox.meta"
MAGIC = b"CC-SANDBOX-BPF\x00\x00"
FORMAT_VERSION = 3
#: Transitions the runtime defines (__cc_sandbox_phase_1..8): CC_SANDBOX_MAX_TRANSITIONS in
#: toolchain/runtime/cc_sandbox_rt.c.
MAX_TRANSITIONS = 8
#: Filter sets the index has room for: set 0 (newer kernels, pruned), set 1 (older kernels).
MAX_SETS = 2
#: Instructions the section has room for, all filters of both sets together (CC_SANDBOX_MAX_INSNS).
POOL_INSNS = MAX_INSNS
STATE_NOT_WRITTEN, STATE_INSTALL = 0, 1
_PREFIX = struct.Struct("=16sI")  # magic, version: the same in every layout
_HEADER_V2 = struct.Struct("=16sIIII")  # magic, version, state, count (pool), filters (v1: flags)
_HEADER = struct.Struct("=16sIIIIII")  # v3: magic, version, state, count, filters (per set), sets, min_kernel
_SLICE = struct.Struct("=II")  # start, count
_SLOTS = 1 + MAX_TRANSITIONS
_INDEX_V2_SIZE = _SLICE.size * _SLOTS
_INDEX_SIZE = _SLICE.size * MAX_SETS * _SLOTS
#: Byte offset of the instruction pool in a version 3 section.
POOL_OFFSET = _HEADER.size + _INDEX_SIZE

__all__ = [
    "FORMAT_VERSION",
    "MAX_SETS",
    "MAX_TRANSITIONS",
    "META_SECTION",
    "POOL_OFFSET",
    "EmbeddedPolicy",
    "kernel_version_word",
    "read_embedded",
    "write_filter",
    "write_filters",
    "write_metadata",
]


def _section(binary: Path, name: str) -> tuple[int, int] | None:
    """(file offset, size) of section ``name``."""
    from elftools.common.exceptions import ELFError  # deferred: probe links import this module
    from elftools.elf.elffile import ELFFile

    try:
        with open(binary, "rb") as stream:
            section = ELFFile(stream).get_section_by_name(name)
            return None if section is None else (section["sh_offset"], section["sh_size"])
    except ELFError:
        raise NotOurBinaryError(f"{binary} is not an ELF binary") from None


def kernel_version_word(version: tuple[int, int]) -> int:
    """``(major, minor)`` as the runtime compares it: major << 16 | minor."""
    major, minor = version
    if not (0 <= major <= 0xFFFF and 0 <= minor <= 0xFFFF):
        raise CcSandboxError(f"kernel version {major}.{minor} is out of range (each part 0..65535)")
    return major << 16 | minor


def write_filter(binary: Path, program: list[Insn]) -> None:
    """Fill the reserved filter section of ``binary`` in place with a single filter."""
    write_filters(binary, [program])


def _pool(sets: list[list[list[Insn]]]) -> tuple[list[Insn], list[list[tuple[int, int]]]]:
    """One pool holding every filter once, and the (start, count) of each filter of each set."""
    pool: list[Insn] = []
    placed: dict[tuple[Insn, ...], int] = {}
    slices = []
    for programs in sets:
        row = []
        for program in programs:
            key = tuple(program)
            if key not in placed:
                placed[key] = len(pool)
                pool += program
            row.append((placed[key], len(program)))
        slices.append(row)
    return pool, slices


def write_filters(
    binary: Path,
    programs: list[list[Insn]],
    older_kernel_programs: list[list[Insn]] | None = None,
    min_kernel: tuple[int, int] | None = None,
) -> None:
    """Fill the reserved filter section of ``binary`` in place: filter K for phase K.

    ``programs`` is set 0. With ``older_kernel_programs`` (one per phase as well) that differ
    from it, set 0 is for kernels at least ``min_kernel`` (major, minor) and the older kernels'
    set is set 1; otherwise one set is written and every kernel gets ``programs``.
    """
    place = _section(binary, FILTER_SECTION)
    if place is None:
        raise CcSandboxError(f"{binary} has no {FILTER_SECTION} section: the cc-sandbox runtime was not linked in")
    offset, size = place
    if not 1 <= len(programs) <= _SLOTS:
        raise CcSandboxError(
            f"{len(programs) - 1} phase transitions do not fit in {binary.name}: the runtime supports "
            f"at most {MAX_TRANSITIONS}"
        )
    sets, version_word = [programs], 0
    if older_kernel_programs is not None and older_kernel_programs != programs:
        if len(older_kernel_programs) != len(programs):
            raise CcSandboxError(
                f"{binary.name}: {len(older_kernel_programs)} older-kernel filter(s) for {len(programs)} phase(s)"
            )
        if min_kernel is None:
            raise CcSandboxError(f"{binary.name}: two filter sets need the kernel version that chooses between them")
        sets.append(older_kernel_programs)
        version_word = kernel_version_word(min_kernel)
    if any(not program for program in sets[0] + sets[-1]):
        raise CcSandboxError(f"{binary.name}: an empty filter cannot be embedded")
    pool, slices = _pool(sets)
    if len(pool) > POOL_INSNS or POOL_OFFSET + 8 * len(pool) > size:
        both = " (two sets: newer and older kernels)" if len(sets) == 2 else ""
        raise CcSandboxError(
            f"{len(programs)} filter(s){both} of {len(pool)} instructions in all do not fit in {binary.name} "
            f"(room for {POOL_INSNS}); use fewer phase transitions"
        )
    index = b"".join(b"".join(_SLICE.pack(*s) for s in row).ljust(_INDEX_SIZE // MAX_SETS, b"\0") for row in slices)
    index = index.ljust(_INDEX_SIZE, b"\0")
    with open(binary, "r+b") as stream:
        stream.seek(offset)
        magic, version = _PREFIX.unpack(stream.read(_PREFIX.size))
        if magic != MAGIC or version != FORMAT_VERSION:
            raise CcSandboxError(
                f"{binary}: the {FILTER_SECTION} section has an unknown layout (version {version}; "
                f"this cc-sandbox writes version {FORMAT_VERSION}: relink with its runtime)"
            )
        stream.seek(offset)
        header = _HEADER.pack(MAGIC, FORMAT_VERSION, STATE_INSTALL, len(pool), len(programs), len(sets), version_word)
        stream.write(header + index + pack(pool))


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
    """What a sandboxed binary carries: ``programs[K]`` is the filter of phase K (set 0).

    With two sets, set 0 (``programs``) is installed on kernels at least ``min_kernel`` and
    ``older_kernel_programs`` on older ones or when the release cannot be read; both are None
    with one set.
    """

    def __init__(
        self,
        state: int,
        programs: list[list[Insn]],
        metadata: dict[str, Any],
        older_kernel_programs: list[list[Insn]] | None = None,
        min_kernel: tuple[int, int] | None = None,
    ) -> None:
        self.state, self.programs, self.metadata = state, programs, metadata
        self.older_kernel_programs, self.min_kernel = older_kernel_programs, min_kernel

    @property
    def program(self) -> list[Insn]:
        """The filter installed at start-up (phase 0)."""
        return self.programs[0] if self.programs else []


def _unknown_layout(binary: Path) -> NotOurBinaryError:
    return NotOurBinaryError(f"{binary}: unknown {FILTER_SECTION} layout")


def _read_pool(binary: Path, stream: BinaryIO, count: int, index: list[tuple[int, int]]) -> list[list[Insn]]:
    """The filters ``index`` points to in the pool of ``count`` instructions at the stream's position."""
    raw = stream.read(8 * count)
    if len(raw) != 8 * count:
        raise _unknown_layout(binary)
    pool = unpack(raw)
    if any(start + length > count for start, length in index):
        raise NotOurBinaryError(f"{binary}: the {FILTER_SECTION} index points outside its filters")
    return [pool[start : start + length] for start, length in index]


def _read_filters(binary: Path, stream: BinaryIO, size: int) -> EmbeddedPolicy:
    """The filters of the section at the stream's position (``size`` bytes), any known version."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise _unknown_layout(binary)
    magic, version = _PREFIX.unpack_from(header)
    if magic != MAGIC or version not in (1, 2, FORMAT_VERSION):
        raise _unknown_layout(binary)
    if version < 3:
        _, _, state, count, filters = _HEADER_V2.unpack_from(header)
        sets, word = 1, 0
        stream.seek(_HEADER_V2.size - _HEADER.size, 1)
        if version == 1:  # one filter, no index (the fifth word is reserved)
            filters, index_size = 1, 0
        else:
            index_size = _INDEX_V2_SIZE
    else:
        _, _, state, count, filters, sets, word = _HEADER.unpack(header)
        index_size = _INDEX_SIZE
    if count > POOL_INSNS or sets > MAX_SETS or filters > _SLOTS or 8 * count > size:
        raise _unknown_layout(binary)
    if version == 1:
        return EmbeddedPolicy(state, _read_pool(binary, stream, count, [(0, count)]), {})
    raw_index = stream.read(index_size)
    per_set = _SLOTS * _SLICE.size
    index = [
        [_SLICE.unpack_from(raw_index, s * per_set + k * _SLICE.size) for k in range(filters)] for s in range(sets)
    ]
    found = _read_pool(binary, stream, count, [slice_ for row in index for slice_ in row])
    programs, older = found[:filters], found[filters:] or None
    return EmbeddedPolicy(state, programs, {}, older, (word >> 16, word & 0xFFFF) if older is not None else None)


def read_embedded(binary: Path) -> EmbeddedPolicy:
    """The filters and metadata of ``binary``; NotOurBinaryError if it has none."""
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
        embedded = _read_filters(binary, stream, place[1])
        meta_place = _section(binary, META_SECTION)
        if meta_place is not None:
            stream.seek(meta_place[0])
            embedded.metadata = json.loads(stream.read(meta_place[1]).decode())
    return embedded

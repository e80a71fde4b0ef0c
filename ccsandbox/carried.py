"""The facts a linked module carries: ``PROG.bc`` as LLVM's bitcode wrapper, the unchanged bitcode,
then a trailer of ours holding the facts the pass wrote in the same link.

Why: a ``.bc`` copied alone (no ``PROG.facts`` beside it) would otherwise need the pass plugin
run again under opt-19, and parsing 10 MB of bitcode with its debug info alone takes longer than
a user should wait for ``analyze``. The facts travel inside the file instead, bound to the bitcode
by its sha256, so facts that do not belong to the bitcode are never used.

Layout, every integer little-endian::

    wrapper  magic 0x0B17C0DE, version 0, offset 20, size, cputype   (5 x u32; LLVM's own header)
    bitcode  ``size`` bytes at ``offset``: the module lld saved, byte for byte
    trailer  magic "CC-SANDBOX-FACTS", trailer version (u32), bitcode length (u64),
             sha256 of the bitcode (32 bytes), facts length (u64), the facts (zlib of the JSON)
    padding  zero bytes, so that the file is a multiple of 4 bytes long

Every LLVM reader (opt, llvm-dis, clang, lld, llvmlite) accepts the wrapper on every platform and
reads exactly [offset, offset + size); it refuses a file whose length is not a multiple of 4,
hence the padding. A raw bitcode file (plain clang, an older cc-sandbox) carries no facts.

Pure functions on bytes (:func:`pack`, :func:`unpack`); the link writes, ``facts.extract`` reads.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass

from .errors import CarriedFactsError

__all__ = ["RAW_MAGIC", "TRAILER_VERSION", "WRAPPER_MAGIC", "Unpacked", "pack", "payload", "unpack"]

RAW_MAGIC = b"BC\xc0\xde"
WRAPPER_MAGIC = struct.pack("<I", 0x0B17C0DE)
_WRAPPER = struct.Struct("<5I")  # magic, version, offset, size, cputype
#: Mach-O's CPU_TYPE_X86_64: what LLVM writes for x86_64; its readers ignore the field.
_CPU_TYPE_X86_64 = 0x01000007
TRAILER_MAGIC = b"CC-SANDBOX-FACTS"
TRAILER_VERSION = 1
_TRAILER = struct.Struct("<16sIQ32sQ")  # magic, version, bitcode length, sha256, facts length
#: zlib level 6: measured on redis-server's 2.6 MB of facts, 0.54 MB and ~6 ms to decompress
#: (level 1: 0.70 MB, 7 ms; level 9: 0.52 MB, 3x slower to write; lzma and bz2 read 4-20x slower).
_ZLIB_LEVEL = 6


@dataclass(frozen=True)
class Unpacked:
    """A module file taken apart: its bitcode, and the facts it carries (None: it carries none)."""

    bitcode: memoryview
    facts: bytes | None


def pack(bitcode: bytes, facts: bytes) -> bytes:
    """The module file for raw ``bitcode`` carrying ``facts`` (the facts document as the pass wrote it)."""
    if bitcode[:4] != RAW_MAGIC or len(bitcode) % 4:
        raise CarriedFactsError("not raw LLVM bitcode (a multiple of 4 bytes starting with BC 0xC0DE)")
    compressed = zlib.compress(facts, _ZLIB_LEVEL)
    trailer = _TRAILER.pack(
        TRAILER_MAGIC, TRAILER_VERSION, len(bitcode), hashlib.sha256(bitcode).digest(), len(compressed)
    )
    header = _WRAPPER.pack(0x0B17C0DE, 0, _WRAPPER.size, len(bitcode), _CPU_TYPE_X86_64)
    padding = b"\0" * (-(len(trailer) + len(compressed)) % 4)
    return b"".join((header, bitcode, trailer, compressed, padding))


def _span(data: bytes) -> tuple[int, int]:
    """[start, end) of the bitcode in ``data``: what an LLVM reader parses."""
    if data[:4] != WRAPPER_MAGIC:
        return 0, len(data)
    if len(data) < _WRAPPER.size:
        raise CarriedFactsError("the wrapper header is truncated")
    _magic, _version, offset, size, _cpu = _WRAPPER.unpack_from(data)
    if offset < _WRAPPER.size or offset + size > len(data):
        raise CarriedFactsError(
            f"the wrapper says the bitcode is bytes {offset}..{offset + size}, the file has {len(data)}"
        )
    return offset, offset + size


def payload(data: bytes) -> memoryview:
    """The bitcode of a module file, as an LLVM reader sees it: all of raw bitcode, the wrapped
    bytes of a wrapper. Raises :class:`CarriedFactsError` when the wrapper header does not fit the
    file (LLVM refuses such a file too)."""
    start, end = _span(data)
    return memoryview(data)[start:end]


def unpack(data: bytes) -> Unpacked:
    """Split a module file into its bitcode and carried facts.

    Raw bitcode, and a wrapper followed by nothing but zero padding (as Darwin's writer leaves
    it), carry no facts. Raises :class:`CarriedFactsError` with the reason when the wrapper or
    the trailer is malformed or truncated, or when the recorded sha256 is not the bitcode's:
    such facts describe some other module and must not be used."""
    start, end = _span(data)
    view = memoryview(data)
    bitcode, tail = view[start:end], view[end:]
    if not any(tail):
        return Unpacked(bitcode, None)
    if len(tail) < _TRAILER.size or bytes(tail[: len(TRAILER_MAGIC)]) != TRAILER_MAGIC:
        raise CarriedFactsError("the bytes after the bitcode are not a complete cc-sandbox trailer")
    _magic, version, length, digest, facts_length = _TRAILER.unpack_from(tail)
    if version != TRAILER_VERSION:
        raise CarriedFactsError(f"trailer version {version}; this cc-sandbox reads version {TRAILER_VERSION}")
    body = tail[_TRAILER.size :]
    if length != len(bitcode) or facts_length > len(body) or any(body[facts_length:]):
        raise CarriedFactsError("the trailer's lengths do not match the file: truncated or extended")
    if hashlib.sha256(bitcode).digest() != digest:
        raise CarriedFactsError("the bitcode's sha256 is not the one recorded with the facts")
    try:
        facts = zlib.decompress(body[:facts_length])
    except zlib.error as err:
        raise CarriedFactsError(f"the facts do not decompress: {err}") from None
    return Unpacked(bitcode, facts)

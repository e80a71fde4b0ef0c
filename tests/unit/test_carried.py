"""Specification of the facts a module carries (ccsandbox/carried.py): LLVM's bitcode wrapper, the
bitcode unchanged, then the facts of its link bound to that bitcode by its sha256.

The module is a real one: the shared fixture passes/test/Inputs/basic.ll assembled by llvm-as-19,
with the facts the pass states for it (basic.facts.json)."""

from __future__ import annotations

import hashlib
import struct
import subprocess

import pytest

from ccsandbox.carried import TRAILER_VERSION, pack, payload, unpack
from ccsandbox.errors import CarriedFactsError, CcSandboxError
from ccsandbox.resources import repo_root
from ccsandbox.tools import find_llvm_tool

INPUTS = repo_root() / "passes" / "test" / "Inputs"
FACTS = (INPUTS / "basic.facts.json").read_bytes()


@pytest.fixture(scope="module")
def bitcode(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """basic.ll as raw bitcode, as lld saves a module."""
    try:
        llvm_as = find_llvm_tool("llvm-as")
    except CcSandboxError as err:
        pytest.skip(str(err))
    out = tmp_path_factory.mktemp("carried") / "basic.bc"
    subprocess.run([llvm_as, str(INPUTS / "basic.ll"), "-o", str(out)], check=True)
    return out.read_bytes()


def test_a_packed_module_gives_back_its_bitcode_and_facts_byte_for_byte(bitcode: bytes) -> None:
    unpacked = unpack(pack(bitcode, FACTS))
    assert bytes(unpacked.bitcode) == bitcode
    assert unpacked.facts == FACTS


def test_the_header_is_llvms_bitcode_wrapper_around_the_unchanged_bitcode(bitcode: bytes) -> None:
    module = pack(bitcode, FACTS)
    magic, version, offset, size, _cputype = struct.unpack_from("<5I", module)
    assert (magic, version, offset, size) == (0x0B17C0DE, 0, 20, len(bitcode))
    assert module[offset : offset + size] == bitcode
    assert len(module) % 4 == 0, "LLVM's readers refuse a file whose length is not a multiple of 4"


def test_the_trailer_records_the_bitcodes_sha256_and_compresses_the_facts(bitcode: bytes) -> None:
    module = pack(bitcode, FACTS)
    trailer = module[20 + len(bitcode) :]
    magic, version, length, digest, facts_length = struct.unpack_from("<16sIQ32sQ", trailer)
    assert (magic, version, length) == (b"CC-SANDBOX-FACTS", TRAILER_VERSION, len(bitcode))
    assert digest == hashlib.sha256(bitcode).digest()
    assert facts_length < len(FACTS) / 3, "zlib: a third of the JSON or less"


def test_raw_bitcode_and_a_wrapper_with_only_padding_carry_no_facts(bitcode: bytes) -> None:
    assert unpack(bitcode).facts is None and bytes(unpack(bitcode).bitcode) == bitcode
    darwin = struct.pack("<5I", 0x0B17C0DE, 0, 20, len(bitcode), 7) + bitcode + b"\0" * 12
    assert unpack(darwin).facts is None and bytes(payload(darwin)) == bitcode


def test_facts_beside_changed_bitcode_are_refused(bitcode: bytes) -> None:
    module = bytearray(pack(bitcode, FACTS))
    module[20 + len(bitcode) // 2] ^= 1
    with pytest.raises(CarriedFactsError, match="sha256"):
        unpack(bytes(module))


@pytest.mark.parametrize("cut", [1, 4, 100, len(FACTS)])
def test_a_cut_trailer_is_refused_but_its_bitcode_is_still_found(bitcode: bytes, cut: int) -> None:
    module = pack(bitcode, FACTS)
    cut_module = module[: max(20 + len(bitcode) + 1, len(module) - cut)]
    with pytest.raises(CarriedFactsError):
        unpack(cut_module)
    assert bytes(payload(cut_module)) == bitcode, "the bitcode can still be extracted from"


def test_a_trailer_of_another_version_is_refused(bitcode: bytes) -> None:
    module = bytearray(pack(bitcode, FACTS))
    struct.pack_into("<I", module, 20 + len(bitcode) + 16, TRAILER_VERSION + 1)
    with pytest.raises(CarriedFactsError, match=f"trailer version {TRAILER_VERSION + 1}"):
        unpack(bytes(module))


def test_a_wrapper_that_claims_more_bitcode_than_the_file_holds_is_refused(bitcode: bytes) -> None:
    module = bytearray(pack(bitcode, FACTS))
    struct.pack_into("<I", module, 12, len(module))
    with pytest.raises(CarriedFactsError, match="the wrapper says"):
        payload(bytes(module))


def test_only_raw_bitcode_is_wrapped(bitcode: bytes) -> None:
    with pytest.raises(CarriedFactsError, match="not raw LLVM bitcode"):
        pack(pack(bitcode, FACTS), FACTS)

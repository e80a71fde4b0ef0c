"""Specification of reading native inputs out of an lld link map."""

from __future__ import annotations

from pathlib import Path

from ccsandbox.driver.linkmap import NativeInput, parse_native_inputs

DATA = Path(__file__).parent / "data"


def test_a_real_map_lists_musl_assembly_and_crt_objects_but_not_the_lto_object() -> None:
    natives = parse_native_inputs((DATA / "hello.map").read_text())
    members = {n.path.rsplit("/", 1)[-1] for n in natives}
    assert {"crti.o", "crtn.o", "libc.a(clone.lo)", "libc.a(memcpy.lo)", "libc.a(__set_thread_area.lo)"} <= members
    assert not any(".lto." in m or m.startswith("<") for m in members)


def test_archive_members_know_their_archive() -> None:
    member = NativeInput("/sr/lib/libc.a(clone.lo)", (".text",))
    assert member.archive == "/sr/lib/libc.a" and member.file == "/sr/lib/libc.a"
    plain = NativeInput("/sr/lib/crti.o", (".init",))
    assert plain.archive is None and plain.file == "/sr/lib/crti.o"


def test_parallel_codegen_objects_count_as_the_module() -> None:
    text = "  1000 1000 10 16   prog.lto.3.o:(.text.f)\n  1010 1010 4 4   other.o:(.text)\n"
    assert [n.path for n in parse_native_inputs(text)] == ["other.o"]


def test_sections_of_one_input_are_gathered() -> None:
    text = "  1000 1000 10 16   crti.o:(.init)\n  1010 1010 4 4   crti.o:(.fini)\n"
    assert parse_native_inputs(text) == [NativeInput("crti.o", (".fini", ".init"))]

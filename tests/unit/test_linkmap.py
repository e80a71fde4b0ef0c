"""Specification of reading native inputs out of an lld link map."""

from __future__ import annotations

from pathlib import Path

from ccsandbox.driver.linkmap import NativeInput, parse_native_inputs

DATA = Path(__file__).parent / "data"


def test_a_real_map_lists_musl_assembly_and_crt_objects_but_not_the_lto_object() -> None:
    natives = parse_native_inputs((DATA / "hello.map").read_text(), "hello.lto.o")
    members = {n.path.rsplit("/", 1)[-1] for n in natives}
    assert {"crti.o", "crtn.o", "libc.a(clone.lo)", "libc.a(memcpy.lo)", "libc.a(__set_thread_area.lo)"} <= members
    assert not any(".lto." in m or m.startswith("<") for m in members)


def test_archive_members_know_their_archive() -> None:
    member = NativeInput("/sr/lib/libc.a(clone.lo)", (".text",))
    assert member.archive == "/sr/lib/libc.a" and member.file == "/sr/lib/libc.a"
    plain = NativeInput("/sr/lib/crti.o", (".init",))
    assert plain.archive is None and plain.file == "/sr/lib/crti.o"


def test_only_the_links_own_lto_object_is_the_module_not_a_name_like_it() -> None:
    # lld's object for a ThinLTO input "7.o" is prog.lto.7.o; an input may be called x.lto.o
    text = "  1000 1000 10 16   /t/prog.lto.o:(.text.f)\n  1010 1010 4 4   /t/prog.lto.7.o:(.text)\n"
    text += "  1020 1020 4 4   /u/x.lto.o:(.text)\n"
    assert [n.path for n in parse_native_inputs(text, "/t/prog.lto.o")] == ["/t/prog.lto.7.o", "/u/x.lto.o"]


def test_sections_of_one_input_are_gathered() -> None:
    text = "  1000 1000 10 16   crti.o:(.init)\n  1010 1010 4 4   crti.o:(.fini)\n"
    assert parse_native_inputs(text, "prog.lto.o") == [NativeInput("crti.o", (".fini", ".init"))]

"""Specification of how a sysroot is found and judged usable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccsandbox.errors import SysrootError
from ccsandbox.sysroot import MUSL_VERSION, RECIPE_VERSION, STAMP_FORMAT, STAMP_NAME, load_sysroot, sysroot_dir


def _make(tmp_path: Path, **overrides: object) -> Path:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "libc.a").write_bytes(b"!<arch>\n")
    stamp = {
        "format": STAMP_FORMAT,
        "recipe_version": RECIPE_VERSION,
        "musl_version": MUSL_VERSION,
        "clang": "/bin/sh",
        "clang_version": "clang 19",
        "resource_dir": "/r",
        "builtins": "/r/b.a",
    }
    stamp.update(overrides)
    (tmp_path / STAMP_NAME).write_text(json.dumps(stamp))
    return tmp_path


def test_a_complete_stamped_sysroot_loads(tmp_path: Path) -> None:
    found = load_sysroot(_make(tmp_path))
    assert found.musl_version == MUSL_VERSION and found.lib_dir == tmp_path / "lib"


def test_a_missing_sysroot_names_the_command_that_builds_it(tmp_path: Path) -> None:
    with pytest.raises(SysrootError, match=r"no musl sysroot at .*run `cc-sandbox sysroot`"):
        load_sysroot(tmp_path / "nowhere")


def test_a_sysroot_from_another_recipe_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SysrootError, match=r"another recipe.*cc-sandbox sysroot"):
        load_sysroot(_make(tmp_path, recipe_version=RECIPE_VERSION - 1))


def test_a_corrupt_stamp_is_refused(tmp_path: Path) -> None:
    (tmp_path / STAMP_NAME).write_text("{not json")
    with pytest.raises(SysrootError, match="corrupt"):
        load_sysroot(tmp_path)


def test_a_foreign_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / STAMP_NAME).write_text('{"format": "something-else"}')
    with pytest.raises(SysrootError, match="does not look like a cc-sandbox sysroot"):
        load_sysroot(tmp_path)


def test_a_stamp_without_libc_is_unfinished(tmp_path: Path) -> None:
    root = _make(tmp_path)
    (root / "lib" / "libc.a").unlink()
    with pytest.raises(SysrootError, match=r"no lib/libc\.a"):
        load_sysroot(root)


def test_location_precedence_is_explicit_then_environment_then_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_SANDBOX_SYSROOT", "/from/env")
    monkeypatch.setenv("XDG_CACHE_HOME", "/cache")
    assert sysroot_dir("/explicit") == Path("/explicit")
    assert sysroot_dir() == Path("/from/env")
    monkeypatch.delenv("CC_SANDBOX_SYSROOT")
    assert sysroot_dir() == Path(f"/cache/cc-sandbox/sysroot/musl-{MUSL_VERSION}-r{RECIPE_VERSION}")

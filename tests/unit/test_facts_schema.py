"""Specification of the facts format's reader: versioned, strict about what it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccsandbox.errors import FactsFormatError
from ccsandbox.facts.schema import CallSite, parse_facts, read_facts
from ccsandbox.resources import repo_root

GOLDEN = repo_root() / "passes" / "test" / "Inputs" / "basic.facts.json"


def test_the_shared_fixture_parses_into_typed_facts() -> None:
    facts = read_facts(GOLDEN)
    assert facts.version == 2 and facts.triple.startswith("x86_64")
    assert CallSite("wrapper", ((0, 39), (1, 0))) in facts.functions["use"].calls
    assert facts.global_fields["ops+8"] == ("positive",)
    assert facts.functions["on_signal"].address_taken == "any"


@pytest.mark.parametrize("version", [1, 3])
def test_another_major_version_is_refused_with_the_versions_we_read(version: int) -> None:
    obj = json.loads(GOLDEN.read_text()) | {"version": version}
    with pytest.raises(FactsFormatError, match=rf"version {version}; this cc-sandbox reads version\(s\) 2"):
        parse_facts(obj, "x.facts")


def test_sites_are_in_order_with_their_block_and_inlined_chain() -> None:
    main = read_facts(GOLDEN).functions["main"]
    assert main.blocks == ((1, 2), (1, 2), ())  # entry -> loop | exit; the loop repeats
    in_loop = [s for s in main.sites if s.block == 1]
    assert [main.calls[s.refs[0]].callee for s in in_loop] == ["step"]
    assert in_loop[0].inlined == ("serve",), "the loop was inlined from serve()"
    assert [s.kind for s in main.sites if s.block == 2] == ["c", "i"]  # use(), then local.check()


def test_a_site_referring_to_a_missing_fact_is_malformed() -> None:
    obj = json.loads(GOLDEN.read_text())
    main = next(f for f in obj["functions"] if f["name"] == "main")
    main["sites"].append([0, "s", 0])  # main has no syscall sites
    with pytest.raises(FactsFormatError, match="order facts of main are malformed"):
        _ = parse_facts(obj).functions["main"].sites  # decoded on first use


def test_unknown_keys_are_ignored_within_a_version() -> None:
    obj = json.loads(GOLDEN.read_text()) | {"future_key": [1, 2]}
    assert "main" in parse_facts(obj).functions


@pytest.mark.parametrize("obj", [{}, [], {"format": "something-else", "version": 1}])
def test_other_documents_are_not_facts(obj: object) -> None:
    with pytest.raises(FactsFormatError, match="not a cc-sandbox facts file"):
        parse_facts(obj)


def test_malformed_entries_are_reported_not_crashed_on() -> None:
    with pytest.raises(FactsFormatError, match="malformed"):
        parse_facts({"format": "cc-sandbox-facts", "version": 2, "functions": [{"name": "f"}]})


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "x.facts"
    junk.write_bytes(b"\x00\x01garbage")
    with pytest.raises(FactsFormatError, match="not JSON"):
        read_facts(junk)


def test_removing_sites_renumbers_what_refers_to_them() -> None:
    """Dropping fallback sites (``without_sites``) keeps the order facts consistent: facts only the
    dropped sites gave go, indexes shift, and inlined chains move with their sites."""
    main = read_facts(GOLDEN).functions["main"]
    dropped = frozenset(n for n, s in enumerate(main.sites) if s.block == 1)  # the loop's call to step
    kept = main.without_sites(dropped)
    assert "step" not in {c.callee for c in kept.calls}
    assert [(s.block, s.kind) for s in kept.sites] == [(s.block, s.kind) for s in main.sites if s.block != 1]
    for site in kept.sites:
        facts = {"c": kept.calls, "i": kept.indirect_calls, "s": kept.syscalls}[site.kind]
        assert all(0 <= r < len(facts) for r in site.refs)
    assert all(0 <= first <= len(kept.sites) for starts in kept.block_inlined.values() for _, first in starts)
    assert kept.without_sites(frozenset()) == kept

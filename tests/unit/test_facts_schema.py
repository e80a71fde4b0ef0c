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
    assert facts.version == 1 and facts.triple.startswith("x86_64")
    assert CallSite("wrapper", ((0, 39), (1, 0))) in facts.functions["use"].calls
    assert facts.global_fields["ops+8"] == ("positive",)
    assert facts.functions["on_signal"].address_taken == "any"


def test_another_major_version_is_refused_with_the_versions_we_read() -> None:
    obj = json.loads(GOLDEN.read_text()) | {"version": 2}
    with pytest.raises(FactsFormatError, match=r"version 2; this cc-sandbox reads version\(s\) 1"):
        parse_facts(obj, "x.facts")


def test_unknown_keys_are_ignored_within_a_version() -> None:
    obj = json.loads(GOLDEN.read_text()) | {"future_key": [1, 2]}
    assert "main" in parse_facts(obj).functions


@pytest.mark.parametrize("obj", [{}, [], {"format": "something-else", "version": 1}])
def test_other_documents_are_not_facts(obj: object) -> None:
    with pytest.raises(FactsFormatError, match="not a cc-sandbox facts file"):
        parse_facts(obj)


def test_malformed_entries_are_reported_not_crashed_on() -> None:
    with pytest.raises(FactsFormatError, match="malformed"):
        parse_facts({"format": "cc-sandbox-facts", "version": 1, "functions": [{"name": "f"}]})


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "x.facts"
    junk.write_bytes(b"\x00\x01garbage")
    with pytest.raises(FactsFormatError, match="not JSON"):
        read_facts(junk)

"""Every JSON document the tools write validates against its JSON Schema in schemas/.

The schemas are the reference for the formats the README describes: policy (OUT.policy.json,
``analyze --json``/``-o``, ``trace --learn``), embedded metadata (``inspect --json``, probe
links), link manifest (OUT.link.json), trace (``trace -o``, ``trace --workload -o``) and workload
files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccsandbox.section import META_SECTION, _section

from .builds import ExampleBuilds
from .helpers import EXAMPLES, REPO, run

jsonschema = pytest.importorskip("jsonschema")
SCHEMAS = REPO / "schemas"


def validate(document: Any, kind: str) -> None:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)


def test_the_schemas_are_valid_json_schemas() -> None:
    found = sorted(path.name for path in SCHEMAS.glob("*.schema.json"))
    assert found == [f"{k}.schema.json" for k in ("embedded", "link", "policy", "trace", "workload")]
    for path in SCHEMAS.glob("*.schema.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_bundled_workloads_follow_the_workload_schema() -> None:
    workloads = sorted(EXAMPLES.glob("real/*/workload.json"))
    assert {"sqlite3", "redis", "coreutils-ls"} <= {path.parent.name for path in workloads}
    for path in workloads:
        validate(json.loads(path.read_text()), "workload")
    with pytest.raises(jsonschema.ValidationError):  # format and version are required
        validate({"cases": [{"argv": ["x"]}]}, "workload")


def test_a_schema_rejects_a_document_of_another_format() -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate({"format": "cc-sandbox-trace", "version": 1, "programs": []}, "policy")


def test_everything_a_build_and_the_commands_write_validates(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("hello", tmp_path / "hello")
    hello = work / "hello"
    validate(json.loads((work / "hello.policy.json").read_text()), "policy")
    validate(json.loads((work / "hello.link.json").read_text()), "link")

    validate(json.loads(run([cc_sandbox, "analyze", "--json", str(hello)], tool_env).stdout), "policy")
    assert run([cc_sandbox, "analyze", "-o", str(tmp_path / "a.json"), str(hello)], tool_env).returncode == 0
    validate(json.loads((tmp_path / "a.json").read_text()), "policy")
    validate(json.loads(run([cc_sandbox, "inspect", "--json", str(hello)], tool_env).stdout), "embedded")

    traced = run(
        [cc_sandbox, "trace", "-o", str(tmp_path / "t.json"), "--learn", str(tmp_path / "l.json"), "--", str(hello)],
        tool_env,
    )
    assert traced.returncode == 0, traced.stderr
    validate(json.loads((tmp_path / "t.json").read_text()), "trace")
    validate(json.loads((tmp_path / "l.json").read_text()), "policy")

    workload = tmp_path / "w.json"
    workload.write_text(json.dumps({"format": "cc-sandbox-workload", "version": 1, "cases": [{"argv": ["{binary}"]}]}))
    merged = run(
        [cc_sandbox, "trace", "--workload", str(workload), "-o", str(tmp_path / "m.json"), "--", str(hello)], tool_env
    )
    assert merged.returncode == 0, merged.stderr
    validate(json.loads((tmp_path / "m.json").read_text()), "trace")


def test_unsandboxed_and_probe_links_write_valid_documents(
    tmp_path: Path, cc_sandbox: str, cc_sandbox_cc: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    work = example_builds.copy("hello", tmp_path / "hello", "--no-sandbox")
    validate(json.loads((work / "hello.policy.json").read_text()), "policy")
    assert run([cc_sandbox_cc, "-o", "conftest", "hello.c"], tool_env, cwd=work).returncode == 0
    place = _section(work / "conftest", META_SECTION)
    assert place is not None
    with open(work / "conftest", "rb") as stream:
        stream.seek(place[0])
        validate(json.loads(stream.read(place[1])), "embedded")

"""Analyse a freshly linked (staged) binary and embed its filter, before it is published.

With sandboxing on, every failure here fails the link: a binary must never be published without
the filter it promises. With --no-sandbox the policy is still computed and written, best effort.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from .. import __version__
from ..analysis.analyze import analyze
from ..analysis.argfacts import analysis_constraints
from ..analysis.asm_model import load_asm_model
from ..analysis.report import build_policy
from ..errors import CcSandboxError, LinkError
from ..facts.schema import Facts, parse_facts, read_facts
from ..resources import plugin_path
from .enforce import enforce
from .options import PolicyOptions
from .section import write_filter, write_metadata

__all__ = ["analyse_and_embed"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _facts_of_module(module: Path) -> Facts:
    from ..facts.extract import run_plugin  # deferred: facts.extract -> module -> driver.link -> here

    plugin = plugin_path()
    if plugin is not None:
        return run_plugin(module, plugin)
    from ..facts.llvmlite_extract import extract_facts  # deferred: imports llvmlite

    return parse_facts(extract_facts(module), str(module))


def analyse_and_embed(
    staged: Path, facts: Path | None, module: Path, program: str, options: PolicyOptions
) -> tuple[dict[str, Any] | None, list[str]]:
    """The policy document for ``staged``, and notes for the user.

    Facts come from the pass that ran inside the link; without it (plugin not built, or
    CC_SANDBOX_NO_PLUGIN=1) from the module, as ``analyze`` gets them: opt-19 with the plugin,
    else the llvmlite extractor.
    """
    started = time.monotonic()
    try:
        program_facts = read_facts(facts) if facts is not None else _facts_of_module(module)
        natives = load_asm_model()
        analysis = analyze(program_facts, natives)
        policy = build_policy(analysis, program, seconds=time.monotonic() - started)
        constraints = analysis_constraints(analysis, program_facts, natives)
    except CcSandboxError as err:
        if options.sandbox:
            raise LinkError(f"analysing {program} failed: {err}") from None
        return None, [f"analysing {program} failed: {err}"]
    document = {**policy.to_json(), "constraints": constraints.to_json()}
    notes = []
    if policy.allow_all:
        notes.append(
            f"{program}: {len(policy.unresolved)} syscall site(s) with unknown numbers; its policy "
            "allows every syscall (see `cc-sandbox analyze`)"
        )
    if options.sandbox:
        enforcement = enforce(policy, options, program, constraints)
        write_filter(staged, enforcement.program)
        write_metadata(
            staged,
            {
                "format": "cc-sandbox-embedded",
                "version": 1,
                "producer": f"cc-sandbox {__version__}",
                "program": program,
                "module_sha256": _sha256(module),
                **enforcement.info,
            },
        )
        document["enforcement"] = enforcement.info
        notes += enforcement.notes
    return document, notes

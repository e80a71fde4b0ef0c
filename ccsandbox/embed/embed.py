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
from ..analysis.asm_model import load_asm_model
from ..analysis.exec_facts import module_exec_facts
from ..analysis.report import build_policy
from ..errors import CcSandboxError, LinkError
from ..facts.schema import read_facts
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


def analyse_and_embed(
    staged: Path, facts: Path | None, module: Path, program: str, options: PolicyOptions
) -> tuple[dict[str, Any] | None, list[str]]:
    """The policy document for ``staged`` (None without facts), and notes for the user."""
    if facts is None:
        if options.sandbox:
            raise LinkError(
                f"cannot compute the policy of {program}: the pass plugin is not built "
                "(./setup.sh builds it); or link with --no-sandbox"
            )
        return None, [f"no policy for {program}: the pass plugin is not built (./setup.sh builds it)"]
    started = time.monotonic()
    try:
        parsed = read_facts(facts)
        analysis = analyze(parsed, load_asm_model())
        policy = build_policy(analysis, program, seconds=time.monotonic() - started)
        execs = module_exec_facts(parsed, analysis, module, program)
    except CcSandboxError as err:
        if options.sandbox:
            raise LinkError(f"analysing {program} failed: {err}") from None
        return None, [f"analysing {program} failed: {err}"]
    document = policy.to_json()
    document["exec"] = execs.to_json()
    notes = []
    if policy.allow_all:
        notes.append(
            f"{program}: {len(policy.unresolved)} syscall site(s) with unknown numbers; its policy "
            "allows every syscall (see `cc-sandbox analyze`)"
        )
    if options.sandbox:
        enforcement = enforce(policy, options, program, execs.self_only, execs.summary())
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

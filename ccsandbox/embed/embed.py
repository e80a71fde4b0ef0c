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
from ..analysis.policy import Policy
from ..analysis.report import build_policy
from ..errors import CcSandboxError, LinkError
from ..facts.schema import Facts, parse_facts, read_facts
from ..resources import plugin_path
from .enforce import enforce
from .instructions import check_syscall_instructions
from .options import ENV, PolicyOptions
from .section import write_filter, write_metadata

__all__ = ["analyse_and_embed", "unresolved_refusal"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unresolved_refusal(policy: Policy, program: str) -> str:
    """The one line that fails a link whose policy would allow everything (fail closed)."""
    first = policy.unresolved[0]
    more = (
        f" (and {len(policy.unresolved) - 1} more; see `cc-sandbox analyze {program}.bc`)"
        if len(policy.unresolved) > 1
        else ""
    )
    return (
        f"{program}: a syscall number the analysis cannot know, in {first.function}: {first.reason}{more}; "
        "make the number a constant (e.g. syscall(SYS_x) or a switch over SYS_ constants), or accept a "
        "filter that allows every syscall with --unresolved allow-all (make/build, or "
        f"{ENV}='--unresolved allow-all')"
    )


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
        policy = build_policy(analyze(program_facts, load_asm_model()), program, seconds=time.monotonic() - started)
    except CcSandboxError as err:
        if options.sandbox:
            raise LinkError(f"analysing {program} failed: {err}") from None
        return None, [f"analysing {program} failed: {err}"]
    if options.sandbox:
        check_syscall_instructions(staged, program_facts, load_asm_model(), program)
    document = policy.to_json()
    notes = []
    if policy.allow_all:
        if options.sandbox and options.unresolved != "allow-all":
            raise LinkError(unresolved_refusal(policy, program))
        notes.append(
            f"{program}: ALLOW-ALL: {len(policy.unresolved)} syscall site(s) with unknown numbers "
            f"(first: {policy.unresolved[0].function}: {policy.unresolved[0].reason}); "
            + ("ITS FILTER ALLOWS EVERY SYSCALL" if options.sandbox else "its policy allows every syscall")
        )
    if options.sandbox:
        enforcement = enforce(policy, options, program)
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
                **(
                    {"unresolved": [f"{u.function}: {u.reason}" for u in policy.unresolved]} if policy.allow_all else {}
                ),
            },
        )
        document["enforcement"] = enforcement.info
        notes += enforcement.notes
    return document, notes

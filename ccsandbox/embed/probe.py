"""Marking probe links (configure's ``conftest``, CMake's ``cmTC_*``, ``CC_SANDBOX_PROBE=1``).

Probe links stay cheap: no module, no analysis, no filter. So that a probe binary is never taken
for a sandboxed one, nor for one cc-sandbox did not build, it gets the same metadata section as
a sandboxed binary, saying ``"probe": true`` and why. Only llvm-objcopy runs (a few ms); a
failure to mark is ignored, because probing must behave exactly like the real compiler.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from .. import __version__
from ..errors import CcSandboxError
from ..section import META_SECTION
from ..tools import find_llvm_tool

__all__ = ["mark_probe", "probe_metadata"]


def probe_metadata(program: str, reason: str) -> dict[str, object]:
    return {
        "format": "cc-sandbox-embedded",
        "version": 1,
        "producer": f"cc-sandbox {__version__}",
        "program": program,
        "probe": True,
        "probe_reason": reason,
    }


def mark_probe(binary: Path, reason: str) -> None:
    """Add the probe metadata to ``binary`` (best effort)."""
    try:
        objcopy = find_llvm_tool("llvm-objcopy")
    except CcSandboxError:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".json") as meta:
        json.dump(probe_metadata(binary.name, reason), meta, sort_keys=True)
        meta.flush()
        subprocess.run(
            [objcopy, f"--add-section={META_SECTION}={meta.name}", str(binary)], capture_output=True, check=False
        )

"""Reference facts extractor on llvmlite (placeholder until implemented)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import CcSandboxError


def extract_facts(module: Path) -> dict[str, Any]:
    raise CcSandboxError("the pass plugin is not built and the llvmlite extractor is not available; run ./setup.sh")

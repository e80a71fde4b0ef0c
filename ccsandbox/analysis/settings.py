"""What a user chooses for an analysis (:class:`Settings`, the pipeline's input): how indirect
calls resolve, the oldest kernel whose filter may drop musl's ENOSYS fallbacks, and what an
unknown syscall number does.

Kept apart from the analysis itself, so that parsing options (every command's ``--help``, the
link's sandbox options) imports nothing of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ..errors import CcSandboxError

__all__ = ["DEFAULT_MIN_KERNEL", "IndirectMode", "KernelVersion", "Settings", "kernel_text", "parse_min_kernel"]


class IndirectMode(StrEnum):
    """How an indirect call's targets are found: every address-taken function of its type
    (signature), or also narrowed by the struct field the pointer was loaded from (fields)."""

    SIGNATURE = "signature"
    FIELDS = "fields"


KernelVersion = tuple[int, int]

#: The oldest kernel a supported Debian release ships: bookworm's 6.1 (bullseye's LTS, with
#: 5.10, ended in August 2026). Older kernels still run the binaries, with the unpruned filter.
DEFAULT_MIN_KERNEL = "6.1"


def kernel_text(version: KernelVersion) -> str:
    """(6, 1) -> "6.1"."""
    return f"{version[0]}.{version[1]}"


def parse_min_kernel(text: str) -> KernelVersion | None:
    """``"6.1"`` -> (6, 1); ``"none"`` -> None (keep every fallback). CcSandboxError otherwise."""
    if text == "none":
        return None
    match = re.fullmatch(r"(\d{1,4})\.(\d{1,4})", text)
    if not match:
        raise CcSandboxError(f"--min-kernel {text!r}: give MAJOR.MINOR (e.g. 6.1), or none to keep every fallback")
    return int(match[1]), int(match[2])


@dataclass(frozen=True)
class Settings:
    """What the user chose: how indirect calls resolve, the oldest kernel whose filter drops
    musl's ENOSYS fallbacks (``"none"``: keep them), and what an unknown syscall number does
    (``allow-all`` widens the policy, ``refuse`` raises AnalysisError)."""

    mode: IndirectMode = IndirectMode.SIGNATURE
    min_kernel: str = DEFAULT_MIN_KERNEL
    unresolved: str = "allow-all"

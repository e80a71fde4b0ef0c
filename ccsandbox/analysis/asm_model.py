"""The model of musl's native (assembly) functions, read from musl/asm-model.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CcSandboxError
from ..resources import musl_dir

__all__ = ["NativeFunction", "load_asm_model", "parse_asm_model"]


@dataclass(frozen=True)
class NativeFunction:
    """What one assembly function does that no bitcode shows."""

    name: str
    file: str
    syscalls: tuple[int, ...] = ()
    syscall_param: int | None = None  # the parameter that holds the syscall number
    calls: tuple[str, ...] = ()  # C functions it calls or jumps to
    indirect_calls: tuple[str, ...] = ()  # function types of pointers it calls
    #: syscall sites with their arguments, as the facts' ``syscall_args`` entries
    #: (``{"nr": 56, "args": {"0": "p2"}}``); a syscall with no entry has unknown arguments
    syscall_args: tuple[dict[str, Any], ...] = ()
    #: its return value is the raw result of its syscall (an -ENOSYS test of it is a fallback guard)
    returns_syscall_result: bool = False


def parse_asm_model(obj: dict[str, Any]) -> dict[str, NativeFunction]:
    """Symbol name -> model, for every symbol of every modelled file."""
    if obj.get("format") != "cc-sandbox-asm-model" or obj.get("version") != 1:
        raise CcSandboxError("musl/asm-model.json has an unknown format or version")
    model: dict[str, NativeFunction] = {}
    for file, entry in obj["files"].items():
        for symbol in entry["symbols"]:
            model[symbol] = NativeFunction(
                name=symbol,
                file=file,
                syscalls=tuple(entry.get("syscalls", ())),
                syscall_param=entry.get("syscall_param"),
                calls=tuple(entry.get("calls", ())),
                indirect_calls=tuple(entry.get("indirect_calls", ())),
                syscall_args=tuple(entry.get("syscall_args", ())),
                returns_syscall_result=entry.get("returns_syscall_result") == symbol,
            )
    return model


def load_asm_model(path: Path | None = None) -> dict[str, NativeFunction]:
    """Read the model (default: musl/asm-model.json in the checkout)."""
    source = path or musl_dir() / "asm-model.json"
    return parse_asm_model(json.loads(source.read_text()))

"""How the user wants binaries sandboxed (from `cc-sandbox make` options, passed to the driver
through one JSON environment variable, like scan-build-py's wrapper settings)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from ..errors import CcSandboxError

ENV = "CC_SANDBOX_POLICY_OPTIONS"
#: For a plain `cc-sandbox cc` link (no make/build options): what an unresolved syscall number does.
UNRESOLVED_ENV = "CC_SANDBOX_UNRESOLVED"
EXEC_MODES = ("block", "inherit")
#: refuse (default): a link with a syscall site whose number stays unknown fails, naming the site;
#: allow-all: the user accepts a filter that allows every syscall (said in capitals everywhere).
UNRESOLVED_MODES = ("refuse", "allow-all")

__all__ = [
    "ENV",
    "EXEC_MODES",
    "UNRESOLVED_ENV",
    "UNRESOLVED_MODES",
    "PolicyOptions",
    "options_from_env",
    "unresolved_from_env",
]


@dataclass(frozen=True)
class PolicyOptions:
    sandbox: bool = True  # False: link no runtime, embed nothing (--no-sandbox)
    action: str = "kill"  # kill | trap | errno | log
    errno: int = 1  # for action errno (EPERM)
    deny: tuple[str, ...] = ()  # syscalls removed from the analysed set (negative controls)
    exec_mode: str = "block"  # block: execve/execveat fail with EPERM; inherit: allowed
    exec_allow: tuple[str, ...] = field(default=())  # policies of programs it may exec (implies inherit)
    unresolved: str = "refuse"  # refuse | allow-all: what a syscall number the analysis cannot know does

    def to_env(self) -> str:
        return json.dumps(asdict(self))


def unresolved_from_env() -> str:
    """$CC_SANDBOX_UNRESOLVED (refuse when unset); anything else is refused in one line."""
    value = os.environ.get(UNRESOLVED_ENV) or "refuse"
    if value not in UNRESOLVED_MODES:
        raise CcSandboxError(f"${UNRESOLVED_ENV}={value!r}: expected one of {', '.join(UNRESOLVED_MODES)}")
    return value


def options_from_env() -> PolicyOptions:
    raw = os.environ.get(ENV)
    if not raw:
        return PolicyOptions(unresolved=unresolved_from_env())
    try:
        data = json.loads(raw)
        return PolicyOptions(
            **{**data, "deny": tuple(data.get("deny", ())), "exec_allow": tuple(data.get("exec_allow", ()))}
        )
    except (json.JSONDecodeError, TypeError) as err:
        raise CcSandboxError(f"${ENV} is malformed ({err}); unset it or pass the options to cc-sandbox make") from None

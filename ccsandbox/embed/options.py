"""How the user wants binaries sandboxed (from `cc-sandbox make` options, passed to the driver
through one JSON environment variable, like scan-build-py's wrapper settings)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from ..errors import CcSandboxError

ENV = "CC_SANDBOX_POLICY_OPTIONS"
EXEC_MODES = ("block", "allow", "floor", "none", "inherit")  # inherit: earlier name of allow

__all__ = ["ENV", "EXEC_MODES", "PolicyOptions", "options_from_env"]


@dataclass(frozen=True)
class PolicyOptions:
    sandbox: bool = True  # False: link no runtime, embed nothing (--no-sandbox)
    action: str = "kill"  # kill | trap | errno | log
    errno: int = 1  # for action errno (EPERM)
    deny: tuple[str, ...] = ()  # syscalls removed from the analysed set (negative controls)
    exec_mode: str | None = None  # --exec for every program (None: block, or allow if it execs only itself)
    exec_allow: tuple[str, ...] = field(default=())  # policies of programs it may exec (implies allow)
    exec_rules: tuple[tuple[str, str, tuple[str, ...], str], ...] = ()  # per program, embed/exec_modes.py

    def to_env(self) -> str:
        return json.dumps(asdict(self))


def options_from_env() -> PolicyOptions:
    raw = os.environ.get(ENV)
    if not raw:
        return PolicyOptions()
    try:
        data = json.loads(raw)
        rules = tuple((p, m, tuple(ps), o) for p, m, ps, o in data.get("exec_rules", ()))
        return PolicyOptions(
            **{
                **data,
                "deny": tuple(data.get("deny", ())),
                "exec_allow": tuple(data.get("exec_allow", ())),
                "exec_rules": rules,
            }
        )
    except (json.JSONDecodeError, TypeError, ValueError) as err:
        raise CcSandboxError(f"${ENV} is malformed ({err}); unset it or pass the options to cc-sandbox make") from None

"""How the user wants binaries sandboxed (from `cc-sandbox make` options, passed to the driver
through one JSON environment variable, like scan-build-py's wrapper settings)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from ..errors import CcSandboxError

ENV = "CC_SANDBOX_POLICY_OPTIONS"
EXEC_MODES = ("block", "inherit")

__all__ = ["ENV", "EXEC_MODES", "PolicyOptions", "options_from_env"]


@dataclass(frozen=True)
class PolicyOptions:
    sandbox: bool = True  # False: link no runtime, embed nothing (--no-sandbox)
    action: str = "kill"  # kill | trap | errno | log
    errno: int = 1  # for action errno (EPERM)
    deny: tuple[str, ...] = ()  # syscalls removed from the analysed set (negative controls)
    exec_mode: str = "block"  # block: execve/execveat fail with EPERM; inherit: allowed
    exec_allow: tuple[str, ...] = field(default=())  # policies of programs it may exec (implies inherit)
    phases: tuple[str, ...] = ()  # transitions in order: "FUNC" (entry) or "CALLER:CALLEE" (call site)
    phase_programs: tuple[str, ...] = ()  # links (output names) the transitions apply to; () = every link

    def phases_for(self, output_name: str) -> tuple[str, ...]:
        """The transitions of the link writing ``output_name`` (none without a sandbox)."""
        if not self.sandbox or (self.phase_programs and output_name not in self.phase_programs):
            return ()
        return self.phases

    def to_env(self) -> str:
        return json.dumps(asdict(self))


def options_from_env() -> PolicyOptions:
    raw = os.environ.get(ENV)
    if not raw:
        return PolicyOptions()
    try:
        data = json.loads(raw)
        tuples = ("deny", "exec_allow", "phases", "phase_programs")
        return PolicyOptions(**{**data, **{key: tuple(data.get(key, ())) for key in tuples}})
    except (json.JSONDecodeError, TypeError) as err:
        raise CcSandboxError(f"${ENV} is malformed ({err}); unset it or pass the options to cc-sandbox make") from None

"""Running a program under ``strace -f`` (the independent oracle) and reading what it did.

Only syscalls made by the traced program's own code after its filter is installed count:
everything before the successful ``seccomp(SECCOMP_SET_MODE_FILTER, ...)`` of a sandboxed binary
(the start-up and the installer itself) is separated out, as no filter is active yet. A process
that successfully execs another program is followed up to and including that execve, not after
it (the other program is not what the policy describes). strace's own first execve is dropped.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ccsandbox.syscalls import SYSCALL_NUMBERS

_LINE = re.compile(r"^(?P<pid>\d+)\s+(?:<\.\.\. (?P<resumed>\w+) resumed>|(?P<name>\w+)\()(?P<rest>.*)$")


def parse_strace(text: str) -> set[str]:
    """Names of the syscalls in an ``strace -f -o`` log, per the rules above."""
    seen: set[str] = set()
    exec_done: set[str] = set()
    first_pid: str | None = None
    first_exec_skipped = False
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        pid, name = match["pid"], match["name"] or match["resumed"]
        first_pid = first_pid or pid
        if pid in exec_done:
            continue
        if name in ("execve", "execveat") and pid == first_pid and not first_exec_skipped:
            first_exec_skipped = True
            continue
        if name == "seccomp" and "SECCOMP_SET_MODE_FILTER" in line and re.search(r"= 0$", line):
            seen.clear()  # the filter is active from here on; what came before is pre-install
            continue
        if match["name"]:
            seen.add(name)
        if name in ("execve", "execveat") and re.search(r"= 0$", line):
            exec_done.add(pid)
    return seen


def run_traced(
    cmd: list[str],
    log: Path,
    drive: Callable[[subprocess.Popen[str]], None] | None = None,
    timeout: float = 120,
    **popen: object,
) -> set[str]:
    """Run ``cmd`` under ``strace -f``; ``drive`` interacts with the running process if given."""
    proc = subprocess.Popen(["strace", "-f", "-qq", "-o", str(log), *cmd], text=True, **popen)  # type: ignore[call-overload]
    try:
        if drive is not None:
            drive(proc)
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return parse_strace(log.read_text())


def traced_child(strace_pid: int, timeout: float = 10) -> int:
    """The pid of the program strace started (its first child)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{strace_pid}/task/{strace_pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.01)
    raise TimeoutError("strace started no child")


def unsound(observed: set[str], policy_file: Path) -> list[str]:
    """Observed syscalls the policy does not allow (must be empty), and names strace used that
    the syscall table does not know (reported as such, so they cannot hide)."""
    policy = json.loads(policy_file.read_text())
    allowed = {entry["name"] for entry in policy["allowed"]}
    unknown = sorted(f"{n} (not in the table)" for n in observed if n not in SYSCALL_NUMBERS)
    return unknown + sorted(
        n for n in observed if n in SYSCALL_NUMBERS and n not in allowed and not policy["allow_all"]
    )

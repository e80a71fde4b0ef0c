"""`cc-sandbox audit` on a real kill: a binary built without writev (`--deny=writev`) dies in
its first printf, and the kernel's own record of it comes back as that syscall, that binary and
the musl function that made the call, with what to run next."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ccsandbox.audit.sources import KMSG

from .builds import ExampleBuilds
from .helpers import run

#: the kernel prints audit records without auditd through printk_ratelimit (10 per 5 s): a
#: record may be dropped while other tests kill programs too, so the kill is run again once
RATELIMIT_INTERVAL = 5.5


def _killed_writev(binary: Path, cc_sandbox: str, env: dict[str, str]) -> list[dict]:  # type: ignore[type-arg]
    for attempt in range(2):
        if attempt:
            time.sleep(RATELIMIT_INTERVAL)
        done = subprocess.run([str(binary)], capture_output=True)
        assert done.returncode == -signal.SIGSYS
        for _ in range(20):
            report = run([cc_sandbox, "audit", "--exe", str(binary), "--json"], env)
            assert report.returncode == 0, report.stderr
            calls = [c for p in json.loads(report.stdout)["programs"] for c in p["calls"] if c["syscall"] == "writev"]
            if calls:
                return calls
            time.sleep(0.1)
    return []


def test_a_kill_is_reported_with_its_syscall_and_function(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str], example_builds: ExampleBuilds
) -> None:
    try:
        KMSG.open("rb").close()
    except OSError as err:
        pytest.skip(f"the kernel log cannot be read here: {err}")
    work = example_builds.copy("hello", tmp_path / "hello", "--deny=writev")
    calls = _killed_writev(work / "hello", cc_sandbox, tool_env)
    assert calls, "the kernel's record of the kill was not found"
    (call,) = calls
    assert call["action"] == "kill_process" and call["arch"] == "x86_64" and call["count"] >= 1
    assert call["functions"] and all(not f.startswith("0x") for f in call["functions"])
    assert any(step.startswith(f"cc-sandbox explain {work / 'hello'} writev") for step in call["next"])


def test_a_saved_log_is_read_instead_of_the_machine_s(
    tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]
) -> None:
    log = tmp_path / "dmesg.txt"
    log.write_text(
        "[1.0] audit: type=1326 audit(1796318483.984:1182): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7 "
        'comm="gone" exe="/nonexistent/gone" sig=31 arch=c000003e syscall=59 compat=0 ip=0x2 code=0x80000000\n'
    )
    done = run([cc_sandbox, "audit", "--log", str(log)], tool_env)
    assert done.returncode == 0
    assert "kill_process execve" in done.stdout and "no function names for /nonexistent/gone" in done.stdout


def test_a_log_that_cannot_be_read_is_one_line(tmp_path: Path, cc_sandbox: str, tool_env: dict[str, str]) -> None:
    done = run([cc_sandbox, "audit", "--log", str(tmp_path / "missing.txt")], tool_env)
    assert done.returncode == 2 and "does not exist" in done.stderr

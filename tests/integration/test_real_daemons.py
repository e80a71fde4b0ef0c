"""Real daemons that start as root and drop privileges, built with their libraries through
cc-sandbox (opt-in: CC_SANDBOX_DAEMONS=1; each build takes minutes).

- memcached 1.6.18 with libevent 2.1.12 (built into a prefix, found by --with-libevent);
- lighttpd 1.4.69 with pcre2 and zlib (built into a prefix, found through pkg-config).

Each recipe's smoke run starts the server as root with a service user, serves a workload on
127.0.0.1 in kill mode, and checks from /proc that every thread runs as 65534 with a seccomp
filter after the drop (setgid, setgroups/initgroups and setuid: the syscall numbers that travel
through musl's __synccall).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .helpers import EXAMPLES, run

DAEMONS = ("memcached", "lighttpd")

pytestmark = [
    pytest.mark.real_programs,
    pytest.mark.skipif(os.environ.get("CC_SANDBOX_DAEMONS") != "1", reason="long (builds with libraries): opt in"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the daemons start as root and drop privileges"),
]


@pytest.fixture(scope="module")
def daemon_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("CC_SANDBOX_REAL_WORK")
    return Path(chosen) if chosen else tmp_path_factory.mktemp("daemons")


@pytest.mark.parametrize("name", DAEMONS)
def test_the_daemon_serves_its_workload_after_dropping_privileges(
    name: str, daemon_work: Path, tool_env: dict[str, str]
) -> None:
    built = run([str(EXAMPLES / "real" / name / "build.sh"), str(daemon_work / name)], tool_env, timeout=2400)
    assert built.returncode == 0, built.stderr[-3000:]
    binary = Path(built.stdout.strip().splitlines()[-1])
    policy = json.loads(Path(f"{binary}.policy.json").read_text())
    assert not policy["allow_all"]
    assert {"setuid", "setgid", "setgroups"} <= {entry["name"] for entry in policy["allowed"]}
    smoke = run([str(EXAMPLES / "real" / name / "smoke.sh"), str(binary)], tool_env, timeout=300)
    assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-3000:]

"""The pinned x86_64 table against the kernel: the installed UAPI header, and the running
kernel's own numbering read from /proc/PID/syscall while a child blocks in a known call."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccsandbox.syscalls import KERNEL_VERSION, SYSCALL_NAMES, SYSCALL_NUMBERS, UNIMPLEMENTED

UAPI = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")


def test_the_table_is_linux_6_18_native_x86_64() -> None:
    assert KERNEL_VERSION == "6.18" and len(SYSCALL_NAMES) == 383
    assert set(SYSCALL_NAMES) == set(range(337)) | set(range(424, 470))
    assert len(SYSCALL_NUMBERS) == len(SYSCALL_NAMES), "names are unique"
    assert (SYSCALL_NUMBERS["read"], SYSCALL_NUMBERS["rt_sigreturn"], SYSCALL_NUMBERS["clone3"]) == (0, 15, 435)
    assert (SYSCALL_NUMBERS["uprobe"], SYSCALL_NUMBERS["file_setattr"]) == (336, 469)
    assert set(SYSCALL_NUMBERS) >= UNIMPLEMENTED


@pytest.mark.skipif(not UAPI.is_file(), reason="linux-libc-dev is not installed")
def test_the_installed_uapi_header_agrees() -> None:
    for name, nr in re.findall(r"#define __NR_(\w+)\s+(\d+)", UAPI.read_text()):
        assert SYSCALL_NUMBERS[name] == int(nr), name


BLOCKING = {
    "read": "import os; os.read(0, 1)",
    "accept4": "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); s.accept()",
    "clock_nanosleep": "import time; time.sleep(30)",
    "wait4": "import os, time; pid = os.fork(); (time.sleep(30) if pid == 0 else os.waitpid(pid, 0))",
}


@pytest.mark.parametrize("name", sorted(BLOCKING))
def test_the_running_kernel_numbers_blocking_calls_like_the_table(name: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", BLOCKING[name]], stdin=subprocess.PIPE)
    try:
        deadline, seen = time.monotonic() + 10, ""
        while time.monotonic() < deadline:
            seen = Path(f"/proc/{child.pid}/syscall").read_text().split()[0]
            if seen.isdigit() and int(seen) == SYSCALL_NUMBERS[name]:
                break
            time.sleep(0.05)
        assert seen.isdigit() and int(seen) == SYSCALL_NUMBERS[name], f"kernel reports {seen}"
    finally:
        child.kill()
        child.wait()

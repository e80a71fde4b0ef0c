"""Where the kernel's seccomp records can be read, and reading them (the side-effect edge).

In order: ``/dev/kmsg`` (the kernel log's ring buffer; reading it needs CAP_SYSLOG when
``kernel.dmesg_restrict`` is 1), ``journalctl -k`` (the journal keeps the kernel log past the
ring buffer's size), and auditd's ``/var/log/audit/audit.log`` (where auditd runs, the records
go there instead of the kernel log). Every source that can be read is read; what none could
read is an error that names each source and why.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import AuditError

__all__ = ["AUDIT_LOG", "KMSG", "Collected", "actions_logged", "collect"]

KMSG = Path("/dev/kmsg")
AUDIT_LOG = Path("/var/log/audit/audit.log")
ACTIONS_LOGGED = Path("/proc/sys/kernel/seccomp/actions_logged")


@dataclass
class Collected:
    """Lines read, and per source tried: ``read`` or why not."""

    lines: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)


def _read_kmsg(path: Path) -> list[str]:
    """Every record in the ring buffer, without waiting for new ones."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    lines = []
    try:
        while True:
            try:
                chunk = os.read(fd, 8192)
            except BlockingIOError:
                break
            except OSError as err:
                if err.errno == errno.EPIPE:  # records were overwritten while reading: go on
                    continue
                raise
            if not chunk:
                break
            lines.append(chunk.decode("utf-8", "replace").split(";", 1)[-1])
    finally:
        os.close(fd)
    return lines


def _read_journal() -> list[str]:
    journalctl = shutil.which("journalctl")
    if journalctl is None:
        raise FileNotFoundError("no journalctl")
    done = subprocess.run(
        [journalctl, "-k", "--no-pager", "-o", "cat", "--grep", "type=1326"], capture_output=True, text=True, timeout=60
    )
    if done.returncode not in (0, 1):  # 1: nothing matched
        raise PermissionError((done.stderr.strip().splitlines() or ["failed"])[-1])
    return done.stdout.splitlines()


def collect(files: list[Path] | None = None) -> Collected:
    """Lines from ``files`` (saved logs: ``dmesg`` output, an audit.log), or from every source
    of this machine that can be read.

    Raises
    ------
    AuditError
        when no source could be read, naming each one and how to grant access.
    """
    out = Collected()
    if files:
        for path in files:
            try:
                out.lines += path.read_text(errors="replace").splitlines()
                out.sources[str(path)] = "read"
            except OSError as err:
                raise AuditError(f"cannot read {path}: {err.strerror or err}") from None
        return out
    readers: list[tuple[str, Callable[[], list[str]]]] = [
        (str(KMSG), lambda: _read_kmsg(KMSG)),
        ("journalctl -k", _read_journal),
        (str(AUDIT_LOG), lambda: AUDIT_LOG.read_text(errors="replace").splitlines()),
    ]
    for name, read in readers:
        try:
            out.lines += read()
            out.sources[name] = "read"
        except FileNotFoundError:
            out.sources[name] = "absent"
        except PermissionError as err:
            out.sources[name] = f"permission denied ({err})" if str(err) else "permission denied"
        except (OSError, subprocess.SubprocessError) as err:
            out.sources[name] = f"unreadable ({err})"
    if "read" not in out.sources.values():
        tried = "; ".join(f"{name}: {why}" for name, why in out.sources.items())
        raise AuditError(
            f"no kernel log could be read ({tried}): run as root, or allow it with "
            "`sysctl kernel.dmesg_restrict=0`, membership of the systemd-journal or adm group, or "
            "pass a saved log (`dmesg > log.txt; cc-sandbox audit --log log.txt`)"
        )
    return out


def actions_logged(path: Path = ACTIONS_LOGGED) -> set[str] | None:
    """The actions the kernel logs (``kernel.seccomp.actions_logged``), None when unknown."""
    try:
        return set(path.read_text().split())
    except OSError:
        return None

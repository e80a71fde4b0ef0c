"""The kernel's seccomp audit records (type 1326, AUDIT_SECCOMP), parsed from text (pure).

The kernel writes one record per logged action: a kill always (``kill_process`` and
``kill_thread`` are in ``kernel.seccomp.actions_logged`` by default), ``log`` and ``errno`` when
that sysctl lists them. Without auditd the record goes to the kernel log (``dmesg``,
``/dev/kmsg``, ``journalctl -k``) as ``audit: type=1326 audit(EPOCH:SERIAL): ... syscall=N ...
ip=0x... code=0x...``; with auditd, to ``audit.log`` as ``type=SECCOMP msg=audit(EPOCH:SERIAL):
...``. Both carry the same fields, and the (time, serial) pair names one record wherever it was
read, so a record seen in two sources counts once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["ARCHES", "AuditRecord", "action_name", "parse_records"]

_RECORD = re.compile(
    r"(?:type=1326|type=SECCOMP)\b[^\n]*?audit\((?P<time>\d+\.\d+):(?P<serial>\d+)\):(?P<fields>[^\n]*)"
)
_FIELD = re.compile(r'(?P<key>\w+)=(?P<value>"[^"]*"|\S+)')

#: AUDIT_ARCH_* values a record may name
ARCHES = {0xC000003E: "x86_64", 0x40000003: "i386"}

#: SECCOMP_RET_* action values (the top 16 bits of ``code``; errno and trap carry data below)
_ACTIONS = {
    0x80000000: "kill_process",
    0x00000000: "kill_thread",
    0x00030000: "trap",
    0x00050000: "errno",
    0x7FC00000: "user_notif",
    0x7FF00000: "trace",
    0x7FFC0000: "log",
    0x7FFF0000: "allow",
}


def action_name(code: int) -> str:
    """``kill_process``, ``log``, ``errno`` ... for a record's ``code`` (its SECCOMP_RET_* value)."""
    return _ACTIONS.get(code & 0xFFFF0000, f"0x{code:08x}")


@dataclass(frozen=True)
class AuditRecord:
    """One seccomp record."""

    time: float  # seconds since the epoch, as the kernel stamped it
    serial: int
    pid: int
    comm: str
    exe: str
    arch: int
    syscall: int
    ip: int
    code: int

    @property
    def action(self) -> str:
        return action_name(self.code)

    @property
    def key(self) -> tuple[float, int]:
        return (self.time, self.serial)


def _unquote(value: str) -> str:
    if value.startswith('"') and value.endswith('"'):
        return value[1:-1]
    if re.fullmatch(r"[0-9A-F]+", value) and len(value) % 2 == 0:  # auditd hex-encodes odd names
        try:
            return bytes.fromhex(value).decode("utf-8", "replace")
        except ValueError:
            return value
    return value


def parse_records(lines: Iterable[str]) -> Iterator[AuditRecord]:
    """Every seccomp record in ``lines`` (other lines are skipped; so is a record missing a field)."""
    for line in lines:
        found = _RECORD.search(line)
        if found is None:
            continue
        fields = {m["key"]: m["value"] for m in _FIELD.finditer(found["fields"])}
        try:
            yield AuditRecord(
                time=float(found["time"]),
                serial=int(found["serial"]),
                pid=int(fields["pid"]),
                comm=_unquote(fields.get("comm", "?")),
                exe=_unquote(fields.get("exe", "?")),
                arch=int(fields["arch"], 16),
                syscall=int(fields["syscall"]),
                ip=int(fields.get("ip", "0x0"), 16),
                code=int(fields["code"], 16),
            )
        except (KeyError, ValueError):
            continue

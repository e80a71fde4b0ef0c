"""Specification of the audit report: the kernel's seccomp records, from either log, grouped
per program and call, each named, counted and pointed at what to do next."""

from __future__ import annotations

from ccsandbox.audit import sources
from ccsandbox.audit.records import action_name, parse_records
from ccsandbox.audit.report import audit_document, render_audit
from ccsandbox.errors import AuditError

KMSG = (
    "[27724.467100] audit: type=1326 audit(1796318483.984:1182): auid=4294967295 uid=0 gid=0 "
    'ses=4294967295 pid=14367 comm="hello" exe="/w/hello" sig=31 arch=c000003e syscall=20 compat=0 '
    "ip=0x210e6e code=0x80000000"
)
AUDITD = (
    'type=SECCOMP msg=audit(1796318490.000:1190): auid=0 uid=0 gid=0 ses=1 pid=14367 comm="hello" '
    'exe="/w/hello" sig=0 arch=c000003e syscall=39 compat=0 ip=0x210e70 code=0x7ffc0000'
)
I386 = (
    "audit: type=1326 audit(1796318502.156:1185): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=14610 "
    'comm="asm" exe="/w/asm" sig=31 arch=40000003 syscall=20 compat=1 ip=0x21029b code=0x80000000'
)


def document(*lines: str, **kw: object) -> dict:  # type: ignore[type-arg]
    return audit_document(parse_records(lines), lambda exe, ip: "__stdout_write", {"test": "read"}, None, **kw)  # type: ignore[arg-type]


def test_both_log_formats_give_the_same_fields() -> None:
    (killed,) = parse_records([KMSG])
    (logged,) = parse_records([AUDITD])
    assert (killed.pid, killed.exe, killed.syscall, killed.action) == (14367, "/w/hello", 20, "kill_process")
    assert (logged.syscall, logged.action, logged.ip) == (39, "log", 0x210E70)
    assert list(parse_records(["an unrelated line", "audit: type=1300 audit(1.0:2): syscall=1"])) == []


def test_actions_are_named_from_the_top_bits_of_the_code() -> None:
    assert [action_name(c) for c in (0x80000000, 0, 0x00050001, 0x7FFC0000, 0x00030000)] == [
        "kill_process",
        "kill_thread",
        "errno",
        "log",
        "trap",
    ]


def test_records_are_grouped_per_program_and_call_and_counted_once() -> None:
    doc = document(KMSG, KMSG, AUDITD, KMSG.replace(":1182)", ":1183)"))
    (program,) = doc["programs"]
    assert (program["exe"], program["pid"], doc["records"]) == ("/w/hello", 14367, 3)
    writev, getpid = program["calls"]
    assert (writev["syscall"], writev["action"], writev["count"]) == ("writev", "kill_process", 2)
    assert (getpid["syscall"], getpid["action"], getpid["count"]) == ("getpid", "log", 1)
    assert writev["functions"] == ["__stdout_write"]
    assert any("cc-sandbox explain /w/hello writev" in step for step in writev["next"])
    assert (doc["format"], doc["version"]) == ("cc-sandbox-audit", 1)


def test_another_architecture_is_named_as_such_and_filters_select() -> None:
    doc = document(KMSG, I386)
    assert [p["exe"] for p in doc["programs"]] == ["/w/hello", "/w/asm"]
    assert doc["programs"][1]["calls"][0]["syscall"] == "20 (i386)"
    assert [p["exe"] for p in document(KMSG, I386, exe="/w/asm")["programs"]] == ["/w/asm"]
    assert document(KMSG, pid=1)["programs"] == []


def test_the_text_report_says_what_was_killed_where() -> None:
    text = render_audit(document(KMSG))
    assert "kill_process writev in __stdout_write" in text and "next: cc-sandbox explain" in text
    assert "no seccomp records" in render_audit(document())


def test_actions_the_kernel_does_not_log_are_named() -> None:
    doc = audit_document(parse_records([KMSG]), lambda e, i: None, {}, {"kill_process", "kill_thread"})
    assert any("leaves out log" in note for note in doc["notes"])
    assert any("no function names for /w/hello" in note for note in doc["notes"])


def test_no_readable_source_is_one_error_naming_each(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sources, "KMSG", tmp_path / "no-kmsg")
    monkeypatch.setattr(sources, "AUDIT_LOG", tmp_path / "no-audit.log")
    monkeypatch.setenv("PATH", str(tmp_path))  # no journalctl
    try:
        sources.collect()
    except AuditError as err:
        message = str(err)
    else:
        raise AssertionError("collect() read a source that is not there")
    assert "/dev/kmsg" not in message and "no-kmsg: absent" in message and "journalctl -k: absent" in message
    assert "dmesg_restrict" in message and "--log" in message and "\n" not in message

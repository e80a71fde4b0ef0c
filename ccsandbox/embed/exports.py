"""Exporting a policy for other enforcers (pure): OCI/Docker seccomp JSON, a systemd drop-in,
and the raw BPF program (what ``bwrap --seccomp FD`` reads).

An export is an *outer* filter: the enforcer loads it, then starts the program. So besides the
policy's syscalls it must allow, or the program never gets to run:

* what the launcher itself does after loading the filter (:data:`LAUNCHERS`): bwrap and runc
  exec the program; runc's init also closes descriptors and signals its parent first;
* what a sandboxed binary does before its own filter exists (:data:`STARTUP`): the embedded
  runtime's ``prctl(PR_SET_NO_NEW_PRIVS)`` and ``seccomp(SET_MODE_FILTER)``.

Stacked filters combine to the most restrictive verdict, so these additions widen only the outer
filter: a sandboxed binary still runs under exactly its own set once its constructor ran.

The exec rule (``--exec block``) is carried as ERRNO(EPERM) where the format can give one syscall
its own errno (OCI, BPF), never as a kill. ``execve`` itself stays allowed when the launcher needs
it to start the program; a sandboxed binary's own filter then makes the program's execve fail with
EPERM. A format that cannot express the action refuses (:class:`ExportError`).

Argument constraints (:mod:`..analysis.constraints`) travel as OCI/Docker ``args`` (one rule per
alternative: ``SCMP_CMP_EQ`` for a whole 64-bit value, ``SCMP_CMP_MASKED_EQ`` with ``value`` the
mask and ``valueTwo`` the datum otherwise; runc ANDs a rule's conditions and ORs rules) and in
the BPF program. systemd's ``SystemCallFilter=`` has no argument syntax: that export allows the
constrained syscalls by name, and the CLI says so on stderr. A syscall the launcher or the
binary's start-up needs is exported unconstrained (the launcher passes its own values); the
binary's own filter still checks its arguments.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..bpf import insn as bpf
from ..bpf.args import ArgCmp, ArgRule
from ..bpf.compile import Action, build_filter
from ..bpf.insn import pack
from ..errors import ExportError
from ..syscalls import SYSCALL_NAMES, SYSCALL_NUMBERS
from .enforce import CHILD_INSTALLER, EPERM, EXEC_SYSCALLS

FORMATS = ("oci", "docker", "systemd", "bpf")
ERRNO_NAMES = {1: "EPERM", 13: "EACCES", 38: "ENOSYS"}

#: What a binary built by cc-sandbox does before its embedded filter is active: the runtime's
#: constructor calls uname (with two filter sets, to choose one by kernel version), then
#: prctl(PR_SET_NO_NEW_PRIVS) and seccomp(SECCOMP_SET_MODE_FILTER).
STARTUP = tuple(SYSCALL_NAMES[nr] for nr in CHILD_INSTALLER)

#: runc 1.1 (``runc init``, libcontainer/standard_init_linux.go) between loading the profile and
#: exec'ing the entrypoint, measured with ``strace -f`` on runc 1.1.5. With noNewPrivileges it
#: loads the profile as late as possible: it closes its sync pipe, opens and writes the exec fifo
#: (openat, write, close, getpid), marks inherited descriptors close-on-exec (openat of
#: /proc/self/fd, getdents64, fstatfs, fcntl), and deregisters files from Go's poller
#: (epoll_ctl). Without noNewPrivileges (Docker's default) it loads the profile before dropping
#: privileges, so also setgroups/setuid/setgid/capget/capset/prctl, chdir/getcwd, and the stat
#: calls of its exec path lookup (newfstatat, fstat, faccessat2). The rest is the Go runtime on
#: that thread: futex and nanosleep/sched_yield (scheduler), mmap/munmap/madvise (allocator),
#: rt_sigreturn/rt_sigprocmask/sigaltstack (preemption signals), gettid/tgkill. runc 1.2 marks
#: descriptors close-on-exec with close_range instead.
RUNC_AFTER_LOAD = (
    "execve",
    "close",
    "close_range",
    "openat",
    "write",
    "read",
    "getpid",
    "getppid",
    "getdents64",
    "fstatfs",
    "fcntl",
    "epoll_ctl",
    "epoll_pwait",
    "setgroups",
    "setuid",
    "setgid",
    "setresuid",
    "setresgid",
    "capget",
    "capset",
    "prctl",
    "chdir",
    "fchdir",
    "getcwd",
    "newfstatat",
    "fstat",
    "faccessat",
    "faccessat2",
    "futex",
    "nanosleep",
    "sched_yield",
    "mmap",
    "munmap",
    "madvise",
    "rt_sigreturn",
    "rt_sigprocmask",
    "sigaltstack",
    "gettid",
    "tgkill",
)


@dataclass(frozen=True)
class Launcher:
    """The program that loads an exported filter and then starts the sandboxed one."""

    name: str
    needs: tuple[str, ...]  # syscalls it makes after loading the filter


#: bwrap loads ``--seccomp FD`` then execs the program; systemd allows execve (and its @default
#: set) implicitly in every SystemCallFilter= allow-list, so nothing is added for it.
LAUNCHERS = {
    "bpf": Launcher("bwrap", ("execve",)),
    "oci": Launcher("runc", RUNC_AFTER_LOAD),
    "docker": Launcher("runc", RUNC_AFTER_LOAD),
    "systemd": Launcher("systemd", ()),
}

__all__ = [
    "FORMATS",
    "LAUNCHERS",
    "STARTUP",
    "ExportSubject",
    "export_policy",
    "plan_export",
    "syscall_names",
]


@dataclass(frozen=True)
class ExportSubject:
    """What is exported: a policy and how the binary enforces it."""

    allowed: tuple[str, ...]  # syscall names of the policy (after --deny and --exec-allow)
    action: str = "kill"  # kill | trap | errno | log | allow-all
    errno: int = EPERM  # for action errno
    exec_mode: str | None = None  # block | allow | floor | none | None (exec not reachable or unknown)
    sandboxed: bool = False  # the binary installs its own filter at start-up
    args: Mapping[str, ArgRule] = field(default_factory=dict)  # name -> argument rule
    #: names the binary's filter allows only on kernels older than ``older_below`` (ENOSYS
    #: fallbacks): an export cannot tell the kernel it will run on, so it allows them too
    older_kernels: tuple[str, ...] = ()
    older_below: str | None = None


@dataclass(frozen=True)
class ExportPlan:
    """Format-independent content of an export: which names get which verdict, and why."""

    allow: tuple[str, ...]  # allowed (those in ``args`` only when their arguments match)
    errno_rules: dict[str, int] = field(default_factory=dict)  # name -> errno (the exec rule)
    action: str = "kill"
    errno: int = EPERM
    added: dict[str, tuple[str, ...]] = field(default_factory=dict)  # reason -> names added
    args: dict[str, ArgRule] = field(default_factory=dict)  # name -> argument rule
    unchecked: tuple[str, ...] = ()  # constrained in the policy, exported without the check


def syscall_names(items: Iterable[str], what: str = "--allow") -> tuple[str, ...]:
    """Validate syscall names and convert numbers to names (x86_64 table)."""
    names = []
    for item in items:
        text = item.strip()
        if text.isdigit() and int(text) in SYSCALL_NAMES:
            names.append(SYSCALL_NAMES[int(text)])
        elif text in SYSCALL_NUMBERS:
            names.append(text)
        else:
            raise ExportError(f"{what} {item!r}: not an x86_64 syscall name or number")
    return tuple(names)


def plan_export(subject: ExportSubject, fmt: str, extra: Iterable[str] = ()) -> ExportPlan:
    """The verdicts an export in ``fmt`` carries for ``subject`` (plus validated ``extra``)."""
    if fmt not in LAUNCHERS:
        raise ValueError(f"unknown format {fmt!r}")
    launcher = LAUNCHERS[fmt]
    added = {
        f"{launcher.name} (after loading the filter)": launcher.needs,
        "the binary's own filter install (before its filter exists)": STARTUP if subject.sandboxed else (),
        f"kernels older than {subject.older_below} (musl's ENOSYS fallbacks; the export cannot tell the kernel)": (
            subject.older_kernels
        ),
        "--allow": syscall_names(extra),
    }
    allow = set(subject.allowed)
    for names in added.values():
        allow |= set(names)
    errno_rules: dict[str, int] = {}
    if subject.exec_mode == "block":
        for name in (SYSCALL_NAMES[nr] for nr in EXEC_SYSCALLS):
            if name not in allow:  # the launcher's execve stays allowed; the binary blocks its own
                errno_rules[name] = EPERM
    needed = {name for reason, names in added.items() if reason != "--allow" for name in names}
    args = {n: rule for n, rule in subject.args.items() if n in allow and n not in needed}
    if fmt == "systemd" or subject.action == "allow-all":
        args = {}
    return ExportPlan(
        allow=tuple(sorted(allow)),
        errno_rules=errno_rules,
        action=subject.action,
        errno=subject.errno,
        added={reason: tuple(sorted(set(names) - set(subject.allowed))) for reason, names in added.items()},
        args=args,
        unchecked=tuple(sorted(n for n in subject.args if n in allow and n not in args)),
    )


_OCI_ACTIONS = {
    "kill": "SCMP_ACT_KILL_PROCESS",
    "trap": "SCMP_ACT_TRAP",
    "errno": "SCMP_ACT_ERRNO",
    "log": "SCMP_ACT_LOG",
    "allow-all": "SCMP_ACT_ALLOW",
}


def _oci(plan: ExportPlan, comment: bool) -> str:
    profile: dict[str, Any] = {"defaultAction": _OCI_ACTIONS[plan.action], "architectures": ["SCMP_ARCH_X86_64"]}
    if plan.action == "errno":
        profile["defaultErrnoRet"] = plan.errno
    rules: list[dict[str, Any]] = []
    if plan.action != "allow-all":
        rules.append({"names": [n for n in plan.allow if n not in plan.args], "action": "SCMP_ACT_ALLOW"})
        if comment:
            rules[-1]["comment"] = "computed by cc-sandbox from the program's whole-program module"
        for name, rule in sorted(plan.args.items()):
            for alt in rule:
                rules.append({"names": [name], "action": "SCMP_ACT_ALLOW", "args": [_oci_arg(c) for c in alt]})
                if comment:
                    rules[-1]["comment"] = "cc-sandbox: only argument values a reachable call site passes"
    for errno in sorted(set(plan.errno_rules.values())):
        names = sorted(n for n, e in plan.errno_rules.items() if e == errno)
        rules.append({"names": names, "action": "SCMP_ACT_ERRNO", "errnoRet": errno})
        if comment:
            rules[-1]["comment"] = "cc-sandbox --exec block: exec fails with EPERM instead of killing"
    profile["syscalls"] = rules
    return json.dumps(profile, indent=2) + "\n"


def _oci_arg(cmp: ArgCmp) -> dict[str, Any]:
    if cmp.is_eq:
        return {"index": cmp.index, "value": cmp.value, "op": "SCMP_CMP_EQ"}
    return {"index": cmp.index, "value": cmp.mask, "valueTwo": cmp.value, "op": "SCMP_CMP_MASKED_EQ"}


def _systemd(plan: ExportPlan) -> str:
    """systemd can give its allow-list one action only: kill (default), SystemCallErrorNumber=,
    or, through SystemCallLog=, log-and-allow. It has no trap, and no per-syscall errno in an
    allow-list, so execve/execveat stay allowed (a sandboxed binary's own filter blocks them)."""
    if plan.action == "trap":
        raise ExportError(
            "systemd cannot express --policy-action trap (SIGSYS the program catches); "
            "use --format oci or bpf, or build with kill, errno or log"
        )
    allow = sorted(set(plan.allow) | set(plan.errno_rules))
    lines = ["# cc-sandbox: allowlist computed from the program's whole-program module", "[Service]"]
    if plan.unchecked:
        lines.insert(
            1,
            f"# argument checks not expressible here, allowed by name: {' '.join(plan.unchecked)} "
            "(the binary's own filter checks them)",
        )
    lines.append("SystemCallArchitectures=native")
    if plan.errno_rules:
        lines.insert(
            1,
            "# exec: execve/execveat are allowed here (systemd execs the service after loading the "
            "filter); the binary's own filter makes them fail with EPERM",
        )
    if plan.action == "allow-all":
        lines.insert(1, "# the policy allows every syscall (unresolved syscall numbers): no SystemCallFilter=")
    elif plan.action == "log":
        lines.append(f"SystemCallLog=~{' '.join(allow)}")
    else:
        lines.append(f"SystemCallFilter={' '.join(allow)}")
        if plan.action == "errno":
            lines.append(f"SystemCallErrorNumber={ERRNO_NAMES.get(plan.errno, plan.errno)}")
    return "\n".join(lines) + "\n"


def _bpf(plan: ExportPlan) -> bytes:
    action = Action("allow") if plan.action == "allow-all" else Action(plan.action, plan.errno)
    special = {SYSCALL_NUMBERS[n]: bpf.RET_ERRNO | e for n, e in plan.errno_rules.items()}
    args = {SYSCALL_NUMBERS[n]: rule for n, rule in plan.args.items()}
    return pack(build_filter({SYSCALL_NUMBERS[n] for n in plan.allow}, action, special, args))


def render(plan: ExportPlan, fmt: str) -> bytes:
    """The plan in format ``fmt`` (one of FORMATS)."""
    if fmt in ("oci", "docker"):
        return _oci(plan, comment=fmt == "docker").encode()
    if fmt == "systemd":
        return _systemd(plan).encode()
    if fmt == "bpf":
        return _bpf(plan)
    raise ValueError(f"unknown format {fmt!r}")


def export_policy(subject: ExportSubject, fmt: str, extra: Iterable[str] = ()) -> bytes:
    """``subject`` in format ``fmt``, with the launcher's and the binary's start-up needs."""
    return render(plan_export(subject, fmt, extra), fmt)

"""Exec modes per program: the rules (command line and config file), which one applies, and the
table printed at the end of a build.

A program that can exec gets one of four modes, each honest about what seccomp can do (filters
survive exec and can only tighten):

``block``
    execve/execveat fail with EPERM (the default).
``allow [POLICY...]``
    exec is allowed; the filter is the program's own set plus the policies (or traces) of the
    programs it may run. Without policies: its own set, which is all a program that execs only
    itself needs (chosen by default when the analysis shows it, see analysis/exec_facts.py).
``floor``
    the program and everything it runs share the containers' default profile (embed/floor.py),
    plus the program's own set.
``none``
    no restriction: the filter allows every syscall. Said loudly at the end of the build.

Rules come from ``--exec-mode PATTERN=MODE[:POLICY,...]`` and from a config file found from the
build's directory upward (``cc-sandbox.conf`` or ``.cc-sandbox.conf``), one rule a line::

    # PATTERN is a program name or a shell glob (fnmatch) on the linked file's name
    exec xargs floor
    exec sort allow policies/gzip.policy.json     # relative to the config file

Command-line rules come first; the first rule that matches wins. ``make``/``build`` read the
rules once before the build starts (a malformed one stops it there); each link reads them again,
``--exec-mode`` from $CC_SANDBOX_OPTIONS and the config file from its own directory upward, so
plain ``cc`` builds (CMake with CC=cc-sandbox-cc) get them too.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import CcSandboxError
from ..syscalls import SYSCALL_NUMBERS
from .options import PolicyOptions

MODES = ("block", "allow", "floor", "none")
#: Earlier name of ``allow`` (kept so existing command lines work).
ALIASES = {"inherit": "allow"}
CONFIG_NAMES = ("cc-sandbox.conf", ".cc-sandbox.conf")

__all__ = [
    "CONFIG_NAMES",
    "MODES",
    "ExecRule",
    "Resolved",
    "absolute_rules",
    "build_report",
    "build_rules",
    "exec_table",
    "find_config",
    "make_directory",
    "parse_config",
    "parse_rule",
    "read_allowed_numbers",
    "read_policy",
    "resolve",
    "unused_rules",
]


@dataclass(frozen=True)
class ExecRule:
    pattern: str
    mode: str
    policies: tuple[str, ...]  # absolute paths, checked to be policies when the rule was read
    origin: str  # "--exec-mode" or "FILE:LINE"

    def matches(self, program: str) -> bool:
        return fnmatch.fnmatchcase(program, self.pattern)


def read_allowed_numbers(path: Path) -> set[int]:
    """Syscall numbers a policy (cc-sandbox-policy JSON) or a trace (a "syscalls" list) allows."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise CcSandboxError(f"--exec-allow {path}: cannot read a policy from it ({err})") from None
    if isinstance(data, dict) and isinstance(data.get("allowed"), list):
        return {int(entry["nr"]) for entry in data["allowed"]}
    names: list[object] = []
    if isinstance(data, dict) and isinstance(data.get("syscalls"), list):
        names = list(data["syscalls"])
    elif isinstance(data, dict) and isinstance(data.get("programs"), list):
        # a cc-sandbox-trace: every traced image, including what ran before its own filter
        # (an exec'd sandboxed program installs its filter under the inherited one)
        for program in data["programs"]:
            if isinstance(program, dict):
                names += program.get("syscalls", []) + program.get("before_filter", [])
    else:
        raise CcSandboxError(
            f"--exec-allow {path}: not a cc-sandbox policy or trace (no 'allowed', 'programs' or 'syscalls' list)"
        )
    numbers = set()
    for name in names:
        if isinstance(name, str) and name.startswith("i386:"):
            continue  # i386 calls are killed by every filter's architecture check; nothing to allow
        if isinstance(name, int) or (isinstance(name, str) and name.isdigit()):
            numbers.add(int(name))
        elif isinstance(name, str) and name in SYSCALL_NUMBERS:
            numbers.add(SYSCALL_NUMBERS[name])
        else:
            raise CcSandboxError(f"--exec-allow {path}: {name!r} is not an x86_64 syscall")
    return numbers


@dataclass(frozen=True)
class Resolved:
    mode: str
    policies: tuple[str, ...]
    why: str


def _check_policy(path: Path, where: str) -> str:
    if not path.is_file():
        raise CcSandboxError(f"{where}: allow names {path}, which does not exist")
    try:
        read_allowed_numbers(path)
    except CcSandboxError as err:
        raise CcSandboxError(f"{where}: allow names {path}, which is not a policy ({err})") from None
    return str(path.resolve())


def _mode(text: str, where: str) -> str:
    mode = ALIASES.get(text, text)
    if mode not in MODES:
        raise CcSandboxError(f"{where}: unknown exec mode {text!r} (choose {', '.join(MODES)})")
    return mode


def parse_rule(text: str, base: Path | None = None) -> ExecRule:
    """A rule from the command line: ``PATTERN=MODE`` or ``PATTERN=allow:POLICY[,POLICY]``."""
    where = f"--exec-mode {text}"
    pattern, eq, spec = text.partition("=")
    if not eq or not pattern or not spec:
        raise CcSandboxError(f"{where}: expected PROGRAM=MODE (e.g. xargs=floor, sort=allow:gzip.policy.json)")
    mode_text, _, policy_text = spec.partition(":")
    mode = _mode(mode_text, where)
    paths = [p for p in policy_text.split(",") if p]
    if paths and mode != "allow":
        raise CcSandboxError(f"{where}: only allow takes policies")
    here = base or Path.cwd()
    policies = tuple(_check_policy(here / p, where) for p in paths)
    return ExecRule(pattern, mode, policies, "--exec-mode")


def parse_config(path: Path) -> list[ExecRule]:
    """The rules of a config file; any problem is ``FILE:LINE: problem``."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise CcSandboxError(f"{path}: cannot read it ({err})") from None
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{path}:{number}"
        try:
            words = shlex.split(line, comments=True)
        except ValueError as err:
            raise CcSandboxError(f"{where}: {err}") from None
        if not words:
            continue
        if words[0] != "exec":
            raise CcSandboxError(f"{where}: unknown setting {words[0]!r} (expected: exec PROGRAM MODE [POLICY...])")
        if len(words) < 3:
            raise CcSandboxError(f"{where}: expected: exec PROGRAM MODE [POLICY...]")
        mode = _mode(words[2], where)
        if len(words) > 3 and mode != "allow":
            raise CcSandboxError(f"{where}: only allow takes policies, {mode} got {' '.join(words[3:])}")
        policies = tuple(_check_policy(path.parent / p, where) for p in words[3:])
        rules.append(ExecRule(words[1], mode, policies, where))
    return rules


def find_config(start: Path) -> Path | None:
    """The nearest config file in ``start`` or a parent directory."""
    for directory in (start.resolve(), *start.resolve().parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def resolve(
    program: str, rules: Iterable[ExecRule], global_mode: str | None, global_policies: tuple[str, ...], self_only: bool
) -> Resolved:
    """The mode of ``program``: its first matching rule, else ``--exec``/``--exec-allow``, else
    ``allow`` (own set) when it execs only itself, else ``block``."""
    for rule in rules:
        if rule.matches(program):
            return Resolved(rule.mode, rule.policies, f"{rule.origin}: {rule.pattern}={rule.mode}")
    if global_policies:
        return Resolved("allow", global_policies, "--exec-allow")
    if global_mode is not None:
        mode = ALIASES.get(global_mode, global_mode)
        return Resolved(mode, (), f"--exec {global_mode}")
    if self_only:
        return Resolved("allow", (), "execs only itself: its own set suffices")
    return Resolved("block", (), "default")


def unused_rules(rules: Iterable[ExecRule], programs: Iterable[str]) -> list[ExecRule]:
    """Rules that matched none of the programs the build linked."""
    names = list(programs)
    return [rule for rule in rules if not any(rule.matches(name) for name in names)]


def exec_table(policies: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
    """Lines of the table of exec-capable programs, from (program, policy document) pairs."""
    rows = []
    for program, document in policies:
        facts = document.get("exec") or {}
        enforcement = document.get("enforcement") or {}
        if not facts.get("reachable"):
            continue
        exec_info = enforcement.get("exec_rule") or {}
        mode = str(enforcement.get("exec") or "-") if enforcement else "no sandbox"
        allowed = len(enforcement.get("allowed", [])) if enforcement else document.get("allowed_count", 0)
        allowed_text = "ALL" if mode == "none" else str(allowed)
        runs = sorted({p["value"] if p["kind"] == "constant" else p["kind"] for p in facts.get("paths", [])})
        why = re.sub(r"^/\S*/([^/:]+:\d+:)", r"\1", str(exec_info.get("why", "")))  # the config's name suffices
        rows.append((program, mode, allowed_text, why, ", ".join(runs) or "?"))
    if not rows:
        return []
    head = ("program", "exec mode", "allowed", "why", "runs")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    lines = ["exec-capable programs:"]
    for row in [head, *rows]:
        lines.append("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    if any(r[1] == "none" for r in rows):
        lines.append(
            "  WARNING: programs on exec mode none run UNSANDBOXED (their filter allows every syscall), "
            "and so does everything they run"
        )
    return lines


def read_policy(output: Path) -> dict[str, Any] | None:
    """The policy document written beside a linked program, if any."""
    path = output.with_name(output.name + ".policy.json")
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return document if isinstance(document, dict) else None


def build_rules(cli: Iterable[str], directory: Path) -> list[ExecRule]:
    """The rules of one build or link: ``--exec-mode`` values first, then the config file found
    from ``directory`` upward. Raises on any malformed rule (make/build: before the build starts)."""
    rules = [parse_rule(text) for text in cli]
    config = find_config(directory)
    if config is not None:
        rules += parse_config(config)
    return rules


def absolute_rules(options: PolicyOptions) -> PolicyOptions:
    """``options`` with the policies of its ``--exec-mode`` rules as absolute paths, so that links
    in other directories (recursive makes) find them."""
    texts = []
    for rule in (parse_rule(text) for text in options.exec_rules):
        policies = f":{','.join(rule.policies)}" if rule.policies else ""
        texts.append(f"{rule.pattern}={rule.mode}{policies}")
    return replace(options, exec_rules=tuple(texts))


def build_report(outputs: Iterable[str], rules: Iterable[ExecRule]) -> list[str]:
    """What to print at the end of a build: the exec table, then unused rules as warnings. A
    build that linked no program (configure: probe links only) gets no warnings: it had none to
    match."""
    linked = [Path(o) for o in outputs]
    documents = [(path.name, doc) for path in linked if (doc := read_policy(path)) is not None]
    lines = exec_table(documents)
    for rule in unused_rules(rules, [p.name for p in linked]) if linked else []:
        lines.append(f"warning: {rule.origin}: exec mode for {rule.pattern!r}, but the build linked no such program")
    return lines


def make_directory(make_args: Iterable[str], cwd: Path) -> Path:
    """The directory make runs in (``-C DIR``), where the config search starts."""
    args = list(make_args)
    directory = cwd
    for i, arg in enumerate(args):
        if arg in ("-C", "--directory") and i + 1 < len(args):
            directory = directory / args[i + 1]
        elif arg.startswith("--directory="):
            directory = directory / arg.split("=", 1)[1]
        elif arg.startswith("-C") and len(arg) > 2:
            directory = directory / arg[2:]
    return directory

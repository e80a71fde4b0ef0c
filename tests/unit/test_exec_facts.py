"""What a program can exec, read from its facts: the functions, and where paths come from. The
facts' `exec_calls` are written here by the reference rules (facts/irexec.py) from IR text, as
the llvmlite extractor writes them; the pass's C++ (passes/lib/ExecFacts.cpp) states the same
(tests/integration/test_reference_extractor.py), from the same family table."""

from __future__ import annotations

import re
from pathlib import Path

from ccsandbox.analysis.exec_facts import exec_facts
from ccsandbox.facts.irexec import FAMILY, exec_calls, string_constants
from ccsandbox.facts.irtext import parse_params
from ccsandbox.facts.schema import Facts, parse_facts

HEADER = Path(__file__).resolve().parents[2] / "passes" / "include" / "ExecFamily.h"

SYSCALL_ASM = '"syscall", "={ax},{ax},{di},{si},{dx},~{rcx},~{r11},~{memory}"'


def _facts(calls: dict[str, list[str]], syscalls: dict[str, list[int]] | None = None, ir: str = "") -> Facts:
    """Facts of functions with these calls and syscalls, their `exec_calls` read from ``ir``."""
    lines = ir.splitlines()
    strings = string_constants(lines)
    bodies: dict[str, tuple[list[str], list[str]]] = {}
    for n, line in enumerate(lines):
        if line.startswith("define "):
            name = re.search(r"@([-\w.$]+)\(", line)
            assert name is not None
            end = lines.index("}", n)
            bodies[name[1]] = (parse_params(line), lines[n + 1 : end])
    names = set(calls) | {c for cs in calls.values() for c in cs} | set(syscalls or {})
    functions = [
        {
            "name": name,
            "linkage": "internal",
            "type": "i32 (i32, ptr)",
            "calls": [{"callee": c} for c in calls.get(name, [])],
            "syscalls": (syscalls or {}).get(name, []),
            "exec_calls": [list(c) for c in sorted(exec_calls(name, *bodies[name], strings), key=str)]
            if name in bodies
            else [],
        }
        for name in sorted(names)
    ]
    document = {"format": "cc-sandbox-facts", "version": 2, "triple": "x86_64", "functions": functions}
    return parse_facts({**document, "exec_facts": True})


def _ir(*functions: str) -> str:
    strings = '@.str = private unnamed_addr constant [15 x i8] c"/proc/self/exe\\00", align 1\n'
    strings += '@.str.1 = private unnamed_addr constant [11 x i8] c"./launcher\\00", align 1\n'
    return strings + "\n".join(functions)


LAUNCHER_MAIN = """define internal i32 @main(i32 noundef %0, ptr noundef %1) {
  %3 = getelementptr inbounds i8, ptr %1, i64 8
  %4 = load ptr, ptr %3, align 8
  tail call fastcc void @execvp(ptr noundef nonnull %4, ptr noundef nonnull %3)
  ret i32 127
}"""

ENV_MAIN = """define internal i32 @main(i32 noundef %0, ptr noundef %1) {
  %3 = tail call ptr @getenv(ptr @.str)
  tail call void @execv(ptr noundef %3, ptr noundef %1)
  ret i32 127
}"""

SELF_MAIN = """define internal i32 @main(i32 noundef %0, ptr noundef %1) {
  tail call void (ptr, ptr, ...) @execl(ptr nonnull poison, ptr nonnull poison, ptr null)
  ret i32 127
}"""

EXECL_BODY = f"""define internal void @execl(ptr %0, ptr %1, ...) {{
  %3 = call i64 asm sideeffect {SYSCALL_ASM}(i64 59, i64 ptrtoint (ptr @.str to i64), i64 0, i64 0)
  ret void
}}"""

SITES: dict[int, tuple[str, ...]] = {59: ("execve",)}
REACHABLE = frozenset({"main", "execvp", "execv", "execve", "execl", "getenv", "__execvpe"})


def test_a_launcher_runs_a_path_from_argv() -> None:
    facts = _facts({"main": ["execvp"], "execvp": ["__execvpe"]}, ir=_ir(LAUNCHER_MAIN))
    found = exec_facts(facts, REACHABLE, SITES, "launcher")
    assert found.functions == ("execvp",)
    assert [(s.kind, s.value, s.via) for s in found.sources] == [("argv", "main", "execvp")]
    assert not found.self_only


def test_a_path_from_getenv_comes_from_the_environment() -> None:
    facts = _facts({"main": ["getenv", "execv"]}, ir=_ir(ENV_MAIN))
    found = exec_facts(facts, REACHABLE, SITES, "prog")
    assert [s.kind for s in found.sources] == ["environment"]


def test_a_constant_propagated_into_the_family_by_lto_is_found_at_the_syscall() -> None:
    facts = _facts({"main": ["execl"]}, {"execl": [59]}, _ir(SELF_MAIN, EXECL_BODY))
    found = exec_facts(facts, REACHABLE, {59: ("execl",)}, "selfexec")
    assert [(s.kind, s.value) for s in found.sources] == [("constant", "/proc/self/exe")]
    assert found.self_only


def test_a_raw_exec_syscall_outside_the_family_is_never_self_only() -> None:
    facts = _facts({"main": []}, {"main": [59]}, _ir(SELF_MAIN))
    found = exec_facts(facts, REACHABLE, {59: ("main",)}, "selfexec")
    assert found.functions == ("syscall in main",) and not found.self_only


def test_without_exec_syscalls_nothing_is_reachable() -> None:
    found = exec_facts(_facts({"main": ["execvp"]}), REACHABLE, {0: ("read",)}, "ls")
    assert not found.reachable and found.summary() == "cannot exec"


def test_facts_from_before_exec_calls_say_the_paths_were_not_read() -> None:
    document = {"format": "cc-sandbox-facts", "version": 2, "triple": "x86_64", "functions": []}
    found = exec_facts(parse_facts(document), REACHABLE, {59: ("main",)}, "prog")
    assert found.reachable and found.sources == () and "facts without exec_calls" in found.notes[0]


def test_the_pass_knows_the_same_exec_family() -> None:
    """passes/include/ExecFamily.h lists the members and path arguments FAMILY does (-2 for a
    shell command line, None here)."""
    pairs = re.findall(r'\{"([\w]+)", (-?\d+)\}', HEADER.read_text())
    assert {name: (None if int(slot) == -2 else int(slot)) for name, slot in pairs} == FAMILY

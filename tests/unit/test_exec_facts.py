"""What a program can exec, read from its facts and its IR: the functions, and where paths come from."""

from __future__ import annotations

from ccsandbox.analysis.exec_facts import exec_facts
from ccsandbox.facts.schema import Facts, parse_facts

SYSCALL_ASM = '"syscall", "={ax},{ax},{di},{si},{dx},~{rcx},~{r11},~{memory}"'


def _facts(calls: dict[str, list[str]], syscalls: dict[str, list[int]] | None = None) -> Facts:
    names = set(calls) | {c for cs in calls.values() for c in cs} | set(syscalls or {})
    functions = [
        {
            "name": name,
            "linkage": "internal",
            "type": "i32 (i32, ptr)",
            "calls": [{"callee": c} for c in calls.get(name, [])],
            "syscalls": (syscalls or {}).get(name, []),
        }
        for name in sorted(names)
    ]
    return parse_facts({"format": "cc-sandbox-facts", "version": 2, "triple": "x86_64", "functions": functions})


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
    facts = _facts({"main": ["execvp"], "execvp": ["__execvpe"]})
    found = exec_facts(facts, REACHABLE, SITES, _ir(LAUNCHER_MAIN), "launcher")
    assert found.functions == ("execvp",)
    assert [(s.kind, s.value, s.via) for s in found.sources] == [("argv", "main", "execvp")]
    assert not found.self_only


def test_a_path_from_getenv_comes_from_the_environment() -> None:
    facts = _facts({"main": ["getenv", "execv"]})
    found = exec_facts(facts, REACHABLE, SITES, _ir(ENV_MAIN), "prog")
    assert [s.kind for s in found.sources] == ["environment"]


def test_a_constant_propagated_into_the_family_by_lto_is_found_at_the_syscall() -> None:
    facts = _facts({"main": ["execl"]}, {"execl": [59]})
    found = exec_facts(facts, REACHABLE, {59: ("execl",)}, _ir(SELF_MAIN, EXECL_BODY), "selfexec")
    assert [(s.kind, s.value) for s in found.sources] == [("constant", "/proc/self/exe")]
    assert found.self_only


def test_a_raw_exec_syscall_outside_the_family_is_never_self_only() -> None:
    facts = _facts({"main": []}, {"main": [59]})
    found = exec_facts(facts, REACHABLE, {59: ("main",)}, _ir(SELF_MAIN), "selfexec")
    assert found.functions == ("syscall in main",) and not found.self_only


def test_without_exec_syscalls_nothing_is_reachable() -> None:
    found = exec_facts(_facts({"main": ["execvp"]}), REACHABLE, {0: ("read",)}, None, "ls")
    assert not found.reachable and found.summary() == "cannot exec"

"""Specification of the analysis on small, readable fact sets."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ccsandbox.analysis.analyze import analyze
from ccsandbox.analysis.asm_model import load_asm_model
from ccsandbox.analysis.callgraph import is_dispatch
from ccsandbox.analysis.policy import ALWAYS_ALLOWED, allowed_syscalls
from ccsandbox.analysis.report import build_policy, explain_chain
from ccsandbox.analysis.settings import IndirectMode
from ccsandbox.errors import AnalysisError
from ccsandbox.facts.schema import parse_facts
from ccsandbox.resources import repo_root

GOLDEN: dict[str, Any] = json.loads((repo_root() / "passes/test/Inputs/basic.facts.json").read_text())
MODEL = load_asm_model()


def facts(**changes: Any) -> Any:
    """The shared fixture, with functions replaced or added by name."""
    obj = copy.deepcopy(GOLDEN)
    by_name = {f["name"]: f for f in obj["functions"]}
    for name, fn in changes.items():
        by_name[name] = {"name": name, "linkage": "internal", "type": "void ()", **fn}
    obj["functions"] = list(by_name.values())
    return parse_facts(obj)


def targets(result: Any, caller: str) -> set[str]:
    """Functions ``caller`` may reach through its indirect calls (following pseudo nodes)."""
    graph, found = result.call_graph.graph, set()
    frontier = [d for d in graph.successors(caller) if is_dispatch(d)]
    while frontier:
        for node in graph.successors(frontier.pop()):
            (frontier.append(node) if is_dispatch(node) else found.add(node))
    return found


def test_wrapper_numbers_come_from_the_callers_constants() -> None:
    result = analyze(facts(), MODEL)
    assert result.syscalls.sites[39] == ("wrapper",)
    assert result.syscalls.sites[60] == ("use",)
    assert result.syscalls.unresolved == ()


def test_signature_mode_reaches_every_compatible_address_taken_function() -> None:
    result = analyze(facts(), MODEL, IndirectMode.SIGNATURE)
    assert targets(result, "main") == {"square", "positive", "on_signal"}  # (int) -> any width of int


def test_fields_mode_keeps_only_what_was_stored_in_the_field_plus_untracked_functions() -> None:
    result = analyze(facts(), MODEL, IndirectMode.FIELDS)
    assert targets(result, "main") == {"positive", "on_signal"}
    assert targets(result, "use") == {"square", "on_signal"}  # on_signal's address also went elsewhere


def test_a_field_that_receives_unknown_pointers_falls_back_to_signatures() -> None:
    changed = facts(store_field={"type": "void (ptr)", "field_stores": [["ops+8", "?"]]})
    result = analyze(changed, MODEL, IndirectMode.FIELDS)
    assert targets(result, "main") == {"square", "positive", "on_signal"}


def test_signal_handlers_become_roots_only_when_handlers_can_be_installed() -> None:
    siginfo_handler = {"type": "void (i32, ptr, ptr)", "address_taken": "any", "syscalls": [62]}
    assert 62 not in analyze(facts(on_signal=siginfo_handler), MODEL).syscalls.sites
    main = next(f for f in GOLDEN["functions"] if f["name"] == "main")
    result = analyze(facts(on_signal=siginfo_handler, main={**main, "syscalls": [13]}), MODEL)
    assert "on_signal" in result.roots and 62 in result.syscalls.sites
    assert 15 in allowed_syscalls(result.syscalls), "rt_sigreturn is implied by rt_sigaction"


def test_unknown_numbers_are_reported_never_dropped() -> None:
    changed = facts(use={"type": "i64 (ptr, i64)", "calls": [{"callee": "wrapper", "args": {"1": 0}}]})
    result = analyze(changed, MODEL)
    assert [u.function for u in result.syscalls.unresolved] == ["use"]
    policy = build_policy(result, "p")
    assert policy.allow_all and policy.blocked_count == 0
    with pytest.raises(AnalysisError, match="unknown numbers"):
        build_policy(result, "p", unresolved="refuse")


def test_a_wrapper_called_through_a_pointer_is_unresolved() -> None:
    changed = facts(
        wrapper={"type": "i64 (i64, i64)", "address_taken": "any", "syscalls": ["p0"]},
        caller={"type": "void ()", "indirect_calls": [{"type": "i64 (i64, i64)"}]},
        main={"type": "i32 (i32, ptr)", "calls": [{"callee": "caller"}]},
    )
    reasons = [u.reason for u in analyze(changed, MODEL).syscalls.unresolved]
    assert any("called through a pointer" in r for r in reasons)


def test_sites_the_pass_could_not_read_are_unresolved() -> None:
    result = analyze(facts(main={"type": "i32 (i32, ptr)", "syscalls": ["?load"]}), MODEL)
    assert result.syscalls.unresolved[0].reason.endswith("(load)")


def test_native_functions_contribute_their_modelled_syscalls() -> None:
    changed = facts(
        main={
            "type": "i32 (i32, ptr)",
            "calls": [{"callee": "__set_thread_area"}, {"callee": "__syscall_cp_asm", "args": {"1": 0}}],
        },
        __set_thread_area={"type": "i32 (ptr)", "declaration": True},
        __syscall_cp_asm={"type": "i64 (ptr, i64, ...)", "declaration": True},
    )
    sites = analyze(changed, MODEL).syscalls.sites
    assert sites[158] == ("__set_thread_area",) and sites[0] == ("__syscall_cp_asm",)


def test_unreachable_code_contributes_nothing() -> None:
    changed = facts(dead={"type": "void ()", "syscalls": [59]})
    assert 59 not in analyze(changed, MODEL).syscalls.sites


def test_always_allowed_syscalls_are_in_every_policy_with_a_reason() -> None:
    allowed = allowed_syscalls(analyze(facts(), MODEL).syscalls)
    assert set(ALWAYS_ALLOWED) <= set(allowed)
    assert allowed[219].startswith("always: restart_syscall")


def test_a_module_without_entry_points_is_refused() -> None:
    obj = copy.deepcopy(GOLDEN)
    obj["functions"] = [f for f in obj["functions"] if f["name"] != "main"]
    with pytest.raises(AnalysisError, match="no entry point"):
        analyze(parse_facts(obj), MODEL)


def test_explain_gives_a_chain_from_an_entry_point() -> None:
    lines = explain_chain(analyze(facts(), MODEL), 39)
    assert lines[0].startswith("getpid (39) is made in wrapper")
    assert any("main -> use" in line for line in lines) and any("use -> wrapper" in line for line in lines)


def test_explain_refuses_what_is_not_allowed() -> None:
    with pytest.raises(AnalysisError, match="not allowed"):
        explain_chain(analyze(facts(), MODEL), 59)


def test_the_filter_installer_is_not_a_root_of_the_policy() -> None:
    obj = copy.deepcopy(GOLDEN)
    obj["ctors"] = ["cc_sandbox_install", "user_ctor", "init_loop"]
    obj["functions"] += [
        {
            "name": "cc_sandbox_install",
            "linkage": "internal",
            "type": "void ()",
            "syscalls": [157, 317],
            "address_taken": "any",
        },
        {"name": "init_loop", "linkage": "internal", "type": "void ()", "indirect_calls": [{"type": "void ()"}]},
        {"name": "user_ctor", "linkage": "internal", "type": "void ()", "syscalls": [39]},
    ]
    result = analyze(parse_facts(obj), MODEL)
    assert "user_ctor" in result.roots and "cc_sandbox_install" not in result.roots
    assert 157 not in result.syscalls.sites and 317 not in result.syscalls.sites


def test_int80_sites_add_nothing_because_the_architecture_check_kills_them() -> None:
    result = analyze(facts(main={"type": "i32 (i32, ptr)", "syscalls": ["?int80"]}), MODEL)
    assert result.syscalls.unresolved == () and 20 not in result.syscalls.sites


def test_file_scope_asm_outside_any_function_is_always_counted() -> None:
    obj = {**copy.deepcopy(GOLDEN), "module_asm_syscalls": [110, "?asm-rax"]}
    result = analyze(parse_facts(obj), MODEL)
    assert result.syscalls.sites[110] == ("module-level asm",)
    assert "rax is not set" in result.syscalls.unresolved[0].reason
    assert "always reachable" in explain_chain(result, 110)[0]


def test_a_function_whose_address_is_an_asm_operand_is_a_root() -> None:
    changed = facts(hidden={"type": "void ()", "syscalls": [110], "passed_to": [["asm", 0]]})
    result = analyze(changed, MODEL)
    assert "hidden" in result.roots and result.syscalls.sites[110] == ("hidden",)


def test_a_variadic_pointer_type_reaches_functions_with_a_matching_fixed_prefix() -> None:
    changed = facts(
        main={"type": "i32 (i32, ptr)", "indirect_calls": [{"type": "i64 (i64, ...)"}]},
        scaled={"type": "i64 (i64, double)", "address_taken": "any", "syscalls": [110]},
    )
    assert 110 in analyze(changed, MODEL).syscalls.sites


def test_file_scope_asm_calling_through_a_pointer_makes_address_taken_functions_roots() -> None:
    obj = {**copy.deepcopy(GOLDEN), "module_asm_calls_pointers": True}
    obj["functions"].append({"name": "target", "linkage": "internal", "type": "void ()", "address_taken": "any"})
    assert "target" in analyze(parse_facts(obj), MODEL).roots

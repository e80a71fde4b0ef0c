"""Specification of the phase sets on small, readable programs (facts version 2).

Each program is written as functions of basic blocks; a block lists its sites in order and its
successors. Sites: ``"f"`` calls f, ``"f(39)"`` calls f with a constant first argument,
``"#39"`` is a syscall site (``"#p0"``: the number is parameter 0), ``"*void ()"`` calls
through a pointer of that type. Every test shows one soundness rule that a phase needs.
"""

from __future__ import annotations

from typing import Any

import pytest

from ccsandbox.analysis.asm_model import load_asm_model
from ccsandbox.analysis.phases import analyze_phases
from ccsandbox.analysis.suggest import suggest_transitions
from ccsandbox.analysis.transitions import Transition
from ccsandbox.errors import PhaseError
from ccsandbox.facts.schema import parse_facts

MODEL = load_asm_model()
Block = tuple[list[str], list[int]]


def fn(*blocks: Block, type_: str = "void ()", taken: str | None = None, inlined: dict[int, str] | None = None) -> Any:
    """A function of ``blocks``; ``inlined`` marks blocks as code inlined from a function."""
    calls: list[dict[str, Any]] = []
    indirect: list[dict[str, Any]] = []
    syscalls: list[Any] = []
    sites: list[list[Any]] = []
    for number, (ops, _) in enumerate(blocks):
        for op in ops:
            if op.startswith("#"):
                value: Any = op[1:] if op[1] == "p" else int(op[1:])
                if value not in syscalls:
                    syscalls.append(value)
                sites.append([number, "s", syscalls.index(value)])
            elif op.startswith("*"):
                entry = {"type": op[1:]}
                indirect.append(entry) if entry not in indirect else None
                sites.append([number, "i", indirect.index(entry)])
            else:
                callee, _, arg = op.partition("(")
                call: dict[str, Any] = {"callee": callee}
                if arg:
                    raw = arg.rstrip(")")
                    call["args"] = {"0": raw if raw.startswith("p") else int(raw)}
                calls.append(call) if call not in calls else None
                sites.append([number, "c", calls.index(call)])
    out: dict[str, Any] = {"type": type_, "blocks": [succ for _, succ in blocks]}
    for key, value in (("calls", calls), ("indirect_calls", indirect), ("syscalls", syscalls), ("sites", sites)):
        if value:
            out[key] = value
    if taken:
        out["address_taken"] = taken
    if inlined:
        out["block_inlined"] = {str(b): [name] for b, name in inlined.items()}
    return out


def straight(*ops: str, **kw: Any) -> Any:
    """A function of one block."""
    return fn((list(ops), []), **kw)


def program(debug: bool = True, **functions: Any) -> Any:
    chains = sorted({(n,) for f in functions.values() for n in f.get("block_inlined", {}).values() for n in n})
    index = {c[0]: i for i, c in enumerate(chains)}
    out = []
    for name, f in functions.items():
        f = dict(f)
        if "block_inlined" in f:
            f["block_inlined"] = {b: [[index[n], 0] for n in names] for b, names in f["block_inlined"].items()}
        out.append({"name": name, "linkage": "internal", **f})
    return parse_facts(
        {
            "format": "cc-sandbox-facts",
            "version": 2,
            "triple": "x86_64-unknown-linux-musl",
            "module_asm_refs": ["_start_c"] if "_start_c" in functions else [],
            "debug_info": debug,
            "inlined_chains": [list(c) for c in chains],
            "functions": out,
        }
    )


def phases(facts: Any, *specs: str) -> list[set[int]]:
    """Own set of each phase after the start-up one."""
    result = analyze_phases(facts, [Transition.parse(s) for s in specs], natives=MODEL)
    return [set(r.syscalls.sites) for r in result.reaches]


def test_only_what_can_run_after_the_transition_counts() -> None:
    facts = program(main=straight("#2", "worker"), worker=straight("#0"))
    assert phases(facts, "worker") == [{0}]


def test_cleanup_after_the_worker_returns_is_in_the_phase() -> None:
    # the worker never unlinks; main does after it returns (TSP's worker set misses this)
    facts = program(main=straight("#2", "worker", "#87"), worker=straight("#0"))
    assert phases(facts, "worker") == [{0, 87}]


def test_a_loop_around_the_transition_repeats_what_came_before_it_in_the_loop() -> None:
    facts = program(
        main=fn((["#2"], [1]), (["prepare", "worker"], [1, 2]), (["#87"], [])),
        prepare=straight("#5"),
        worker=straight("#0"),
    )
    assert phases(facts, "worker") == [{0, 5, 87}]


def test_the_rest_of_every_caller_runs_up_to_the_roots_and_the_exit_path() -> None:
    facts = program(
        _start_c=straight("main", "exit"),
        main=straight("#2", "serve", "#3"),
        serve=straight("#41", "worker", "#48"),
        worker=straight("#0"),
        exit=straight("*void ()", "#231"),
        bye=straight("#74", taken="any"),  # registered with atexit during set-up
    )
    assert phases(facts, "worker") == [{0, 48, 3, 74, 231}]


def test_a_thread_started_before_the_transition_keeps_running() -> None:
    facts = program(
        main=straight("spawn", "worker"),
        spawn=straight("__clone"),
        __clone={"type": "i32 (ptr, ptr, i32, ptr, ...)", "declaration": True},
        thread_main=straight("#7", type_="i32 (ptr)", taken="any"),
        worker=straight("#0"),
    )
    (after,) = phases(facts, "worker")
    assert 7 in after, "the thread's poll can happen after the transition"
    assert 56 not in after, "no thread is created after the transition"


def test_a_handler_installed_in_set_up_fires_later() -> None:
    facts = program(
        main=straight("#13", "worker"),  # rt_sigaction in set-up
        on_signal=straight("#62", type_="void (i32)", taken="any"),
        worker=straight("#0"),
    )
    (after,) = phases(facts, "worker")
    assert 62 in after and 13 not in after


def test_destructors_run_at_exit() -> None:
    facts = program(main=straight("worker"), worker=straight("#0"), fini=straight("#3"))
    obj_facts = facts.__class__(**{**facts.__dict__, "dtors": ("fini",)})
    assert phases(obj_facts, "worker") == [{0, 3}]


def test_a_transition_reached_first_by_a_thread_keeps_the_whole_program() -> None:
    facts = program(
        main=straight("#2", "spawn", "#5"),
        spawn=straight("__clone"),
        __clone={"type": "i32 (ptr, ptr, i32, ptr, ...)", "declaration": True},
        thread_main=straight("worker", type_="i32 (ptr)", taken="any"),
        worker=straight("#0"),
    )
    (after,) = phases(facts, "worker")
    assert {2, 5, 56} <= after, "main may still be in its set-up when the thread gets there"


def test_two_transitions_give_cumulative_filters() -> None:
    facts = program(main=straight("#2", "a", "b", "#3"), a=straight("#0"), b=straight("#1"))
    result = analyze_phases(facts, [Transition.parse("a"), Transition.parse("b")], natives=MODEL)
    own = [set(r.syscalls.sites) for r in result.reaches]
    assert own == [{0, 1, 3}, {1, 3}]
    zero, one, two = (p.allowed for p in result.phases)
    assert zero >= one >= two and 2 in zero and 0 in one and 0 not in two
    assert result.phases[0].allowed == result.phases[0].own, "phase 0 is the whole-program filter"


def test_a_wrapper_gets_the_numbers_of_the_calls_made_after_the_transition() -> None:
    facts = program(
        main=straight("wrapper(39)", "worker", "wrapper(40)"),
        wrapper=straight("#p0", type_="i64 (i64)"),
        worker=straight("#0"),
    )
    assert phases(facts, "worker") == [{0, 40}]


def test_a_wrapper_in_progress_keeps_the_number_its_caller_passed() -> None:
    facts = program(
        main=straight("run(41)"),
        run=straight("worker", "#p0", type_="void (i64)"),
        worker=straight("#0"),
    )
    assert phases(facts, "worker") == [{0, 41}]


def test_a_call_site_transition_starts_just_before_the_call() -> None:
    facts = program(main=straight("#2", "helper", "#5", "helper", "#7"), helper=straight("#0"))
    assert phases(facts, "main:helper") == [{0, 5, 7}]


def test_an_entry_inlined_by_lto_is_found_through_debug_info() -> None:
    facts = program(main=fn((["#2"], [1]), (["#0"], [1, 2]), (["#3"], []), inlined={1: "serve"}))
    assert phases(facts, "serve") == [{0, 3}]
    assert phases(facts, "main:serve") == [{0, 3}]


def test_an_inlined_entry_without_debug_info_says_how_to_proceed() -> None:
    facts = program(debug=False, main=straight("#2"))
    with pytest.raises(PhaseError, match=r"no debug info.*--at CALLER:CALLEE.*--phase-entry serve"):
        phases(facts, "serve")


def test_unknown_functions_get_close_names() -> None:
    facts = program(main=straight("worker"), worker=straight("#0"))
    with pytest.raises(PhaseError, match="unknown function wroker; did you mean worker"):
        phases(facts, "wroker")


def test_an_entry_that_is_never_reached_is_refused() -> None:
    facts = program(main=straight("#2"), dead=straight("#0"))
    with pytest.raises(PhaseError, match="never reached"):
        phases(facts, "dead")


def test_a_transition_only_inside_a_signal_handler_is_refused() -> None:
    facts = program(
        main=straight("#13"),
        on_signal=straight("worker", type_="void (i32)", taken="any"),
        worker=straight("#0"),
    )
    with pytest.raises(PhaseError, match="only reached inside a signal handler"):
        phases(facts, "worker")


def test_a_phase_marker_installs_under_the_previous_filter() -> None:
    facts = program(
        main=straight("#2", "__cc_sandbox_phase_1", "worker"),
        __cc_sandbox_phase_1=straight("#317"),
        worker=straight("#0"),
    )
    result = analyze_phases(facts, [Transition(entry="__cc_sandbox_phase_1")], natives=MODEL)
    assert set(result.reaches[0].syscalls.sites) == {0}
    assert 317 in result.phases[0].allowed and 317 not in result.phases[1].allowed


def test_transition_specs_parse() -> None:
    assert Transition.parse("aeMain") == Transition(entry="aeMain")
    assert Transition.parse("main:clear_files") == Transition(caller="main", callee="clear_files")
    with pytest.raises(PhaseError, match="bad transition"):
        Transition.parse("a:b:c")


def test_suggestions_prefer_the_end_of_set_up_with_the_work_still_ahead() -> None:
    facts = program(
        main=straight("#2", "setup", "serve", "#3"),
        setup=straight("#41", "#49"),
        serve=fn((["poll_once"], [0, 1]), ([], [])),
        poll_once=straight("#7", "#0", "#1", "a", "b", "c"),
        a=straight(),
        b=straight(),
        c=straight(),
    )
    from ccsandbox.analysis.analyze import analyze

    best = suggest_transitions(facts, MODEL, analyze(facts, MODEL), 1)[0]
    assert best.transition == Transition(caller="main", callee="serve")


def test_a_marker_reached_by_a_thread_keeps_the_whole_program() -> None:
    facts = program(
        main=straight("#2", "spawn", "#5"),
        spawn=straight("__clone"),
        __clone={"type": "i32 (ptr, ptr, i32, ptr, ...)", "declaration": True},
        thread_main=straight("__cc_sandbox_phase_1", "#0", type_="i32 (ptr)", taken="any"),
        __cc_sandbox_phase_1=straight("#317"),
    )
    result = analyze_phases(facts, [Transition(entry="__cc_sandbox_phase_1")], natives=MODEL)
    assert {0, 2, 5} <= set(result.reaches[0].syscalls.sites)


def test_a_longjmp_back_into_a_caller_reruns_what_follows_its_setjmp() -> None:
    facts = program(
        main=straight("#2", "setjmp", "#9", "worker", "#3"),
        setjmp={"type": "i32 (ptr)", "declaration": True},
        worker=straight("#0"),
    )
    assert phases(facts, "worker") == [{0, 3, 9}], "error recovery after setjmp runs again"

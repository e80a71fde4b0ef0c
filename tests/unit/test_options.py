"""Sandbox options: one syntax for the command line and $CC_SANDBOX_OPTIONS."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccsandbox.embed.options import (
    ENV,
    SPECS,
    PolicyOptions,
    field_names,
    options_from_env,
    parse_options,
)
from ccsandbox.errors import CcSandboxError


def test_every_option_field_has_a_command_line_spelling() -> None:
    assert sorted({spec.field for spec in SPECS}) == sorted(field_names())  # phases: two spellings


def test_options_parse_as_on_the_command_line(tmp_path: Path) -> None:
    child = tmp_path / "child.policy.json"
    child.write_text("{}")
    options = parse_options(
        ["--policy-action", "errno", "--errno=ENOSYS", "--deny", "getppid", "--exec-allow", str(child)]
    )
    assert options == PolicyOptions(action="errno", errno=38, deny=("getppid",), exec_allow=(str(child),))


def test_the_environment_form_round_trips(tmp_path: Path) -> None:
    child = tmp_path / "a b.json"
    child.write_text("{}")
    options = PolicyOptions(sandbox=False, action="log", deny=("x", "y"), exec_mode="inherit", exec_allow=(str(child),))
    assert options_from_env({ENV: options.to_env()}) == options
    assert PolicyOptions().to_env() == "" and options_from_env({}) == PolicyOptions()


def test_later_options_win_over_the_base() -> None:
    base = parse_options(["--policy-action", "log"])
    assert parse_options(["--policy-action", "trap"], base).action == "trap"
    assert parse_options([], base).action == "log"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("--policy-action maybe", "invalid choice 'maybe'"),
        ("--errno", "--errno needs a value"),
        ("--frobnicate", "unknown sandbox option '--frobnicate'"),
        ("--no-sandbox=yes", "takes no value"),
        ("--exec-allow /nonexistent.json", "no such file"),
        ("--deny 'unterminated", "malformed"),
    ],
)
def test_bad_environment_options_name_the_variable(value: str, message: str) -> None:
    with pytest.raises(CcSandboxError, match=f"\\${ENV}") as caught:
        options_from_env({ENV: value})
    assert message in str(caught.value)

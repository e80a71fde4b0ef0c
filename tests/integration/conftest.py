"""Fixtures of the integration tests: the session's shared example builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from .builds import ExampleBuilds
from .real_builds import default_work


@pytest.fixture(scope="session")
def example_builds(
    tmp_path_factory: pytest.TempPathFactory, cc_sandbox: str, session_env: dict[str, str]
) -> ExampleBuilds:
    """Each example built once per session per set of options (see tests/integration/builds.py)."""
    return ExampleBuilds(tmp_path_factory.mktemp("examples"), cc_sandbox, session_env)


@pytest.fixture(scope="session")
def real_work() -> Path:
    """Where the real programs are built: kept between sessions (see real_builds.py)."""
    return default_work()

"""Shared settings: Hypothesis profiles, and counters the summary line reports.

HYPOTHESIS_PROFILE selects "ci" (the default: 500 examples of the stateful
test, what scripts/test runs) or "dev" (5000 longer examples, for local runs).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=500, stateful_step_count=30, deadline=None, derandomize=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", max_examples=5000, stateful_step_count=80, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

def missing(why: str, module: bool = False) -> NoReturn:
    """What a test needs is not there: a skip, but a failure under CI=true,
    where a skip would hide the loss of the test (module=True: at import)."""
    if os.environ.get("CI") == "true":
        pytest.fail(why, pytrace=False)
    pytest.skip(why, allow_module_level=module)


#: Filled by the stateful test: examples (machines) and steps (commands) run.
COUNTS = {"examples": 0, "steps": 0}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if COUNTS.get("rss_transitions"):
        terminalreporter.write_line(
            f"RSS after {COUNTS['rss_transitions']} transitions: "
            f"{COUNTS['rss_grown'] / 1024:+.0f} KiB")
    if COUNTS["examples"]:
        terminalreporter.write_line(
            f"hypothesis stateful model test: {COUNTS['examples']} examples, "
            f"{COUNTS['steps']} steps (profile {settings.get_current_profile_name()})")


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 1, 5, tzinfo=timezone.utc)

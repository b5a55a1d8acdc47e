"""What a test needs from the machine: skip on a developer's box, fail in CI.

A clone without PostgreSQL, ffmpeg or Chromium still runs the rest of the suite: those
tests skip with the reason. In CI (``CI=true``, as ``.ci/run`` sets, or
``KORDON_REQUIRE_SERVICES=1``) everything can be installed, so a missing tool or service
is a broken CI machine and the test fails instead of passing silently as "skipped".
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

CI_ENV = "CI"
REQUIRE_ENV = "KORDON_REQUIRE_SERVICES"


def services_required() -> bool:
    """True in CI (``CI=true``) or when ``KORDON_REQUIRE_SERVICES=1``."""
    return (
        os.environ.get(CI_ENV, "").strip().lower() == "true"
        or os.environ.get(REQUIRE_ENV, "").strip() == "1"
    )


def require_or_skip(reason: str) -> NoReturn:
    """Skip the current test because of ``reason``; fail it instead where CI requires it."""
    if services_required():
        pytest.fail(
            f"{reason} (required here: {CI_ENV}=true or {REQUIRE_ENV}=1 turns this skip "
            "into a failure)",
            pytrace=False,
        )
    pytest.skip(reason)

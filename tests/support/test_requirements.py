"""The skip policy: a missing tool skips on a developer's machine and fails in CI."""

from __future__ import annotations

import pytest

from tests.support.requirements import CI_ENV, REQUIRE_ENV, require_or_skip, services_required


@pytest.mark.parametrize(
    ("ci", "require", "required"),
    [
        (None, None, False),
        ("true", None, True),
        ("TRUE", None, True),
        ("false", None, False),
        ("1", None, False),  # CI=true is the convention; other values are not guessed at
        (None, "1", True),
        (None, "0", False),
    ],
)
def test_services_are_required_in_ci_or_on_request(
    monkeypatch: pytest.MonkeyPatch, ci: str | None, require: str | None, required: bool
) -> None:
    for name, value in ((CI_ENV, ci), (REQUIRE_ENV, require)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert services_required() is required


def test_a_missing_tool_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CI_ENV, raising=False)
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs ffmpeg"):
        require_or_skip("needs ffmpeg")


def test_a_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CI_ENV, "true")
    with pytest.raises(pytest.fail.Exception, match=r"needs ffmpeg \(required here: CI=true"):
        require_or_skip("needs ffmpeg")

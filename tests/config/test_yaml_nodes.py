"""Hostile YAML in a site file is a ``ConfigError`` with a position, never a crash.

Each case crashed the loader with a foreign exception (``ReaderError``, ``ValueError``,
``RecursionError``) or expanded without bound before these checks existed.
"""

from __future__ import annotations

import pytest

from kordon.config.errors import ConfigError
from kordon.config.loader import parse_site
from tests.conftest import REPO_ROOT


def _laughs(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("site:\n  id: a\x1fb\n", 2, "character #x001f is not allowed"),
        ("\x00", 1, "character #x0000 is not allowed"),
        ("version: 1" + "9" * 5000 + "\n", 1, "Exceeds the limit (4300 digits)"),
        ("site: " + "[" * 3000 + "\n", None, "nested too deeply"),
        ("site: &x [*x]\n", None, "an alias that contains itself"),
        (_laughs(9), 1, "aliases repeat more than 50,000"),
    ],
    ids=["control char", "NUL", "huge integer", "deep nesting", "recursive alias", "laughs"],
)
def test_hostile_yaml_is_a_config_error(text: str, line: int | None, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_site(text, display="site.yaml", base_dir=REPO_ROOT)
    (issue,) = info.value.issues
    assert issue.line == line
    assert message in issue.message
    assert issue.message.startswith("invalid YAML")

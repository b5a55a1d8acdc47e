"""Hypothesis strategies shared by the fuzz tests: mutations of valid input, random values."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Bounded so the whole fuzz package runs in about a minute."""
FUZZ_SLOW = settings(FUZZ, max_examples=80)
"""For targets where one example costs tens of milliseconds (a whole valid site)."""

SYNTAX = ":-[]{},#&*!|>'\"%@`?=~\\/ \t\n0123456789.eE+"
"""Characters that mean something to YAML or JSON, to mutate with."""

Edit = tuple[int, float, float, str]
T = TypeVar("T")
E = TypeVar("E", bound=Exception)


def edits(max_edits: int = 6) -> st.SearchStrategy[list[Edit]]:
    """Edit scripts: (operation, where, how far, text)."""
    return st.lists(
        st.tuples(
            st.integers(0, 5),
            st.floats(0.0, 1.0),
            st.floats(0.0, 1.0),
            st.text(st.sampled_from(SYNTAX) | st.characters(), max_size=12),
        ),
        min_size=1,
        max_size=max_edits,
    )


def apply_edits(text: str, script: list[Edit]) -> str:
    """Apply an edit script: delete, insert, replace, duplicate a line, swap two lines, or
    shift a line's indentation."""
    for op, where, span, payload in script:
        pos = int(where * len(text))
        end = min(len(text), pos + int(span * 40))
        lines = text.split("\n")
        line = min(int(where * len(lines)), len(lines) - 1)
        other = min(int(span * len(lines)), len(lines) - 1)
        if op == 0:
            text = text[:pos] + text[end:]
        elif op == 1:
            text = text[:pos] + payload + text[pos:]
        elif op == 2:
            text = text[:pos] + payload + text[end:]
        elif op == 3:
            lines.insert(line, lines[line])
            text = "\n".join(lines)
        elif op == 4:
            lines[line], lines[other] = lines[other], lines[line]
            text = "\n".join(lines)
        else:
            lines[line] = " " * (len(payload) % 7) + lines[line].lstrip(" ")
            text = "\n".join(lines)
    return text


def json_values(max_leaves: int = 30) -> st.SearchStrategy[object]:
    """Any JSON/YAML-representable value, including odd numbers and keys."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.integers(-(10**400), 10**400)
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text(max_size=20)
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=5)
            | st.dictionaries(st.text(max_size=10), children, max_size=5)
        ),
        max_leaves=max_leaves,
    )


def outcome(expected: type[E], call: Callable[[], T]) -> T | E:
    """``call()``'s result, or the ``expected`` exception it raised; any other exception
    propagates and fails the test (the property every fuzz test checks)."""
    try:
        return call()
    except expected as exc:
        return exc

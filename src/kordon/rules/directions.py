"""Naming crossing directions: which :class:`Direction` means "left to right"."""

from __future__ import annotations

from collections.abc import Iterable

from kordon.domain.event import Direction
from kordon.rules.errors import RuleConfigError

_OPPOSITE = {
    Direction.IN: Direction.OUT,
    Direction.OUT: Direction.IN,
    Direction.INBOUND: Direction.OUTBOUND,
    Direction.OUTBOUND: Direction.INBOUND,
}


def parse_direction(value: Direction | str, *, name: str = "direction") -> Direction:
    """A :class:`Direction` from itself or its string value; lists valid names on a miss."""
    if isinstance(value, Direction):
        return value
    try:
        return Direction(value)
    except ValueError:
        valid = ", ".join(d.value for d in Direction)
        raise RuleConfigError(
            f"{name}: unknown direction {value!r}; expected one of {valid}"
        ) from None


class DirectionNames:
    """The names of the two crossing directions of one line and which of them are wanted.

    ``left_to_right`` names a crossing from the line's left side to its right side
    (sides as displayed, see :mod:`kordon.rules.line_geometry`); the opposite crossing
    gets the paired name (``in``/``out``, ``inbound``/``outbound``). ``allowed`` is
    ``None`` for both directions, or a non-empty subset of the pair.
    """

    def __init__(
        self,
        left_to_right: Direction | str = Direction.IN,
        allowed: Iterable[Direction | str] | None = None,
    ) -> None:
        self.left_to_right = parse_direction(left_to_right, name="left_to_right")
        self.right_to_left = _OPPOSITE[self.left_to_right]
        pair = {self.left_to_right, self.right_to_left}
        if allowed is None:
            self.allowed: frozenset[Direction] = frozenset(pair)
            return
        if isinstance(allowed, str):
            allowed = [allowed]
        wanted = frozenset(parse_direction(d, name="directions") for d in allowed)
        if not wanted:
            raise RuleConfigError("directions: must not be empty; use None for both directions")
        foreign = sorted(d.value for d in wanted - pair)
        if foreign:
            raise RuleConfigError(
                f"directions: {', '.join(foreign)} not valid for this line; its directions are "
                f"{self.left_to_right.value} (left to right) and "
                f"{self.right_to_left.value} (right to left)"
            )
        self.allowed = wanted

    def name(self, *, left_to_right: bool) -> Direction:
        return self.left_to_right if left_to_right else self.right_to_left

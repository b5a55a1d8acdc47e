"""The ``Rule`` protocol, :class:`RuleSet`, and checks every rule shares."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np

from kordon.domain.event import Event
from kordon.domain.tracks import PlanarTracks
from kordon.rules.errors import RuleConfigError, RuleInputError


@runtime_checkable
class Rule(Protocol):
    """A small stateful object turning track positions into events.

    ``trigger`` is called once per update with every track of one plane and the
    update's UTC time; times must not go backwards.
    """

    @property
    def rule_id(self) -> str: ...

    def trigger(self, tracks: PlanarTracks, time: datetime) -> list[Event]: ...


class RuleSet:
    """Runs several rules on the same tracks and concatenates their events in rule order."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        seen: set[str] = set()
        for rule in self.rules:
            if rule.rule_id in seen:
                raise RuleConfigError(f"rule id {rule.rule_id!r} is used by more than one rule")
            seen.add(rule.rule_id)

    def __len__(self) -> int:
        return len(self.rules)

    def trigger(self, tracks: PlanarTracks, time: datetime) -> list[Event]:
        events: list[Event] = []
        for rule in self.rules:
            events.extend(rule.trigger(tracks, time))
        return events


def require_name(value: str, *, name: str) -> str:
    """A non-empty identifier parameter."""
    if not isinstance(value, str) or not value.strip():
        raise RuleConfigError(f"{name} must be a non-empty string, got {value!r}")
    return value


def require_non_negative(value: float, *, name: str) -> float:
    """A finite parameter ≥ 0 (margins, durations)."""
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise RuleConfigError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def require_positive(value: float, *, name: str) -> float:
    """A finite parameter > 0."""
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise RuleConfigError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


class UpdateClock:
    """Validates update times: UTC-aware and never going backwards (equal is allowed)."""

    def __init__(self, rule_id: str) -> None:
        self._rule_id = rule_id
        self.last: datetime | None = None

    def advance(self, time: datetime) -> datetime:
        if not isinstance(time, datetime) or time.tzinfo is None or time.utcoffset() is None:
            raise RuleInputError(
                f"rule {self._rule_id}: time must be a timezone-aware datetime, got {time!r}"
            )
        if self.last is not None and time < self.last:
            raise RuleInputError(
                f"rule {self._rule_id}: time went backwards from {self.last.isoformat()} "
                f"to {time.isoformat()}"
            )
        self.last = time
        return time


def check_unique_ids(track_ids: Sequence[int] | np.ndarray, *, rule_id: str) -> None:
    """Refuse a batch that names one track twice (its position would be ambiguous)."""
    ids = np.asarray(track_ids)
    if ids.size != np.unique(ids).size:
        values, counts = np.unique(ids, return_counts=True)
        dup = values[counts > 1][:5].tolist()
        raise RuleInputError(f"rule {rule_id}: duplicate track ids in one update: {dup}")

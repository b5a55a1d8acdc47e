"""Incident priority: 1 (highest) to 5, from the events an incident gathers.

Each event scores points; the incident takes its best event's score plus a bonus for
corroboration (distinct sources among all its events); the total maps to a priority.

=====================  ======  =========================================================
Factor                 Points  Notes
=====================  ======  =========================================================
kind                   40      ``border_crossing``
                       30      ``zone_enter``
                       25      ``border_approach``
                       20      ``line_crossing``
                       15      ``zone_dwell``
                        5      ``zone_exit``
class                  +10     person, vehicle (car, truck, bus, motorcycle, bicycle), boat
                       +5      unknown (no class)
                       -10     animal (bird, cat, dog, horse, sheep, cow, bear, ...)
border distance        +10     ≤ 100 m (a crossing counts as 0 m)
                       +5      ≤ 500 m
                       -5      > 2000 m
direction              +5      ``inbound`` / ``in``
                       -5      ``outbound`` / ``out``
corroboration          +5      two distinct sources;  +10 three or more
=====================  ======  =========================================================

Total ≥ 60 → P1, ≥ 40 → P2, ≥ 30 → P3, ≥ 20 → P4, else P5. Examples: a person crossing
the border inbound, into the home country (40 + 10 + 10 + 5 = 65), is P1; the same person
crossing outbound (55) is P2, as is a person approaching within 100 m of the border (45) or
entering a zone (40); an animal crossing a line (10) is P5. So an inbound crossing of the
border outranks an outbound one by priority, and an outbound crossing outranks an approach
by score (55 against 45: the same priority).

The border distance is ``attributes["border_distance_m"]`` when present, 0 for a border
crossing, and ``attributes["distance_to_line"]`` of a ``border_approach`` in the site frame.

Device events are rated separately by a fixed table: ``device_offline`` P2,
``storage_alarm`` P2, ``device_online`` P5.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from kordon.domain.event import Direction, Event, EventKind, Frame
from kordon.incidents.correlator import is_device_event
from kordon.incidents.errors import ConfigurationError

KIND_POINTS: Mapping[EventKind, int] = MappingProxyType(
    {
        EventKind.BORDER_CROSSING: 40,
        EventKind.ZONE_ENTER: 30,
        EventKind.BORDER_APPROACH: 25,
        EventKind.LINE_CROSSING: 20,
        EventKind.ZONE_DWELL: 15,
        EventKind.ZONE_EXIT: 5,
    }
)
DEVICE_PRIORITY: Mapping[EventKind, int] = MappingProxyType(
    {
        EventKind.DEVICE_OFFLINE: 2,
        EventKind.STORAGE_ALARM: 2,
        EventKind.DEVICE_ONLINE: 5,
    }
)
HUMAN_CLASSES = frozenset(
    {"person", "vehicle", "car", "truck", "bus", "motorcycle", "bicycle", "boat"}
)
ANIMAL_CLASSES = frozenset(
    {
        "animal",
        "bird",
        "cat",
        "dog",
        "horse",
        "sheep",
        "cow",
        "elephant",
        "bear",
        "zebra",
        "giraffe",
        "deer",
        "boar",
        "wolf",
        "elk",
    }
)
THRESHOLDS = (60, 40, 30, 20)
"""Minimum total for P1, P2, P3, P4; anything lower is P5."""


@dataclass(frozen=True, slots=True)
class PriorityAssessment:
    """A priority with the score and the reasons behind it (shown to operators)."""

    priority: int
    score: int
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PriorityPolicy:
    """The table above; every number can be overridden per site."""

    kind_points: Mapping[EventKind, int] = field(default_factory=lambda: KIND_POINTS)
    device_priority: Mapping[EventKind, int] = field(default_factory=lambda: DEVICE_PRIORITY)
    thresholds: tuple[int, int, int, int] = THRESHOLDS

    def __post_init__(self) -> None:
        if list(self.thresholds) != sorted(self.thresholds, reverse=True):
            raise ConfigurationError(
                f"thresholds must be decreasing (P1 first), got {self.thresholds}"
            )
        for kind, priority in self.device_priority.items():
            if not 1 <= priority <= 5:
                raise ConfigurationError(f"device priority of {kind} must be 1..5: {priority}")

    def assess(self, events: Sequence[Event]) -> PriorityAssessment:
        """The priority of an incident gathering ``events`` (at least one)."""
        if not events:
            raise ConfigurationError("cannot assess the priority of an incident with no events")
        device = [e for e in events if is_device_event(e)]
        if len(device) == len(events):
            best = min(self.device_priority.get(e.kind, 3) for e in device)
            return PriorityAssessment(best, 0, (f"device event: P{best}",))
        scored = [self._score(e) for e in events if not is_device_event(e)]
        score, reasons = max(scored, key=lambda item: item[0])
        sources = len({e.source_id for e in events if not is_device_event(e)})
        if sources >= 2:
            bonus = 10 if sources >= 3 else 5
            score += bonus
            reasons = (*reasons, f"corroborated by {sources} sources +{bonus}")
        return PriorityAssessment(self._priority(score), score, reasons)

    def headline(self, events: Sequence[Event]) -> Event:
        """The event that names the incident: its most severe event (the highest score of
        its own, so an inbound crossing before an outbound one), earliest among equals."""
        if not events:
            raise ValueError("headline of no events")
        return max(events, key=self._severity)

    def _severity(self, event: Event) -> tuple[int, int]:
        if is_device_event(event):
            return (0, -self.device_priority.get(event.kind, 3))
        return (1, self._points(event))

    def _priority(self, score: int) -> int:
        for level, minimum in enumerate(self.thresholds, start=1):
            if score >= minimum:
                return level
        return 5

    def _score(self, event: Event) -> tuple[int, tuple[str, ...]]:
        """The event's points and the reasons for them, in words."""
        reasons: list[str] = []
        return self._points(event, reasons), tuple(reasons)

    def _points(self, event: Event, reasons: list[str] | None = None) -> int:
        """The event's points; each reason is appended to ``reasons`` when one is given
        (the headline of every incident in a page is chosen without writing them)."""
        points = self.kind_points.get(event.kind, 0)
        if reasons is not None:
            reasons.append(f"{event.kind} +{points}")
        cls = (event.class_name or "").lower()
        if not cls:
            points += 5
            why = "unknown class +5"
        elif cls in HUMAN_CLASSES:
            points += 10
            why = f"{cls} +10"
        elif cls in ANIMAL_CLASSES:
            points -= 10
            why = f"{cls} -10"
        else:
            why = ""
        if why and reasons is not None:
            reasons.append(why)
        distance_m = border_distance_m(event)
        if distance_m is not None:
            step = 10 if distance_m <= 100.0 else 5 if distance_m <= 500.0 else -5
            if distance_m <= 500.0 or distance_m > 2000.0:
                points += step
                if reasons is not None:
                    reasons.append(f"{distance_m:.0f} m from the border {step:+d}")
        if event.direction in (Direction.INBOUND, Direction.IN):
            points += 5
            if reasons is not None:
                reasons.append(f"{event.direction} +5")
        elif event.direction in (Direction.OUTBOUND, Direction.OUT):
            points -= 5
            if reasons is not None:
                reasons.append(f"{event.direction} -5")
        return points


def border_distance_m(event: Event) -> float | None:
    """The event's distance to the border in metres, when it is known."""
    value = event.attributes.get("border_distance_m")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return abs(float(value))
    if event.kind is EventKind.BORDER_CROSSING:
        return 0.0
    value = event.attributes.get("distance_to_line")
    if (
        event.kind is EventKind.BORDER_APPROACH
        and event.frame is Frame.LOCAL
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return abs(float(value))
    return None

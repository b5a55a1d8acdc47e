"""False-alarm statistics per (source, rule), to measure how tuning changes them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FalseAlarmStats:
    """How the incidents raised by one source (camera, sensor) and rule were resolved.

    An incident counts once for every distinct (source, rule) among its events; its
    latest resolution counts (a reopened incident stops counting until resolved again).
    """

    source_id: str
    rule_id: str
    """The rule's id; ``""`` for events without one (device events)."""
    true_alarms: int
    false_alarms: int
    duplicates: int

    @property
    def resolved(self) -> int:
        return self.true_alarms + self.false_alarms + self.duplicates

    @property
    def false_alarm_rate(self) -> float | None:
        """``false / (true + false)``; duplicates say nothing about the rule's precision.

        ``None`` when no incident was judged true or false yet.
        """
        judged = self.true_alarms + self.false_alarms
        return None if judged == 0 else self.false_alarms / judged

"""``AlarmObserver``: ground-sensor alarms → one :class:`Observations` batch for the site tracker.

Each alarm becomes one row: its sensor's detection area (centre and wide covariance, see
:mod:`kordon.sensors.ugs.area`), the message time, the configured confidence and a class
from the sensor's hint. Heartbeats carry no detection and give no row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kordon.domain.observations import Observations
from kordon.sensors.ugs.area import DetectionArea
from kordon.sensors.ugs.message import ClassHint, MessageType, UgsMessage

CLASS_OF_HINT: Mapping[ClassHint | None, str] = {
    ClassHint.PERSON: "person",
    ClassHint.VEHICLE: "car",
    ClassHint.ANIMAL: "animal",
    ClassHint.UNKNOWN: "unknown",
    None: "unknown",
}
"""Observation class of each hint (detector class names: a vehicle is a ``car``)."""


class AlarmObserver:
    """Turns alarms of known sensors into observations; ``confidence`` per sensor id.

    ``max_delay_s`` (none: off) bounds how far before its arrival an observation is
    stamped: an alarm that took longer to arrive (a slow radio link) is stamped
    ``arrival - max_delay_s`` instead, so a site tracker that re-orders only a short lag
    does not refuse it as too late. The area's covariance dwarfs the distance a person
    walks in a few seconds, so the shift costs little; the message keeps its own time.
    """

    def __init__(
        self,
        areas: Mapping[str, DetectionArea],
        confidence: Mapping[str, float],
        *,
        max_delay_s: float | None = None,
    ) -> None:
        missing = sorted(set(areas) - set(confidence))
        if missing:
            raise ValueError(f"no confidence for sensors {missing}")
        if max_delay_s is not None and not max_delay_s >= 0:
            raise ValueError(f"max_delay_s must be >= 0, got {max_delay_s}")
        self._areas = dict(areas)
        self._confidence = dict(confidence)
        self.max_delay_s = max_delay_s

    def observe(
        self, messages: Sequence[UgsMessage], *, arrival_s: float | None = None
    ) -> Observations:
        """One row per alarm in ``messages`` (heartbeats are skipped), in their order;
        ``arrival_s`` (POSIX seconds) is when they arrived, for ``max_delay_s``."""
        alarms = [m for m in messages if m.type is MessageType.ALARM]
        unknown = sorted({m.sensor_id for m in alarms if m.sensor_id not in self._areas})
        if unknown:
            raise ValueError(f"alarms of sensors without a detection area: {unknown}")
        if not alarms:
            return Observations.empty()
        areas = [self._areas[m.sensor_id] for m in alarms]
        times = [m.time_s for m in alarms]
        if self.max_delay_s is not None and arrival_s is not None:
            times = [max(t, arrival_s - self.max_delay_s) for t in times]
        return Observations.from_arrays(
            time_s=times,
            sensor_id=[m.sensor_id for m in alarms],
            east_north_m=[a.centre_m for a in areas],
            cov_m2=[a.cov_m2 for a in areas],
            class_name=[CLASS_OF_HINT[m.class_hint] for m in alarms],
            confidence=[self._confidence[m.sensor_id] for m in alarms],
        )

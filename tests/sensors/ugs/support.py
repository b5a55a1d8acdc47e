"""Builders for the ground-sensor tests: a clock the test drives, messages, an intake."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from kordon.config.integrations import UgsSensorType
from kordon.domain.observations import Observations
from kordon.domain.status import DeviceStatus
from kordon.sensors.ugs.area import DetectionArea, disc_area
from kordon.sensors.ugs.decoder import UgsDecoder
from kordon.sensors.ugs.flood import FloodLimiter, RateLimit
from kordon.sensors.ugs.health import HealthLimits, UgsHealthMonitor
from kordon.sensors.ugs.intake import UgsIntake
from kordon.sensors.ugs.message import UgsMessage
from kordon.sensors.ugs.observer import AlarmObserver
from tests.support.requirements import require_or_skip

T0 = datetime(2026, 5, 4, 21, 0, 0, tzinfo=UTC)
BROKER = ("127.0.0.1", 1883)


class ManualClock:
    """UTC ``now`` that only moves when the test says so."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def message_dict(**overrides: Any) -> dict[str, Any]:
    """A valid alarm of ``ugs-1`` at T0 as a JSON-ready dict, with ``overrides``."""
    base: dict[str, Any] = {
        "v": 1,
        "sensor_id": "ugs-1",
        "time": "2026-05-04T21:00:00Z",
        "type": "alarm",
        "sensor_type": "seismic",
        "battery_pct": 80.0,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def message(time: datetime = T0, **overrides: Any) -> UgsMessage:
    data = message_dict(time=time.isoformat(), **overrides)
    return UgsMessage.model_validate_json(json.dumps(data))


SENSORS: dict[str, UgsSensorType | None] = {
    "ugs-1": UgsSensorType.SEISMIC,
    "ugs-2": UgsSensorType.PIR,
    "ugs-any": None,
}


@dataclass
class Collected:
    """What an intake delivered."""

    observations: list[Observations] = field(default_factory=list)
    statuses: list[DeviceStatus] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(o) for o in self.observations)


def build_intake(
    clock: ManualClock,
    *,
    rate_hz: float = 1.0,
    burst: int = 5,
    heartbeat_s: float = 60.0,
    areas: dict[str, DetectionArea] | None = None,
) -> tuple[UgsIntake, Collected]:
    collected = Collected()
    areas = areas or {sid: disc_area(10.0 * i, 5.0, 20.0) for i, sid in enumerate(SENSORS)}
    intake = UgsIntake(
        decoder=UgsDecoder(SENSORS, clock),
        observer=AlarmObserver(areas, dict.fromkeys(SENSORS, 0.5)),
        health=UgsHealthMonitor(
            {sid: HealthLimits(heartbeat_s, 20.0) for sid in SENSORS}, started=clock()
        ),
        flood=FloodLimiter({sid: RateLimit(rate_hz, burst) for sid in SENSORS}),
        clock=clock,
        on_observations=collected.observations.append,
        on_status=collected.statuses.append,
    )
    return intake, collected


def require_broker() -> None:
    """Skip (fail in CI) unless the Mosquitto broker listens on 127.0.0.1:1883."""
    try:
        with socket.create_connection(BROKER, timeout=1.0):
            return
    except OSError as exc:
        require_or_skip(f"needs an MQTT broker (Mosquitto) on {BROKER[0]}:{BROKER[1]}: {exc}")

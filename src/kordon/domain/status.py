"""Device health as reported by sources, sensors and services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kordon.domain.time import require_utc


class DeviceState(StrEnum):
    STARTING = "starting"
    ONLINE = "online"
    DEGRADED = "degraded"
    OFFLINE = "offline"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A device's state at a time, with measurements (``fps``, ``decode_errors``…)."""

    device_id: str
    time: datetime
    state: DeviceState
    detail: str = ""
    metrics: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time))

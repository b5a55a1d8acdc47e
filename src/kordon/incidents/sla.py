"""Acknowledgement SLA per priority: how long an incident may stay unacknowledged."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from kordon.incidents.errors import ConfigurationError

DEFAULT_ACK_S: Mapping[int, float] = MappingProxyType(
    {1: 60.0, 2: 120.0, 3: 300.0, 4: 900.0, 5: 3600.0}
)


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """``ack_s[p]``: seconds a priority-``p`` incident may stay open before it escalates."""

    ack_s: Mapping[int, float] = field(default_factory=lambda: DEFAULT_ACK_S)

    def __post_init__(self) -> None:
        if set(self.ack_s) != {1, 2, 3, 4, 5}:
            raise ConfigurationError(
                f"ack_s needs exactly priorities 1..5, got {sorted(self.ack_s)}"
            )
        for priority, seconds in self.ack_s.items():
            if not (math.isfinite(seconds) and seconds > 0):
                raise ConfigurationError(
                    f"ack_s[{priority}] must be a positive number of seconds, got {seconds}"
                )

    def due(self, priority: int, since: datetime) -> datetime:
        """When an incident of ``priority``, open since ``since``, escalates."""
        return since + timedelta(seconds=self.ack_s[priority])

"""Device uptime from a status timeline: how long a device was up, and its outages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kordon.domain.status import DeviceState
from kordon.reports.sector_facts import DeviceUptime, Outage

UP_STATES = frozenset({DeviceState.ONLINE, DeviceState.DEGRADED})
"""A degraded camera still streams (slowly, or with decode errors): it counts as up."""


@dataclass(frozen=True, slots=True)
class StateChange:
    """A status report that changed the device's state (or its first report)."""

    time: datetime
    state: DeviceState
    detail: str = ""


def device_uptime(
    device_id: str,
    *,
    before: StateChange | None,
    changes: Sequence[StateChange],
    start: datetime,
    end: datetime,
) -> DeviceUptime:
    """Uptime over ``[start, end)`` from the last report ``before`` it and the ``changes``
    inside it (oldest first). A state holds until the next report; time before the first
    known state is not observed. Consecutive not-up states form one outage."""
    timeline: list[StateChange] = []
    if before is not None:
        timeline.append(StateChange(start, before.state, before.detail))
    timeline.extend(c for c in changes if start <= c.time < end)
    observed_s = up_s = degraded_s = 0.0
    outages: list[Outage] = []
    down_since: StateChange | None = None
    for index, change in enumerate(timeline):
        until = timeline[index + 1].time if index + 1 < len(timeline) else end
        span_s = max(0.0, (until - change.time).total_seconds())
        observed_s += span_s
        if change.state in UP_STATES:
            up_s += span_s
            if change.state is DeviceState.DEGRADED:
                degraded_s += span_s
            if down_since is not None:
                outages.append(_outage(device_id, down_since, change.time, ongoing=False))
                down_since = None
        elif down_since is None:
            down_since = change
    if down_since is not None:
        outages.append(_outage(device_id, down_since, end, ongoing=True))
    return DeviceUptime(
        device_id=device_id,
        observed_s=observed_s,
        up_s=up_s,
        degraded_s=degraded_s,
        outages=tuple(outages),
    )


def _outage(device_id: str, since: StateChange, until: datetime, *, ongoing: bool) -> Outage:
    return Outage(
        device_id=device_id,
        start=since.time,
        end=until,
        state=str(since.state),
        detail=since.detail,
        ongoing=ongoing,
    )

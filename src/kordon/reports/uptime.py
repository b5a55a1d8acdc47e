"""Device uptime for the reports, in the report's terms (``sector_facts``).

The rules live in ``kordon.register.uptime`` alone; this module reads a device's uptime
with them and converts it, or computes it from an explicit state timeline (tests, callers
that already hold the changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kordon.domain.status import DeviceState
from kordon.register import uptime as rules
from kordon.reports.sector_facts import DeviceUptime, Outage

UP_STATES = rules.UP
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
    last_seen: datetime | None = None,
    stale_after_s: float | None = rules.DEFAULT_STALE_AFTER_S,
) -> DeviceUptime:
    """Uptime over ``[start, end)`` from the last report ``before`` it and the ``changes``
    inside it (oldest first; changes outside it are ignored), with the silence after
    ``last_seen`` counted as down (see ``kordon.register.uptime``)."""
    computed = rules.compute_uptime(
        device_id,
        [(c.time, str(c.state), c.detail) for c in changes if start <= c.time < end],
        since=start,
        until=end,
        before=None if before is None else (before.time, str(before.state), before.detail),
        last_seen=last_seen,
        stale_after_s=stale_after_s,
    )
    return to_report(computed)


def read_device_uptime(
    session: Session,
    device_id: str,
    *,
    start: datetime,
    end: datetime,
    stale_after_s: float | None = rules.DEFAULT_STALE_AFTER_S,
) -> DeviceUptime:
    """Uptime of ``device_id`` from the store, in ``session``."""
    return to_report(
        rules.read_uptime(session, device_id, since=start, until=end, stale_after_s=stale_after_s)
    )


def to_report(uptime: rules.DeviceUptime) -> DeviceUptime:
    return DeviceUptime(
        device_id=uptime.device_id,
        observed_s=uptime.known_s,
        up_s=uptime.up_s,
        degraded_s=uptime.degraded_s,
        outages=tuple(
            Outage(
                device_id=uptime.device_id,
                start=o.start,
                end=o.end,
                state=o.state,
                detail=o.detail,
                ongoing=o.ongoing,
            )
            for o in uptime.outages
        ),
    )

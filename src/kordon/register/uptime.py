"""Uptime of a networked asset from its device's status history, with the outages.

Between two reports a device is in the state last reported. A device is *up* when online
or degraded; *down* when starting, offline or stopped, and also when it has not reported
for longer than ``stale_after_s`` (its node or link is down: an outage "no report"). Time
before the first report known is *unknown* and left out of the ratio.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kordon.domain.status import DeviceState
from kordon.domain.time import require_utc
from kordon.store.models import DeviceStatusHistoryRow
from kordon.store.session import translate_errors

UP = frozenset({DeviceState.ONLINE, DeviceState.DEGRADED})
NO_REPORT = "no_report"
DEFAULT_STALE_AFTER_S = 120.0
"""Heartbeats come every 10 s: two minutes of silence is an outage."""


@dataclass(frozen=True, slots=True)
class Outage:
    start: datetime
    end: datetime
    state: str
    """The device state that began it, or ``no_report``."""
    detail: str

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class DeviceUptime:
    device_id: str
    since: datetime
    until: datetime
    up_s: float
    down_s: float
    unknown_s: float
    outages: list[Outage] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """Up time over known time; ``None`` when nothing is known."""
        known = self.up_s + self.down_s
        return None if known <= 0 else self.up_s / known


Report = tuple[datetime, str, str]
"""(time, state, detail) of one status report."""


def compute_uptime(
    device_id: str,
    reports: Iterable[Report],
    *,
    since: datetime,
    until: datetime,
    before: Report | None = None,
    stale_after_s: float | None = DEFAULT_STALE_AFTER_S,
) -> DeviceUptime:
    """Uptime over ``[since, until)`` from ``reports`` (time order, inside the window) and
    ``before`` (the last report before ``since``, if any)."""
    since, until = require_utc(since, name="since"), require_utc(until, name="until")
    if until <= since:
        raise ValueError("until must be after since")
    stale = None if stale_after_s is None else timedelta(seconds=stale_after_s)
    up = down = unknown = 0.0
    outages: list[Outage] = []
    current: Report | None = before

    def account(start: datetime, end: datetime, report: Report | None) -> None:
        nonlocal up, down, unknown
        if end <= start:
            return
        if report is None:
            unknown += (end - start).total_seconds()
            return
        fresh_end = end if stale is None else min(end, max(start, report[0] + stale))
        pieces: list[tuple[datetime, datetime, str, str]] = []
        if fresh_end > start:
            pieces.append((start, fresh_end, report[1], report[2]))
        if fresh_end < end:
            pieces.append((fresh_end, end, NO_REPORT, f"no report since {report[0].isoformat()}"))
        for a, b, state, detail in pieces:
            seconds = (b - a).total_seconds()
            if state != NO_REPORT and DeviceState(state) in UP:
                up += seconds
                continue
            down += seconds
            if outages and outages[-1].end == a:
                last = outages[-1]
                outages[-1] = Outage(last.start, b, last.state, last.detail)
            else:
                outages.append(Outage(a, b, state, detail))

    cursor = since
    for report in reports:
        time = require_utc(report[0])
        if time < since:
            current = report
            continue
        if time >= until:
            break
        account(cursor, time, current)
        cursor, current = time, report
    account(cursor, until, current)
    return DeviceUptime(device_id, since, until, up, down, unknown, outages)


def device_uptime(
    sessions: sessionmaker[Session],
    device_id: str,
    *,
    since: datetime,
    until: datetime,
    stale_after_s: float | None = DEFAULT_STALE_AFTER_S,
) -> DeviceUptime:
    """Uptime of ``device_id`` read from ``device_status_history``."""
    since, until = require_utc(since, name="since"), require_utc(until, name="until")
    h = DeviceStatusHistoryRow
    with translate_errors(f"reading the health history of {device_id}"), sessions() as session:
        previous = session.execute(
            select(h.time, h.state, h.detail)
            .where(h.device_id == device_id, h.time < since)
            .order_by(h.time.desc(), h.id.desc())
            .limit(1)
        ).one_or_none()
        rows = session.execute(
            select(h.time, h.state, h.detail)
            .where(h.device_id == device_id, h.time >= since, h.time < until)
            .order_by(h.time, h.id)
            .execution_options(yield_per=5000)
        )
        before: Report | None = None
        if previous is not None:
            before = (previous[0], previous[1], previous[2])
        return compute_uptime(
            device_id,
            ((r[0], r[1], r[2]) for r in rows),
            since=since,
            until=until,
            before=before,
            stale_after_s=stale_after_s,
        )

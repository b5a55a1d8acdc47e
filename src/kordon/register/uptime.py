"""Uptime of a networked device from its status history, with the outages: the one place
the uptime rules live (the register's asset uptime and the sector reports both use it).

The history is a change log: a row when a device's state changes, and, when a device comes
back after a silence longer than ``stale_after_s``, an ``offline`` row "no report since …"
at the moment the silence became an outage (older histories with a row per report read the
same: a repeated state changes nothing). The rules:

* a state holds from its row until the next row;
* *up* is online or degraded (a degraded camera still streams); *down* is starting,
  offline or stopped;
* after the device's last report (``last_seen``, from the latest-status table) plus
  ``stale_after_s`` it is down, "no report" (its node or link is down), until a next row;
* time before the first known state is *unknown* and left out of the ratio;
* consecutive down pieces form one outage, named by the state that began it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kordon.domain.status import DeviceState
from kordon.domain.time import require_utc
from kordon.store.models import DeviceStatusHistoryRow, DeviceStatusRow
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
    ongoing: bool = False
    """Still down at the end of the window."""

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
    degraded_s: float = 0.0
    """The degraded part of ``up_s``."""

    @property
    def known_s(self) -> float:
        return self.up_s + self.down_s

    @property
    def ratio(self) -> float | None:
        """Up time over known time; ``None`` when nothing is known."""
        known = self.known_s
        return None if known <= 0 else self.up_s / known


Report = tuple[datetime, str, str]
"""(time, state, detail) of one history row."""


def compute_uptime(
    device_id: str,
    reports: Iterable[Report],
    *,
    since: datetime,
    until: datetime,
    before: Report | None = None,
    last_seen: datetime | None = None,
    stale_after_s: float | None = DEFAULT_STALE_AFTER_S,
) -> DeviceUptime:
    """Uptime over ``[since, until)`` from the history rows ``reports`` (time order),
    ``before`` (the last row before ``since``, if any) and ``last_seen`` (the time of the
    device's latest report; ``None``: unknown, no silence is counted). Rows before
    ``since`` stand in for ``before``; rows at or after ``until`` are ignored."""
    since, until = require_utc(since, name="since"), require_utc(until, name="until")
    if until <= since:
        raise ValueError("until must be after since")
    if stale_after_s is not None and stale_after_s <= 0:
        raise ValueError("stale_after_s must be positive")
    silent_from: datetime | None = None
    if last_seen is not None and stale_after_s is not None:
        silent_from = require_utc(last_seen, name="last_seen") + timedelta(seconds=stale_after_s)
    up = down = degraded = unknown = 0.0
    outages: list[Outage] = []
    current: Report | None = before

    def account(start: datetime, end: datetime, report: Report | None) -> None:
        nonlocal up, down, degraded, unknown
        if end <= start:
            return
        if report is None:
            unknown += (end - start).total_seconds()
            return
        pieces: list[tuple[datetime, datetime, str, str]] = []
        fresh_end = end
        if silent_from is not None and report[0] < silent_from < end:
            fresh_end = max(start, silent_from)  # the silence after the last report
        if fresh_end > start:
            pieces.append((start, fresh_end, report[1], report[2]))
        if fresh_end < end:
            pieces.append((fresh_end, end, NO_REPORT, f"no report since {last_seen_text}"))
        for a, b, state, detail in pieces:
            seconds = (b - a).total_seconds()
            if state != NO_REPORT and DeviceState(state) in UP:
                up += seconds
                if state == DeviceState.DEGRADED:
                    degraded += seconds
                continue
            down += seconds
            if outages and outages[-1].end == a:
                last = outages[-1]
                outages[-1] = Outage(last.start, b, last.state, last.detail)
            else:
                outages.append(Outage(a, b, state, detail))

    last_seen_text = "" if last_seen is None else last_seen.isoformat()
    cursor = since
    for report in reports:
        time = require_utc(report[0])
        DeviceState(report[1])  # an unknown state is an error, not an outage
        if time < since:
            current = report
            continue
        if time >= until:
            break
        account(cursor, time, current)
        cursor, current = time, report
    account(cursor, until, current)
    if outages and outages[-1].end == until:
        last = outages[-1]
        outages[-1] = Outage(last.start, last.end, last.state, last.detail, ongoing=True)
    return DeviceUptime(device_id, since, until, up, down, unknown, outages, degraded)


MAX_SEEKS = 64
"""Index seeks for a device's changes in one window; a device that changes state more often
than this (flapping) has the rest of its window read in one ordered scan instead."""


def read_uptime(
    session: Session,
    device_id: str,
    *,
    since: datetime,
    until: datetime,
    stale_after_s: float | None = DEFAULT_STALE_AFTER_S,
) -> DeviceUptime:
    """Uptime of ``device_id`` over ``[since, until)`` from ``device_status_history`` and the
    latest-status table, in ``session``. Only the rows that change the state are read (see
    ``read_changes``), so a history written a row per report costs what its changes cost."""
    since, until = require_utc(since, name="since"), require_utc(until, name="until")
    h = DeviceStatusHistoryRow
    previous_row = session.execute(
        select(h.time, h.state, h.detail)
        .where(h.device_id == device_id, h.time < since)
        .order_by(h.time.desc(), h.id.desc())
        .limit(1)
    ).one_or_none()
    before: Report | None = None
    if previous_row is not None:
        before = (previous_row[0], previous_row[1], previous_row[2])
    last_seen = session.scalar(
        select(DeviceStatusRow.time).where(DeviceStatusRow.device_id == device_id)
    )
    return compute_uptime(
        device_id,
        read_changes(
            session,
            device_id,
            since=since,
            until=until,
            state=None if before is None else before[1],
        ),
        since=since,
        until=until,
        before=before,
        last_seen=last_seen,
        stale_after_s=stale_after_s,
    )


def read_changes(
    session: Session,
    device_id: str,
    *,
    since: datetime,
    until: datetime,
    state: str | None,
    max_seeks: int = MAX_SEEKS,
) -> list[Report]:
    """The history rows of ``device_id`` in ``[since, until)`` that change its state from
    ``state`` (the state before ``since``; ``None``: unknown), time order.

    Each change is found with one index seek: the earliest time after the last change with a
    row in another state, and of the rows at that time the last written (the one that holds
    from it). The rows between changes (heartbeats that repeat the state) are skipped inside
    the database, never sent to Python, so the cost follows the number of changes. After
    ``max_seeks`` changes the rest of the window is read as it is (``compute_uptime`` reads
    repeats as nothing).
    """
    h = DeviceStatusHistoryRow
    changes: list[Report] = []
    lower: Any = h.time >= since
    for _ in range(max_seeks):
        conditions = [h.device_id == device_id, lower, h.time < until]
        if state is not None:
            conditions.append(h.state != state)
        moment = select(h.time).where(*conditions).order_by(h.time).limit(1).scalar_subquery()
        row = session.execute(
            select(h.time, h.state, h.detail)
            .where(h.device_id == device_id, h.time == moment)
            .order_by(h.id.desc())
            .limit(1)
        ).one_or_none()
        if row is None:
            return changes
        changes.append((row[0], row[1], row[2]))
        state, lower = row[1], h.time > row[0]
    rest = session.execute(
        select(h.time, h.state, h.detail)
        .where(h.device_id == device_id, lower, h.time < until)
        .order_by(h.time, h.id)
    )
    changes.extend((r[0], r[1], r[2]) for r in rest)
    return changes


def device_uptime(
    sessions: sessionmaker[Session],
    device_id: str,
    *,
    since: datetime,
    until: datetime,
    stale_after_s: float | None = DEFAULT_STALE_AFTER_S,
) -> DeviceUptime:
    """Uptime of ``device_id`` read in a session of its own (see ``read_uptime``)."""
    with translate_errors(f"reading the health history of {device_id}"), sessions() as session:
        return read_uptime(
            session, device_id, since=since, until=until, stale_after_s=stale_after_s
        )

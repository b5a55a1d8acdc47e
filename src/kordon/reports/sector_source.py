"""``SectorReportSource``: reads a sector's facts for a period from the store.

Everything is read in one transaction with a handful of aggregate queries: the events'
times and directions (not whole rows), incidents with their steps, the false-alarm
judgements, and for each device only the status reports that *changed* its state (index
seeks skip heartbeats that repeat a state inside the database, which is what keeps a month
of a 50-camera site fast: ``kordon.register.uptime.read_changes``). The bulk rows are read
through the session's connection as plain Core rows, without the ORM's result processing.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from kordon.domain.event import Direction, EventKind
from kordon.domain.incident import IncidentStatus, Resolution
from kordon.domain.time import require_utc
from kordon.incidents.feedback import FalseAlarmStats
from kordon.incidents.sla import SlaPolicy
from kordon.reports.period import ReportPeriod
from kordon.reports.sector_facts import (
    HOURS,
    CrossingsByHour,
    DailyOutcomes,
    DeviceUptime,
    Durations,
    Outcome,
    ResponseTimes,
    SectorFacts,
)
from kordon.reports.site_outline import SiteOutline
from kordon.reports.uptime import read_device_uptime
from kordon.store import Store
from kordon.store.models import (
    DeviceStatusRow,
    EventRow,
    IncidentRow,
    IncidentStepRow,
)
from kordon.store.models_incidents import IncidentExtrasRow, IncidentFeedbackRow

CROSSING_KINDS = (str(EventKind.BORDER_CROSSING), str(EventKind.LINE_CROSSING))
IN_DIRECTIONS = frozenset({str(Direction.INBOUND), str(Direction.IN)})
OUT_DIRECTIONS = frozenset({str(Direction.OUTBOUND), str(Direction.OUT)})
RESOLUTION_OUTCOME = {
    str(Resolution.TRUE_ALARM): Outcome.TRUE_ALARM,
    str(Resolution.FALSE_ALARM): Outcome.FALSE_ALARM,
    str(Resolution.DUPLICATE): Outcome.DUPLICATE,
}
STATUS_OUTCOME = {
    str(IncidentStatus.OPEN): Outcome.OPEN,
    str(IncidentStatus.ACKNOWLEDGED): Outcome.ACKNOWLEDGED,
    str(IncidentStatus.DISPATCHED): Outcome.DISPATCHED,
}


@dataclass(frozen=True, slots=True)
class _IncidentFacts:
    opened_at: datetime
    priority: int
    outcome: Outcome
    escalated: bool
    first: dict[str, datetime]
    """Status -> time of the first step into it."""


class SectorReportSource:
    """Gathers :class:`SectorFacts`; the store must be open. Never reads the clock."""

    def __init__(
        self,
        store: Store,
        outline: SiteOutline,
        *,
        sla: SlaPolicy | None = None,
        min_outage_s: float = 60.0,
    ) -> None:
        self._store = store
        self._outline = outline
        self._sla = sla or SlaPolicy()
        self._min_outage_s = min_outage_s

    def facts(self, *, sector_id: str | None, period: ReportPeriod, at: datetime) -> SectorFacts:
        """The facts of ``sector_id`` (``None``: the whole site) over ``period``, as they
        stand at ``at`` (the generation time: open incidents are judged against it)."""
        at = require_utc(at, name="at")
        sector_name = None if sector_id is None else self._outline.sector_name(sector_id)
        with self._store.sessions.begin() as session:
            crossings = _crossings(session, period, sector_id)
            incidents = _incidents(session, period, sector_id)
            false_alarms = _false_alarms(session, period, sector_id)
            device_ids = self._outline.devices_of(sector_id)
            if sector_id is None:
                device_ids = tuple(sorted({*device_ids, *_reporting(session)}))
            # Time after the report is made is not observed yet: a report of today must not
            # count the rest of the day as every device's outage.
            observed_end = min(period.end, at)
            devices = (
                tuple(_uptime(session, d, period.start, observed_end) for d in device_ids)
                if observed_end > period.start
                else ()
            )
        outcomes = Counter(i.outcome for i in incidents)
        return SectorFacts(
            site_id=self._outline.site_id,
            site_name=self._outline.name,
            sector_id=sector_id,
            sector_name=sector_name,
            period=period,
            generated_at=at,
            crossings=crossings,
            outcomes={o: outcomes.get(o, 0) for o in Outcome},
            daily=_daily(incidents, period),
            false_alarms=false_alarms,
            responses=self._responses(incidents, at),
            devices=devices,
            min_outage_s=self._min_outage_s,
        )

    def _responses(
        self, incidents: Sequence[_IncidentFacts], at: datetime
    ) -> tuple[ResponseTimes, ...]:
        out: list[ResponseTimes] = []
        for priority in sorted({i.priority for i in incidents}):
            group = [i for i in incidents if i.priority == priority]
            sla_s = self._sla.ack_s[priority]
            acks: list[float] = []
            within = breached = pending = 0
            for incident in group:
                ack = _first_response(incident)
                if ack is not None:
                    ack_s = (ack - incident.opened_at).total_seconds()
                    acks.append(ack_s)
                    if ack_s <= sla_s:
                        within += 1
                    else:
                        breached += 1
                elif (at - incident.opened_at).total_seconds() > sla_s:
                    breached += 1
                else:
                    pending += 1
            out.append(
                ResponseTimes(
                    priority=priority,
                    incidents=len(group),
                    sla_s=sla_s,
                    acknowledge=_durations(acks),
                    dispatch=_durations(_since_open(group, IncidentStatus.DISPATCHED)),
                    resolve=_durations(_since_open(group, IncidentStatus.RESOLVED)),
                    within_sla=within,
                    breached=breached,
                    pending=pending,
                    escalated=sum(i.escalated for i in group),
                )
            )
        return tuple(out)


def _in_period(column: Any, period: ReportPeriod) -> Any:
    return and_(column >= period.start, column < period.end)


def _crossings(session: Session, period: ReportPeriod, sector_id: str | None) -> CrossingsByHour:
    conditions = [EventRow.kind.in_(CROSSING_KINDS), _in_period(EventRow.time, period)]
    if sector_id is not None:
        conditions.append(EventRow.sector_id == sector_id)
    rows = session.connection().execute(
        select(EventRow.time, EventRow.kind, EventRow.direction).where(*conditions)
    )
    inbound = [0] * HOURS
    outbound = [0] * HOURS
    kinds: Counter[tuple[str, str]] = Counter()
    tz = period.tz
    for moment, kind, direction in rows:
        if direction in IN_DIRECTIONS:
            inbound[moment.astimezone(tz).hour] += 1
        elif direction in OUT_DIRECTIONS:
            outbound[moment.astimezone(tz).hour] += 1
        else:
            continue
        kinds[(kind, direction)] += 1
    border = str(EventKind.BORDER_CROSSING)
    line = str(EventKind.LINE_CROSSING)
    return CrossingsByHour(
        inbound=tuple(inbound),
        outbound=tuple(outbound),
        border_inbound=kinds[(border, str(Direction.INBOUND))],
        border_outbound=kinds[(border, str(Direction.OUTBOUND))],
        line_in=kinds[(line, str(Direction.IN))],
        line_out=kinds[(line, str(Direction.OUT))],
    )


def _incident_conditions(period: ReportPeriod, sector_id: str | None) -> list[Any]:
    conditions = [_in_period(IncidentRow.opened_at, period)]
    if sector_id is not None:
        conditions.append(IncidentRow.sector_id == sector_id)
    return conditions


def _incidents(
    session: Session, period: ReportPeriod, sector_id: str | None
) -> list[_IncidentFacts]:
    conditions = _incident_conditions(period, sector_id)
    firsts: dict[str, dict[str, datetime]] = {}
    steps = session.connection().execute(
        select(IncidentStepRow.incident_id, IncidentStepRow.status, IncidentStepRow.time)
        .join(IncidentRow, IncidentRow.id == IncidentStepRow.incident_id)
        .where(*conditions)
        .order_by(IncidentStepRow.incident_id, IncidentStepRow.seq)
    )
    for incident_id, status, moment in steps:
        firsts.setdefault(incident_id, {}).setdefault(status, moment)
    rows = session.connection().execute(
        select(
            IncidentRow.id,
            IncidentRow.opened_at,
            IncidentRow.priority,
            IncidentRow.status,
            IncidentRow.resolution,
            IncidentExtrasRow.escalated_at,
        )
        .outerjoin(IncidentExtrasRow, IncidentExtrasRow.incident_id == IncidentRow.id)
        .where(*conditions)
    )
    return [
        _IncidentFacts(
            opened_at=opened_at,
            priority=priority,
            outcome=_outcome(status, resolution),
            escalated=escalated_at is not None,
            first=firsts.get(incident_id, {}),
        )
        for incident_id, opened_at, priority, status, resolution, escalated_at in rows
    ]


def _outcome(status: str, resolution: str | None) -> Outcome:
    if status in STATUS_OUTCOME:
        return STATUS_OUTCOME[status]
    if resolution in RESOLUTION_OUTCOME:
        return RESOLUTION_OUTCOME[resolution]
    return Outcome.TRUE_ALARM  # closed without a recorded judgement: handled as real


def _first_response(incident: _IncidentFacts) -> datetime | None:
    handled = [
        incident.first[s]
        for s in (IncidentStatus.ACKNOWLEDGED, IncidentStatus.DISPATCHED, IncidentStatus.RESOLVED)
        if s in incident.first
    ]
    return min(handled, default=None)


def _since_open(incidents: Iterable[_IncidentFacts], status: IncidentStatus) -> list[float]:
    return [(i.first[status] - i.opened_at).total_seconds() for i in incidents if status in i.first]


def _durations(values: Sequence[float]) -> Durations:
    if not values:
        return Durations()
    ordered = sorted(values)
    rank = max(0, math.ceil(0.9 * len(ordered)) - 1)
    return Durations(
        count=len(ordered),
        median_s=statistics.median(ordered),
        p90_s=ordered[rank],
        max_s=ordered[-1],
    )


def _daily(incidents: Sequence[_IncidentFacts], period: ReportPeriod) -> tuple[DailyOutcomes, ...]:
    by_day: dict[date, Counter[Outcome]] = {}
    for incident in incidents:
        by_day.setdefault(period.local(incident.opened_at).date(), Counter())[incident.outcome] += 1
    days = [period.first_day + timedelta(days=n) for n in range(period.days)]
    return tuple(
        DailyOutcomes(day=d, counts={o: by_day.get(d, Counter()).get(o, 0) for o in Outcome})
        for d in days
    )


def _false_alarms(
    session: Session, period: ReportPeriod, sector_id: str | None
) -> tuple[FalseAlarmStats, ...]:
    rows = session.connection().execute(
        select(
            IncidentFeedbackRow.source_id,
            IncidentFeedbackRow.rule_id,
            IncidentFeedbackRow.resolution,
            func.count(),
        )
        .join(IncidentRow, IncidentRow.id == IncidentFeedbackRow.incident_id)
        .where(*_incident_conditions(period, sector_id))
        .group_by(
            IncidentFeedbackRow.source_id,
            IncidentFeedbackRow.rule_id,
            IncidentFeedbackRow.resolution,
        )
    )
    counts: dict[tuple[str, str], Counter[str]] = {}
    for source_id, rule_id, resolution, count in rows:
        counts.setdefault((source_id, rule_id), Counter())[resolution] += int(count)
    return tuple(
        FalseAlarmStats(
            source_id=source_id,
            rule_id=rule_id,
            true_alarms=by[str(Resolution.TRUE_ALARM)],
            false_alarms=by[str(Resolution.FALSE_ALARM)],
            duplicates=by[str(Resolution.DUPLICATE)],
        )
        for (source_id, rule_id), by in sorted(counts.items())
    )


def _reporting(session: Session) -> list[str]:
    """Devices that ever reported a status (the small latest-status table, not the history)."""
    return list(session.scalars(select(DeviceStatusRow.device_id)))


def _uptime(session: Session, device_id: str, start: datetime, end: datetime) -> DeviceUptime:
    return read_device_uptime(session, device_id, start=start, end=end)

"""A small sector history with known answers, written through the real services.

Period: 2026-03-10 in Europe/Kyiv (UTC+2 that day: local midnight is 22:00 UTC the day
before). Every SLA is 300 s, so which incident meets it does not depend on priorities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import Resolution
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.incidents import IncidentService
from kordon.incidents.sla import SlaPolicy
from kordon.reports.period import ReportPeriod
from kordon.reports.site_outline import SiteOutline
from kordon.store import Store
from tests.units.helpers import add_unit

TZ = "Europe/Kyiv"
DAY = ReportPeriod.day(datetime(2026, 3, 10).date(), timezone=TZ)
SLA = SlaPolicy(ack_s=dict.fromkeys(range(1, 6), 300.0))
OUTLINE = SiteOutline(
    site_id="volyn",
    name="Volyn test site",
    timezone=TZ,
    sectors={"s1": "Tripoint sector", "s2": "Central sector"},
    devices={"s1": ("cam1", "cam1/recorder"), "s2": ("cam2",)},
)
AT = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
"""When the report is made (the open incident is then long past its SLA)."""


def utc(hour: int, minute: int = 0, second: int = 0, *, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def crossing(
    event_id: str,
    moment: datetime,
    direction: Direction,
    *,
    sector: str = "s1",
    source: str = "cam1",
    rule: str = "border",
) -> Event:
    kind = (
        EventKind.BORDER_CROSSING
        if direction in (Direction.INBOUND, Direction.OUTBOUND)
        else EventKind.LINE_CROSSING
    )
    return Event(
        kind=kind,
        time=moment,
        source_id=source,
        id=event_id,
        rule_id=rule,
        class_name="person",
        direction=direction,
        sector_id=sector,
    )


@dataclass(frozen=True, slots=True)
class Seeded:
    true_alarm: str
    false_alarm: str
    still_open: str


def seed_sector_day(store: Store) -> Seeded:
    """Four crossings in s1 on the day (three in the period), one in s2; three incidents in
    s1 (true alarm acknowledged in 30 s, false alarm resolved after 600 s, one left open);
    device history of cam1 (one one-hour outage) and its recorder (reports from noon)."""
    service = IncidentService(store, lambda _incident: None, sla=SLA)

    def ingest(event: Event) -> str:
        result = service.ingest(event, event.time)
        assert result.incident is not None
        return result.incident.incident.id

    # 08:15 and 08:40 local; 23:30 local (line, cam2 rule line-a); 00:10 the next local day
    first = ingest(crossing("e1", utc(6, 15), Direction.INBOUND))
    second = ingest(crossing("e2", utc(6, 40), Direction.OUTBOUND))
    third = ingest(crossing("e3", utc(21, 30), Direction.IN, source="cam2", rule="line-a"))
    ingest(crossing("e4", utc(22, 10), Direction.INBOUND))
    ingest(crossing("e5", utc(8, 0), Direction.INBOUND, sector="s2", source="cam3"))

    opened = utc(6, 15)
    version = service.get(first).version
    version = service.acknowledge(
        first, actor="op", time=opened + timedelta(seconds=30), expected_version=version
    ).version
    version = service.dispatch(
        first,
        actor="op",
        unit_id=add_unit(store, "patrol-1", "s1"),
        time=opened + timedelta(seconds=300),
        expected_version=version,
    ).version
    service.resolve(
        first,
        actor="op",
        resolution=Resolution.TRUE_ALARM,
        time=opened + timedelta(seconds=3600),
        expected_version=version,
    )
    service.resolve(
        second,
        actor="op",
        resolution=Resolution.FALSE_ALARM,
        time=utc(6, 40) + timedelta(seconds=600),
        expected_version=service.get(second).version,
    )

    def status(device: str, moment: datetime, state: DeviceState, detail: str = "") -> None:
        """A report, then the heartbeats repeating it each minute until the next report
        (a device is silent only when it stops reporting: kordon.register.uptime)."""
        following = [t for d, t in changes if d == device and t > moment]
        store.devices.record(DeviceStatus(device, moment, state, detail))
        beat = moment + timedelta(minutes=1)
        while following and beat < min(following):
            store.devices.record(DeviceStatus(device, beat, state, detail))
            beat += timedelta(minutes=1)

    changes = [
        ("cam1", utc(12, day=9)), ("cam1", utc(23, day=9)), ("cam1", utc(4)), ("cam1", utc(4, 30)),
        ("cam1", utc(5)), ("cam1", utc(5, 0, 10)), ("cam1", utc(5, 10, 10)), ("cam1", utc(23)),
        ("cam1/recorder", utc(12)), ("cam1/recorder", utc(12, 0, 30)), ("cam1/recorder", utc(23)),
    ]  # fmt: skip

    status("cam1", utc(12, day=9), DeviceState.ONLINE, "streaming")
    status("cam1", utc(23, day=9), DeviceState.ONLINE, "streaming")  # a heartbeat in the day
    status("cam1", utc(4), DeviceState.OFFLINE, "rtsp timeout")
    status("cam1", utc(4, 30), DeviceState.OFFLINE, "rtsp timeout")  # still down
    status("cam1", utc(5), DeviceState.ONLINE, "streaming")
    status("cam1", utc(5, 0, 10), DeviceState.DEGRADED, "8 fps, nominal 10")
    status("cam1", utc(5, 10, 10), DeviceState.ONLINE, "streaming")
    status("cam1/recorder", utc(12), DeviceState.STARTING, "recorder starting")
    status("cam1/recorder", utc(12, 0, 30), DeviceState.ONLINE, "recording")
    status("cam1", utc(23), DeviceState.OFFLINE, "after the period")
    status("cam1/recorder", utc(23), DeviceState.ONLINE, "after the period")
    return Seeded(true_alarm=first, false_alarm=second, still_open=third)

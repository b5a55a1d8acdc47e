"""Alert scenarios through the incident service on a real SQLite store.

Time is injected: every call gets its time from a driven clock, never the wall clock.
Each scenario checks what operators get: one alert per new crossing, track or direction,
the incident moved to the top of the list, its priority and title recomputed, its counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import CrossingCounts, Incident, IncidentStatus, Resolution
from kordon.incidents import AlertReason, IncidentAlert, IncidentService, IngestOutcome
from kordon.store import Store, StoredIncident
from tests.incidents.builders import T0, ev

IN, OUT = Direction.INBOUND, Direction.OUTBOUND
OPENED = AlertReason.OPENED
CROSSING = AlertReason.CROSSING
NEW_TRACK = AlertReason.NEW_TRACK
TURN = AlertReason.DIRECTION_CHANGE


@dataclass
class DrivenClock:
    """The time handed to the service; advanced by the test."""

    now: datetime = T0

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class Feed:
    """What the service published, in order: incidents and alerts."""

    log: list[tuple[str, str]] = field(default_factory=list)
    alerts: list[IncidentAlert] = field(default_factory=list)

    def incident(self, incident: Incident) -> None:
        self.log.append(("incident", incident.id))

    def alert(self, alert: IncidentAlert) -> None:
        self.log.append(("alert", alert.incident_id))
        self.alerts.append(alert)


@pytest.fixture
def feed() -> Feed:
    return Feed()


@pytest.fixture
def clock() -> DrivenClock:
    return DrivenClock()


@pytest.fixture
def alerting(store: Store, feed: Feed) -> IncidentService:
    return IncidentService(store, feed.incident, alert_publish=feed.alert)


def crossing(
    event_id: str,
    clock: DrivenClock,
    direction: Direction,
    track: str,
    *,
    sector_id: str = "sector-1",
    north_m: float = 0.0,
) -> Event:
    return ev(
        event_id,
        (clock.now - T0).total_seconds(),
        kind=EventKind.BORDER_CROSSING,
        direction=direction,
        track_id=track,
        sector_id=sector_id,
        north_m=north_m,
        rule_id="border",
    )


def ingest(service: IncidentService, event: Event, clock: DrivenClock) -> StoredIncident:
    result = service.ingest(event, clock.now)
    assert result.incident is not None
    return result.incident


def test_alternating_crossings_alert_every_time_and_are_counted(
    alerting: IncidentService, feed: Feed, clock: DrivenClock, store: Store
) -> None:
    """One person goes in and back out, then a second one does the same: four alerts."""
    first = ingest(alerting, crossing("c1", clock, IN, "a"), clock)
    clock.advance(20)
    ingest(alerting, crossing("c2", clock, OUT, "a"), clock)
    clock.advance(20)
    ingest(alerting, crossing("c3", clock, IN, "b"), clock)
    clock.advance(20)
    last = ingest(alerting, crossing("c4", clock, OUT, "b"), clock)

    assert len(store.incidents.list()) == 1
    assert [a.reasons for a in feed.alerts] == [
        (OPENED,),
        (CROSSING, TURN),
        (CROSSING, NEW_TRACK, TURN),
        (CROSSING, TURN),
    ]
    assert [a.event.id for a in feed.alerts] == ["c1", "c2", "c3", "c4"]
    assert [a.alerted_at for a in feed.alerts] == [
        T0 + timedelta(seconds=s) for s in (0, 20, 40, 60)
    ]
    incident = last.incident
    assert incident.id == first.incident.id
    assert incident.last_alert_at == clock.now
    assert incident.crossings == CrossingCounts(inbound=2, outbound=2)
    assert feed.alerts[-1].crossings == CrossingCounts(inbound=2, outbound=2)
    assert incident.priority == 1
    assert "inbound" in incident.title
    # the stored incident says the same after a reload
    reloaded = alerting.get(incident.id).incident
    assert (reloaded.last_alert_at, reloaded.crossings) == (clock.now, incident.crossings)


def test_inbound_after_outbound_raises_priority_and_renames_the_incident(
    alerting: IncidentService, feed: Feed, clock: DrivenClock
) -> None:
    """The demo's defect: an outbound incident swallowed a later inbound crossing silently."""
    outbound = ingest(alerting, crossing("c1", clock, OUT, "a"), clock)
    assert outbound.incident.priority == 2
    assert outbound.incident.title == "Border crossing person outbound (sector-1)"
    clock.advance(20)
    result = alerting.ingest(crossing("c2", clock, IN, "b"), clock.now)
    assert result.outcome is IngestOutcome.ATTACHED
    assert result.incident is not None
    assert result.incident.incident.id == outbound.incident.id
    assert result.incident.incident.priority == 1
    assert result.incident.incident.title == "Border crossing person inbound (sector-1)"
    assert result.alert is not None
    assert result.alert.reasons == (CROSSING, NEW_TRACK, TURN)
    assert (result.alert.priority, result.alert.title) == (1, result.incident.incident.title)
    assert result.alert == feed.alerts[-1]
    actions = [a.action for a in alerting.activity(outbound.incident.id)]
    assert actions == ["open", "attach_event", "reprioritize", "alert"]


def test_a_later_outbound_crossing_keeps_the_inbound_title_and_priority(
    alerting: IncidentService, feed: Feed, clock: DrivenClock
) -> None:
    ingest(alerting, crossing("c1", clock, IN, "a"), clock)
    clock.advance(20)
    after = ingest(alerting, crossing("c2", clock, OUT, "b"), clock)
    assert after.incident.priority == 1
    assert after.incident.title == "Border crossing person inbound (sector-1)"
    assert len(feed.alerts) == 2


def test_a_re_alerted_incident_moves_to_the_top_of_the_list(
    alerting: IncidentService, clock: DrivenClock
) -> None:
    older = ingest(alerting, crossing("c1", clock, OUT, "a"), clock)
    clock.advance(30)
    newer = ingest(alerting, crossing("c2", clock, OUT, "z", sector_id="sector-2"), clock)
    assert [s.incident.id for s in alerting.list()] == [newer.incident.id, older.incident.id]
    clock.advance(30)
    ingest(alerting, crossing("c3", clock, IN, "b"), clock)
    listed = alerting.list()
    assert [s.incident.id for s in listed] == [older.incident.id, newer.incident.id]
    assert listed[0].incident.last_alert_at == clock.now


@pytest.mark.parametrize("first", [IN, OUT])
def test_simultaneous_opposite_crossings_at_one_place_give_one_incident_two_alerts(
    alerting: IncidentService, feed: Feed, clock: DrivenClock, store: Store, first: Direction
) -> None:
    second = OUT if first is IN else IN
    ingest(alerting, crossing("c1", clock, first, "a"), clock)
    both = ingest(alerting, crossing("c2", clock, second, "b", north_m=30.0), clock)
    assert len(store.incidents.list()) == 1
    assert [a.reasons for a in feed.alerts] == [(OPENED,), (CROSSING, NEW_TRACK, TURN)]
    assert both.incident.crossings == CrossingCounts(inbound=1, outbound=1)
    assert both.incident.priority == 1
    assert "inbound" in both.incident.title


def test_simultaneous_crossings_in_two_sectors_open_and_alert_two_incidents(
    alerting: IncidentService, feed: Feed, clock: DrivenClock, store: Store
) -> None:
    ingest(alerting, crossing("c1", clock, IN, "a", sector_id="sector-1"), clock)
    ingest(alerting, crossing("c2", clock, IN, "b", sector_id="sector-2"), clock)
    assert len(store.incidents.list()) == 2
    assert [a.reasons for a in feed.alerts] == [(OPENED,), (OPENED,)]
    assert len({a.incident_id for a in feed.alerts}) == 2


def test_a_group_crossing_together_alerts_for_each_person(
    alerting: IncidentService, feed: Feed, clock: DrivenClock
) -> None:
    for n in range(3):
        last = ingest(alerting, crossing(f"c{n}", clock, IN, f"t{n}", north_m=5.0 * n), clock)
    assert [a.reasons for a in feed.alerts] == [
        (OPENED,),
        (CROSSING, NEW_TRACK),
        (CROSSING, NEW_TRACK),
    ]
    assert last.incident.crossings == CrossingCounts(inbound=3)


def test_the_same_track_approaching_again_joins_silently(
    alerting: IncidentService, feed: Feed, clock: DrivenClock
) -> None:
    approach = {"kind": EventKind.BORDER_APPROACH, "track_id": "a", "north_m": 0.0}
    opened = ingest(alerting, ev("p1", 0.0, **approach), clock)  # type: ignore[arg-type]
    clock.advance(10)
    silent = alerting.ingest(ev("p2", 10.0, **approach), clock.now)  # type: ignore[arg-type]
    assert silent.outcome is IngestOutcome.ATTACHED
    assert silent.alert is None
    assert silent.incident is not None
    assert silent.incident.incident.last_alert_at == T0
    assert [kind for kind, _ in feed.log] == ["incident", "alert", "incident"]
    clock.advance(10)
    crossed = alerting.ingest(crossing("c1", clock, IN, "a"), clock.now)
    assert crossed.alert is not None
    assert crossed.alert.reasons == (CROSSING,)
    assert crossed.incident is not None
    assert crossed.incident.incident.id == opened.incident.id
    assert crossed.incident.incident.last_alert_at == clock.now


def test_an_acknowledged_incident_is_re_alerted_and_keeps_its_status(
    alerting: IncidentService, feed: Feed, clock: DrivenClock
) -> None:
    opened = ingest(alerting, crossing("c1", clock, OUT, "a"), clock)
    clock.advance(5)
    acked = alerting.acknowledge(
        opened.incident.id, actor="op1", time=clock.now, expected_version=opened.version
    )
    clock.advance(15)
    again = ingest(alerting, crossing("c2", clock, IN, "a"), clock)
    assert again.incident.status is IncidentStatus.ACKNOWLEDGED
    assert again.version > acked.version
    assert again.incident.last_alert_at == clock.now
    assert feed.alerts[-1].reasons == (CROSSING, TURN)


def test_a_duplicate_event_does_not_alert_again(
    alerting: IncidentService, feed: Feed, clock: DrivenClock
) -> None:
    event = crossing("c1", clock, IN, "a")
    ingest(alerting, event, clock)
    clock.advance(3)
    again = alerting.ingest(event, clock.now)
    assert again.outcome is IngestOutcome.DUPLICATE
    assert again.alert is None
    assert len(feed.alerts) == 1


def test_each_alert_is_published_after_its_incident(
    alerting: IncidentService, feed: Feed, clock: DrivenClock
) -> None:
    first = ingest(alerting, crossing("c1", clock, IN, "a"), clock)
    clock.advance(20)
    ingest(alerting, crossing("c2", clock, OUT, "b"), clock)
    iid = first.incident.id
    assert feed.log == [("incident", iid), ("alert", iid), ("incident", iid), ("alert", iid)]


def test_a_failing_alert_publisher_is_logged_and_the_incident_kept(
    store: Store, clock: DrivenClock, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(alert: IncidentAlert) -> None:
        raise RuntimeError("bus gone")

    service = IncidentService(store, lambda _incident: None, alert_publish=broken)
    with caplog.at_level(logging.ERROR, logger="kordon.incidents"):
        result = service.ingest(crossing("c1", clock, IN, "a"), clock.now)
    assert result.alert is not None
    assert len(store.incidents.list()) == 1
    assert "publishing the alert of incident" in caplog.text


def test_crossings_and_incident_lifecycle_are_logged_at_info(
    alerting: IncidentService, clock: DrivenClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="kordon.incidents"):
        opened = ingest(alerting, crossing("c1", clock, OUT, "a"), clock)
        clock.advance(20)
        ingest(alerting, crossing("c2", clock, IN, "b"), clock)
        clock.advance(600)
        escalated = alerting.check_escalations(clock.now)
        clock.advance(5)
        resolved = alerting.resolve(
            opened.incident.id,
            actor="op1",
            resolution=Resolution.TRUE_ALARM,
            time=clock.now,
            expected_version=escalated[0].version,
        )
        alerting.close(
            opened.incident.id, actor="sup1", time=clock.now, expected_version=resolved.version
        )
    iid = opened.incident.id
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    messages = [m for _, m in lines]
    assert f"border crossing outbound, person, sector-1, cam-1 (event c1) -> incident {iid}" in (
        messages
    )
    assert f"border crossing inbound, person, sector-1, cam-1 (event c2) -> incident {iid}" in (
        messages
    )
    assert any(m.startswith(f"incident {iid} opened: P2 ") for m in messages)
    assert any(
        m.startswith(f"incident {iid} re-alerted (crossing, new_track, direction_change): P1 ")
        and "1 inbound, 1 outbound" in m
        for m in messages
    )
    assert any(m.startswith(f"incident {iid} escalated: P1 ") for m in messages)
    assert f"incident {iid}: close by sup1, now closed (P1)" in messages
    assert all(level >= logging.INFO for level, _ in lines)

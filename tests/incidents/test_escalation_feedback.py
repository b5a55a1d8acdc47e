"""SLA escalation with replayed time, and false-alarm statistics after resolutions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kordon.domain.event import Direction, EventKind
from kordon.domain.incident import Resolution
from kordon.incidents import ConfigurationError, IncidentService, SlaPolicy
from kordon.store import Store, StoredIncident
from tests.incidents.builders import at, ev
from tests.incidents.conftest import Recorder

TICK = timedelta(microseconds=1)


def _p1(service: IncidentService, event_id: str, seconds: float) -> StoredIncident:
    event = ev(
        event_id,
        seconds,
        kind=EventKind.BORDER_CROSSING,
        direction=Direction.INBOUND,
        north_m=seconds * 100.0,
        track_id=event_id,
    )
    result = service.ingest(event, at(seconds))
    assert result.incident is not None
    assert result.incident.incident.priority == 1
    return result.incident


def test_escalation_happens_exactly_at_the_sla(
    service: IncidentService, recorder: Recorder
) -> None:
    inc = _p1(service, "e1", 0.0)
    iid = inc.incident.id
    assert inc.incident.sla_due_at == at(60.0)
    assert service.check_escalations(at(60.0) - TICK) == []
    escalated = service.check_escalations(at(60.0))
    assert [s.incident.id for s in escalated] == [iid]
    assert escalated[0].incident.escalated_at == at(60.0)
    assert escalated[0].version == inc.version + 1
    assert recorder.published[-1].escalated_at == at(60.0)
    assert recorder.audited[-1].action == "escalate"
    # once only
    assert service.check_escalations(at(500.0)) == []
    assert service.get(iid).incident.escalated_at == at(60.0)


def test_acknowledged_incidents_do_not_escalate(service: IncidentService) -> None:
    inc = _p1(service, "e1", 0.0)
    service.acknowledge(inc.incident.id, actor="op", time=at(59.0), expected_version=1)
    assert service.check_escalations(at(3600.0)) == []


def test_sla_follows_priority_and_is_configurable(store: Store, recorder: Recorder) -> None:
    sla = SlaPolicy({1: 10.0, 2: 20.0, 3: 30.0, 4: 40.0, 5: 50.0})
    service = IncidentService(store, recorder.publish, sla=sla)
    dwell_event = ev("d", 0.0, kind=EventKind.ZONE_DWELL, class_name="dog", sector_id="s2")
    dwell = service.ingest(dwell_event, at(0.0))
    crossing = _p1(service, "c", 1.0)
    assert dwell.incident is not None
    assert dwell.incident.incident.priority == 5
    assert dwell.incident.incident.sla_due_at == at(50.0)
    assert [s.incident.id for s in service.check_escalations(at(11.0))] == [crossing.incident.id]
    assert [s.incident.id for s in service.check_escalations(at(50.0))] == [
        dwell.incident.incident.id
    ]


def test_raising_priority_brings_the_sla_forward(service: IncidentService) -> None:
    low = service.ingest(ev("a", 0.0, kind=EventKind.ZONE_DWELL, class_name="dog"), at(0.0))
    assert low.incident is not None
    assert low.incident.incident.sla_due_at == at(3600.0)
    crossing = ev("b", 30.0, kind=EventKind.BORDER_CROSSING, direction=Direction.INBOUND)
    raised = service.ingest(crossing, at(30.0))
    assert raised.incident is not None
    assert raised.incident.incident.id == low.incident.incident.id
    assert raised.incident.incident.priority == 1
    assert raised.incident.incident.sla_due_at == at(90.0)
    assert len(service.check_escalations(at(90.0))) == 1


def test_reopened_incident_restarts_its_sla(service: IncidentService) -> None:
    inc = _p1(service, "e1", 0.0)
    iid = inc.incident.id
    [inc] = service.check_escalations(at(60.0))
    inc = service.resolve(
        iid,
        actor="op",
        resolution=Resolution.FALSE_ALARM,
        time=at(70),
        expected_version=inc.version,
    )
    inc = service.reopen(iid, actor="sup", time=at(100), expected_version=inc.version)
    assert inc.incident.resolution is None
    assert inc.incident.escalated_at is None
    assert inc.incident.sla_due_at == at(160.0)
    assert service.false_alarm_stats() == []
    assert len(service.check_escalations(at(160.0))) == 1


def test_false_alarm_stats_per_source_and_rule(service: IncidentService) -> None:
    verdicts = [Resolution.FALSE_ALARM, Resolution.FALSE_ALARM, Resolution.TRUE_ALARM]
    for i, verdict in enumerate(verdicts):
        # each incident: cam-1/zone-a, plus cam-2/line-b on the first one only
        seconds = 1000.0 * i
        result = service.ingest(ev(f"a{i}", seconds, sector_id=f"s{i}"), at(seconds))
        assert result.incident is not None
        inc = result.incident
        if i == 0:
            second = ev("b0", seconds + 1, source_id="cam-2", rule_id="line-b", sector_id="s0")
            attached = service.ingest(second, at(seconds + 1))
            assert attached.incident is not None
            inc = attached.incident
        service.resolve(
            inc.incident.id,
            actor="op",
            resolution=verdict,
            time=at(seconds + 50),
            expected_version=inc.version,
        )
    duplicate = service.ingest(ev("dup", 9000.0, sector_id="s9"), at(9000.0))
    assert duplicate.incident is not None
    service.resolve(
        duplicate.incident.incident.id,
        actor="op",
        resolution=Resolution.DUPLICATE,
        time=at(9001),
        expected_version=1,
    )
    stats = service.false_alarm_stats()
    assert [(s.source_id, s.rule_id) for s in stats] == [("cam-1", "zone-a"), ("cam-2", "line-b")]
    cam1, cam2 = stats
    assert (cam1.true_alarms, cam1.false_alarms, cam1.duplicates) == (1, 2, 1)
    assert cam1.resolved == 4
    assert cam1.false_alarm_rate == pytest.approx(2 / 3)
    assert (cam2.true_alarms, cam2.false_alarms, cam2.duplicates) == (0, 1, 0)
    assert cam2.false_alarm_rate == 1.0


def test_bad_sla_policy_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"priorities 1\.\.5"):
        SlaPolicy({1: 60.0})
    with pytest.raises(ConfigurationError, match="positive"):
        SlaPolicy({1: 60.0, 2: 0.0, 3: 1.0, 4: 1.0, 5: 1.0})

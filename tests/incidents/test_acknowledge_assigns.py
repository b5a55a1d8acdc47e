"""Acknowledging an incident assigns it to the operator who acknowledged it."""

from __future__ import annotations

from kordon.domain.event import Direction, EventKind
from kordon.incidents import IncidentService
from tests.incidents.builders import at, ev


def _open(service: IncidentService) -> str:
    event = ev("e1", 0.0, kind=EventKind.BORDER_CROSSING, direction=Direction.INBOUND)
    result = service.ingest(event, at(0.0))
    assert result.incident is not None
    assert result.incident.incident.assignee is None
    return result.incident.incident.id


def test_acknowledge_assigns_the_operator(service: IncidentService) -> None:
    iid = _open(service)
    acked = service.acknowledge(iid, actor="op1", time=at(5.0), expected_version=1)
    assert acked.incident.assignee == "op1"
    assert service.get(iid).incident.assignee == "op1"


def test_acknowledge_keeps_an_existing_assignee(service: IncidentService) -> None:
    iid = _open(service)
    service.assign(iid, actor="lead", assignee="op2", time=at(1.0), expected_version=1)
    acked = service.acknowledge(iid, actor="op1", time=at(5.0), expected_version=2)
    assert acked.incident.assignee == "op2"

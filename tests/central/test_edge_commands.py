"""The edge's command handler without a broker (SQLite and PostgreSQL): bad commands,
commands for another edge, a node still starting, a local operator's race, idempotence."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import func, select

from kordon.central.edge_commands import EdgeCommandHandler, EdgeIncidents
from kordon.domain.incident import IncidentStatus, Resolution
from kordon.incidents import IncidentService
from kordon.incidents.store_outbox import EdgeOutbox
from kordon.link.command_rows import AppliedCommandRow
from kordon.link.command_wire import (
    CommandAction,
    CommandOutcome,
    IncidentCommand,
    encode,
)
from kordon.link.outbox import Outbox
from kordon.store import Store
from kordon.store.incidents import StoredIncident
from tests.link.support import T0, at, event

NOW = T0 + timedelta(hours=1)


def command(
    incident_id: str, action: CommandAction = CommandAction.ACKNOWLEDGE, **kw: object
) -> IncidentCommand:
    fields: dict[str, object] = {
        "command_id": f"c-{action}-{incident_id}",
        "edge_id": "edge-a",
        "incident_id": incident_id,
        "action": action,
        "actor": "central:alice",
        "issued_at": T0,
        **kw,
    }
    return IncidentCommand.model_validate(fields)


@pytest.fixture
def service(store: Store) -> IncidentService:
    store.add_commit_hook(EdgeOutbox(Outbox(store.sessions), clock=lambda: NOW))
    return IncidentService(store, lambda _incident: None)


def opened(service: IncidentService) -> StoredIncident:
    incident = service.ingest(event(1), at(1)).incident
    assert incident is not None
    return incident


def handler(store: Store, service: IncidentService | None) -> EdgeCommandHandler:
    return EdgeCommandHandler("edge-a", store=store, incidents=lambda: service, clock=lambda: NOW)


def applied_rows(store: Store) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(AppliedCommandRow)) or 0)


def test_a_malformed_command_is_not_answered_and_changes_nothing(
    store: Store, service: IncidentService
) -> None:
    incident = opened(service)
    edge = handler(store, service)
    assert edge.handle(b'{"v":1,"command_id":"x"}') is None
    assert edge.handle(b"\xff\xfe") is None
    assert edge.counts["malformed"] == 2
    assert service.get(incident.incident.id).version == incident.version
    assert applied_rows(store) == 0


def test_a_command_for_another_edge_is_refused_and_not_applied(
    store: Store, service: IncidentService
) -> None:
    incident = opened(service)
    ack = handler(store, service).handle(encode(command(incident.incident.id, edge_id="edge-b")))
    assert ack is not None
    assert (ack.outcome, ack.edge_id, ack.reason) == (
        CommandOutcome.REFUSED,
        "edge-a",
        "for edge 'edge-b'",
    )
    assert service.get(incident.incident.id).incident.status is IncidentStatus.OPEN


def test_an_actor_not_from_the_centre_is_refused(store: Store, service: IncidentService) -> None:
    incident = opened(service)
    ack = handler(store, service).handle(encode(command(incident.incident.id, actor="bob")))
    assert ack is not None
    assert ack.outcome is CommandOutcome.REFUSED
    assert "central:" in ack.reason
    assert service.get(incident.incident.id).incident.status is IncidentStatus.OPEN


def test_a_node_still_starting_answers_nothing_then_applies_it(
    store: Store, service: IncidentService
) -> None:
    incident = opened(service)
    ready: list[IncidentService] = []
    edge = EdgeCommandHandler(
        "edge-a", store=store, incidents=lambda: ready[0] if ready else None, clock=lambda: NOW
    )
    payload = encode(command(incident.incident.id))
    assert edge.handle(payload) is None
    assert applied_rows(store) == 0
    ready.append(service)
    ack = edge.handle(payload)
    assert ack is not None
    assert ack.outcome is CommandOutcome.APPLIED
    stored = service.get(incident.incident.id)
    assert ack.incident_version == stored.version
    assert stored.incident.status is IncidentStatus.ACKNOWLEDGED


def test_each_action_applies_once_and_answers_the_same_again(
    store: Store, service: IncidentService
) -> None:
    incident_id = opened(service).incident.id
    edge = handler(store, service)
    steps = [
        command(incident_id, CommandAction.NOTE, note="from the centre"),
        command(incident_id, CommandAction.RESOLVE, resolution=Resolution.TRUE_ALARM),
        command(incident_id, CommandAction.CLOSE),
    ]
    for step in steps:
        first = edge.handle(encode(step))
        again = edge.handle(encode(step))
        assert first is not None
        assert first.outcome is CommandOutcome.APPLIED, first.reason
        assert again == first
    stored = service.get(incident_id)
    assert stored.incident.status is IncidentStatus.CLOSED
    assert stored.incident.resolution is Resolution.TRUE_ALARM
    notes = [s.note for s in stored.incident.history if s.actor == "central:alice"]
    assert notes.count("from the centre") == 1
    assert edge.counts["applied"] == 3
    assert edge.counts["duplicate"] == 3
    assert applied_rows(store) == 3
    # A closed incident: the next action is refused with the lifecycle's reason.
    late = edge.handle(encode(command(incident_id, CommandAction.ACKNOWLEDGE, command_id="late")))
    assert late is not None
    assert late.outcome is CommandOutcome.REFUSED
    assert service.get(incident_id).version == stored.version


def test_a_local_operators_change_in_between_is_read_again(
    store: Store, service: IncidentService
) -> None:
    incident = opened(service)
    raced: list[int] = []

    class Racing:
        """The incident service, with a local note landing between read and write once."""

        def __getattr__(self, name: str) -> object:
            return getattr(service, name)

        def acknowledge(self, incident_id: str, **kw: object) -> StoredIncident:
            if not raced:  # an operator at the outpost, on an API thread of its own
                current = service.get(incident_id)
                local = threading.Thread(
                    target=lambda: service.add_note(
                        incident_id,
                        actor="bob",
                        note="local",
                        time=datetime.now(UTC),
                        expected_version=current.version,
                    )
                )
                local.start()
                local.join()
                raced.append(current.version)
            return service.acknowledge(incident_id, **kw)  # type: ignore[arg-type]

    racing = cast("EdgeIncidents", Racing())
    edge = EdgeCommandHandler("edge-a", store=store, incidents=lambda: racing, clock=lambda: NOW)
    ack = edge.handle(encode(command(incident.incident.id)))
    assert ack is not None
    assert ack.outcome is CommandOutcome.APPLIED, ack.reason
    assert service.get(incident.incident.id).incident.status is IncidentStatus.ACKNOWLEDGED
    assert applied_rows(store) == 1
    assert len(raced) == 1
    stored = service.get(incident.incident.id)
    assert [s.actor for s in stored.incident.history[-2:]] == ["bob", "central:alice"]

"""The centre's command and outpost routes (SQLite and PostgreSQL), and the centre's
handling of the edges' answers (no broker needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from kordon.api.app import create_api
from kordon.central.command_sender import CommandSender, CommandSettings
from kordon.central.commands import AnswerResult, CommandQueue, CommandStatus
from kordon.central.link_routes import central_command_router, central_outpost_router
from kordon.central.outposts import OutpostReader
from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.command_wire import CommandAck, CommandAction, CommandOutcome, CommandTopics
from kordon.link.ledger_rows import EdgeLedgerEntryRow
from kordon.store.models_link import LinkIngestedRow
from tests.api.conftest import TestClient, login
from tests.api.fakes import IN_SECTOR, OUT_SECTOR, T0, Site, build_site

EDGES = {"edge-a": "Outpost A"}
REVOKED = {"edge-b"}
TOPICS = CommandTopics("kordon/edge")


@dataclass
class Centre:
    site: Site
    queue: CommandQueue
    client: TestClient
    wakes: list[None]


def _seed(site: Site) -> None:
    for name, edge, sector in (
        ("a", "edge-a", IN_SECTOR),
        ("b", "edge-b", IN_SECTOR),
        ("c", "edge-a", OUT_SECTOR),
    ):
        site.store.events.add(
            Event(
                kind=EventKind.BORDER_CROSSING,
                time=T0,
                source_id="cam-x",
                id=f"ev-{name}",
                sector_id=sector,
                attributes={"edge_id": edge},
            )
        )
        site.store.incidents.create(
            Incident(
                id=f"inc-{name}",
                title=name,
                opened_at=T0,
                priority=2,
                sector_id=sector,
                event_ids=(f"ev-{name}",),
            ),
            time=T0,
        )
    site.store.devices.record(
        DeviceStatus("link-edge-a", T0, DeviceState.DEGRADED, detail="clock_ahead")
    )
    with site.store.sessions.begin() as session:
        for seq, entry in ((0, {"action": "incident.acknowledge", "actor": "bob"}), (1, None)):
            session.add(
                EdgeLedgerEntryRow(
                    edge_id="edge-a",
                    seq=seq,
                    kind="audit" if entry else "segment",
                    leaf_sha256=f"{seq:064x}",
                    entry=None if entry is None else json.dumps(entry),
                    received_at=T0,
                )
            )
        session.add(
            LinkIngestedRow(
                edge_id="edge-a",
                entry_id="e-1",
                kind="event",
                batch_id="b-1",
                ingested_at=T0 + timedelta(seconds=5),
                payload=None,
            )
        )
        session.add(
            EdgeLedgerEntryRow(
                edge_id="edge-a",
                seq=2,
                kind="audit",
                leaf_sha256="f" * 64,
                entry=json.dumps({"action": "user.login"}),
                received_at=T0,
            )
        )


@pytest.fixture
def centre(tmp_path: Path, store_url: str) -> Iterator[Centre]:
    site = build_site(tmp_path, database_url=store_url)
    _seed(site)
    queue = CommandQueue(site.store.sessions)
    wakes: list[None] = []
    routers = [
        central_command_router(
            queue=lambda: queue, wake=lambda: wakes.append(None), edges=EDGES, revoked=REVOKED
        ),
        central_outpost_router(
            reader=lambda: OutpostReader(site.store.sessions),
            queue=lambda: queue,
            edges=EDGES,
            revoked=REVOKED,
        ),
    ]
    app = create_api(site.context, extra_routers=routers)
    with TestClient(app, base_url="http://testserver") as client:
        yield Centre(site, queue, client, wakes)
    site.store.close()


def _post(centre: Centre, user: str, incident: str, body: object) -> tuple[int, dict[str, object]]:
    token = login(centre.client, user)
    response = centre.client.post(
        f"/api/central/incidents/{incident}/commands", json=body, headers={"X-CSRF-Token": token}
    )
    result: dict[str, object] = response.json()
    return response.status_code, result


def test_an_action_is_queued_for_the_incidents_outpost(centre: Centre) -> None:
    status, body = _post(centre, "operator", "inc-a", {"action": "acknowledge", "note": "seen"})
    assert status == 202, body
    assert body["edge_id"] == "edge-a"
    assert body["status"] == "queued"
    assert body["actor"] == "central:operator"
    assert body["message"] == "sent to outpost Outpost A (queued until it answers)"
    record = centre.queue.get(str(body["command_id"]))
    assert (record.action, record.incident_id, record.status) == (
        CommandAction.ACKNOWLEDGE,
        "inc-a",
        CommandStatus.QUEUED,
    )
    assert json.loads(record.payload)["note"] == "seen"
    assert len(centre.wakes) == 1
    audited = [r for r in centre.site.audit.recent(50) if r.action == "incident.command"]
    assert [(r.actor, r.subject, r.details["command_id"]) for r in audited] == [
        ("operator", "incident:inc-a", record.command_id)
    ]
    one = centre.client.get(f"/api/central/commands/{record.command_id}")
    assert one.status_code == 200
    assert one.json()["command_id"] == record.command_id
    listed = centre.client.get("/api/central/commands", params={"incident": "inc-a"})
    assert [c["command_id"] for c in listed.json()] == [record.command_id]
    # Scoped to sectors: one incident at a time.
    assert centre.client.get("/api/central/commands").status_code == 403


@pytest.mark.parametrize(
    ("user", "incident", "body", "status", "detail"),
    [
        ("operator", "inc-a", {"action": "dispatch"}, 409, "units are registered at the outposts"),
        ("operator", "inc-a", {"action": "close"}, 403, "needs incident_close"),
        ("operator", "inc-a", {"action": "resolve"}, 422, "only with, 'resolve'"),
        (
            "operator",
            "inc-a",
            {"action": "acknowledge", "resolution": "true_alarm"},
            422,
            "only with, 'resolve'",
        ),
        ("operator", "inc-a", {"action": "note", "note": " "}, 422, "must not be empty"),
        ("operator", "inc-a", {"action": "ack"}, 422, "action"),
        ("operator", "inc-a", {"action": "note", "note": "x", "unit": "u1"}, 422, "unit"),
        ("operator", "inc-a", {"action": "note", "note": "x" * 4001}, 422, "note"),
        ("operator", "inc1", {"action": "acknowledge"}, 409, "names no outpost"),
        ("operator", "inc-b", {"action": "acknowledge"}, 409, "revoked or not listed"),
        ("operator", "inc-c", {"action": "acknowledge"}, 404, "inc-c"),
        ("operator", "nope", {"action": "acknowledge"}, 404, "nope"),
        ("auditor", "inc-a", {"action": "acknowledge"}, 403, "needs incident_act"),
    ],
)
def test_bad_actions_are_refused_and_nothing_is_queued(  # noqa: PLR0917 (the table's columns)
    centre: Centre, user: str, incident: str, body: object, status: int, detail: str
) -> None:
    answered, answer = _post(centre, user, incident, body)
    assert answered == status, answer
    assert detail in json.dumps(answer)
    assert centre.queue.list() == []
    assert centre.wakes == []


def test_a_supervisor_may_close_and_a_resolve_carries_its_resolution(centre: Centre) -> None:
    status, body = _post(centre, "supervisor", "inc-a", {"action": "close"})
    assert status == 202, body
    status, body = _post(
        centre, "supervisor", "inc-a", {"action": "resolve", "resolution": "false_alarm"}
    )
    assert status == 202, body
    payload = json.loads(centre.queue.get(str(body["command_id"])).payload)
    assert payload["resolution"] == "false_alarm"


def test_a_request_without_csrf_is_refused(centre: Centre) -> None:
    login(centre.client, "operator")
    response = centre.client.post(
        "/api/central/incidents/inc-a/commands", json={"action": "acknowledge"}
    )
    assert response.status_code == 403
    assert centre.queue.list() == []


def test_the_outposts_show_their_link_ledger_and_commands(centre: Centre) -> None:
    _post(centre, "operator", "inc-a", {"action": "acknowledge"})
    response = centre.client.get("/api/central/outposts")
    assert response.status_code == 200
    by_id = {o["id"]: o for o in response.json()}
    assert sorted(by_id) == ["edge-a", "edge-b"]
    a = by_id["edge-a"]
    assert (a["name"], a["revoked"], a["link_state"], a["link_detail"]) == (
        "Outpost A",
        False,
        "degraded",
        "clock_ahead",
    )
    assert (a["commands_waiting"], a["commands_refused"]) == (1, 0)
    assert a["last_received_at"] == "2025-03-01T12:00:05Z"
    assert a["ledger"]["size"] == 0  # no ledger state: nothing held without a gap
    assert by_id["edge-b"]["revoked"] is True
    assert by_id["edge-b"]["link_state"] is None
    assert by_id["edge-b"]["last_received_at"] is None


def test_the_audit_route_lists_an_outposts_entries_to_auditors(centre: Centre) -> None:
    login(centre.client, "auditor")
    response = centre.client.get("/api/central/outposts/edge-a/audit")
    assert response.status_code == 200
    assert [(e["seq"], e["entry"]) for e in response.json()] == [
        (0, {"action": "incident.acknowledge", "actor": "bob"}),
        (2, {"action": "user.login"}),
    ]
    after = centre.client.get("/api/central/outposts/edge-a/audit", params={"after": 0})
    assert [e["seq"] for e in after.json()] == [2]
    segments = centre.client.get("/api/central/outposts/edge-a/audit", params={"kind": "segment"})
    assert [(e["seq"], e["entry"]) for e in segments.json()] == [(1, None)]
    missing = centre.client.get("/api/central/outposts/edge-z/audit")
    assert missing.status_code == 404
    assert "edge-z" in missing.json()["detail"]
    bad = centre.client.get("/api/central/outposts/edge-a/audit", params={"limit": 0})
    assert bad.status_code == 422
    login(centre.client, "operator")
    assert centre.client.get("/api/central/outposts/edge-a/audit").status_code == 403


def _sender(queue: CommandQueue, now: list[object]) -> CommandSender:
    return CommandSender(
        lambda: queue,
        [],
        edges={"edge-a", "edge-b", "edge-c"},
        revoked={"edge-c"},
        clock=lambda: T0 + timedelta(minutes=1),
        settings=CommandSettings(expire_after_s=3600),
        on_answer=lambda edge, command_id: now.append((edge, command_id)),
    )


def test_the_centre_takes_an_answer_once_and_only_from_its_edge(centre: Centre) -> None:
    queue = centre.queue
    record = queue.issue(
        edge_id="edge-a",
        incident_id="inc-a",
        action=CommandAction.ACKNOWLEDGE,
        actor="central:x",
        note="",
        resolution=None,
        time=T0,
    )
    answered: list[object] = []
    sender = _sender(queue, answered)
    refused = CommandAck(
        command_id=record.command_id,
        edge_id="edge-a",
        outcome=CommandOutcome.REFUSED,
        reason="incident inc-a is resolved",
    )
    raw = refused.model_dump_json().encode()
    topic = TOPICS.command_ack("edge-a")
    assert sender.handle_ack(TOPICS, TOPICS.command_ack("edge-z"), raw) is None
    assert sender.handle_ack(TOPICS, TOPICS.command_ack("edge-c"), raw) is None
    assert sender.handle_ack(TOPICS, "kordon/edge/edge-a/ack", raw) is None
    assert sender.handle_ack(TOPICS, topic, b'{"v":1}') is None
    # edge-b answers for edge-a's command: on its own topic it names another edge...
    assert sender.handle_ack(TOPICS, TOPICS.command_ack("edge-b"), raw) is None
    # ...or names itself, and the command is not its own.
    as_b = refused.model_copy(update={"edge_id": "edge-b"}).model_dump_json().encode()
    result = sender.handle_ack(TOPICS, TOPICS.command_ack("edge-b"), as_b)
    assert result is AnswerResult.UNKNOWN
    assert dict(sender.refused) == {
        "unknown_edge": 2,
        "revoked_edge": 1,
        "malformed": 1,
        "wrong_edge": 1,
        "unknown_command": 1,
    }
    assert queue.get(record.command_id).status is CommandStatus.QUEUED
    assert sender.handle_ack(TOPICS, topic, raw) is AnswerResult.RECORDED
    applied = refused.model_copy(update={"outcome": CommandOutcome.APPLIED, "reason": ""})
    again = sender.handle_ack(TOPICS, topic, applied.model_dump_json().encode())
    assert again is AnswerResult.DUPLICATE
    stored = queue.get(record.command_id)
    assert (stored.status, stored.reason) == (CommandStatus.REFUSED, "incident inc-a is resolved")
    assert answered == [("edge-a", record.command_id)]


def test_a_command_with_no_answer_expires_and_is_not_sent_again(centre: Centre) -> None:
    queue = centre.queue
    old = queue.issue(
        edge_id="edge-a",
        incident_id="inc-a",
        action=CommandAction.NOTE,
        actor="central:x",
        note="old",
        resolution=None,
        time=T0 - timedelta(hours=2),
    )
    fresh = queue.issue(
        edge_id="edge-a",
        incident_id="inc-a",
        action=CommandAction.NOTE,
        actor="central:x",
        note="fresh",
        resolution=None,
        time=T0,
    )
    _sender(queue, []).pump()
    assert queue.get(old.command_id).status is CommandStatus.EXPIRED
    assert queue.get(fresh.command_id).status is CommandStatus.QUEUED
    now = T0 + timedelta(hours=3)
    assert [c.command_id for c in queue.due(now=now, resend_after=timedelta(0), limit=10)] == [
        fresh.command_id
    ]

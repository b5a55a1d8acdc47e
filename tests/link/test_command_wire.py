"""The command wire: strict reading of the centre's commands and the edges' answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kordon.domain.incident import Resolution
from kordon.link.command_wire import (
    MAX_COMMAND_BYTES,
    CommandAck,
    CommandAction,
    CommandOutcome,
    CommandTopics,
    CommandWireError,
    IncidentCommand,
    encode,
    read_ack,
    read_command,
)
from tests.link.support import T0


def command(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "v": 1,
        "command_id": "c0ffee",
        "edge_id": "edge-a",
        "incident_id": "inc-1",
        "action": "acknowledge",
        "actor": "central:alice",
        "note": "on it",
        "resolution": None,
        "issued_at": "2026-05-04T21:00:00+00:00",
    }
    document.update(changes)
    return document


def test_a_command_round_trips_exactly() -> None:
    sent = IncidentCommand(
        command_id="abc",
        edge_id="edge-a",
        incident_id="inc-1",
        action=CommandAction.RESOLVE,
        actor="central:bob",
        note="fox",
        resolution=Resolution.FALSE_ALARM,
        issued_at=T0,
    )
    assert read_command(encode(sent)) == sent
    ack = CommandAck(
        command_id="abc", edge_id="edge-a", outcome=CommandOutcome.APPLIED, incident_version=3
    )
    assert read_ack(encode(ack)) == ack


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"v": 2}, "v: Input should be 1"),
        ({"action": "dispatch"}, "action: Input should be"),
        ({"issued_at": "2026-05-04T21:00:00"}, "issued_at: Input should have timezone info"),
        ({"command_id": "a/b"}, "command_id: String should match pattern"),
        ({"command_id": ""}, "command_id: String should match pattern"),
        ({"edge_id": "a/b"}, "edge_id: String should match pattern"),
        ({"incident_id": 7}, "incident_id: Input should be a valid string"),
        ({"note": "x" * 4001}, "note: String should have at most 4000 characters"),
        ({"resolution": "false_alarm"}, "resolution is given with, and only with"),
        ({"action": "resolve"}, "resolution is given with, and only with"),
        ({"action": "note", "note": "  "}, "a note command needs a non-empty note"),
        ({"extra": 1}, "extra: Extra inputs are not permitted"),
    ],
)
def test_a_malformed_command_is_refused_with_its_reason(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(CommandWireError, match="malformed command") as caught:
        read_command(json.dumps(command(**changes)).encode())
    assert message in str(caught.value)


def test_a_missing_field_and_bad_json_are_refused() -> None:
    document = command()
    del document["actor"]
    with pytest.raises(CommandWireError, match="actor: Field required"):
        read_command(json.dumps(document).encode())
    with pytest.raises(CommandWireError, match="malformed command"):
        read_command(b"{not json")


def test_an_oversized_message_is_refused_unread() -> None:
    with pytest.raises(CommandWireError, match=f"at most {MAX_COMMAND_BYTES}"):
        read_command(b" " * (MAX_COMMAND_BYTES + 1))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"outcome": "done"}, "outcome: Input should be 'applied' or 'refused'"),
        ({"incident_version": -1}, "incident_version: Input should be greater than or equal"),
        ({"reason": "x" * 501}, "reason: String should have at most 500 characters"),
    ],
)
def test_a_malformed_ack_is_refused(document: dict[str, Any], message: str) -> None:
    base = {"v": 1, "command_id": "c", "edge_id": "edge-a", "outcome": "applied"}
    with pytest.raises(CommandWireError, match="malformed command ack") as caught:
        read_ack(json.dumps({**base, **document}).encode())
    assert message in str(caught.value)


def test_topics() -> None:
    topics = CommandTopics("kordon/edge")
    assert topics.command("edge-a") == "kordon/edge/edge-a/command"
    assert topics.command_ack("edge-a") == "kordon/edge/edge-a/command_ack"
    assert topics.all_command_acks == "kordon/edge/+/command_ack"
    assert topics.edge_of_command_ack("kordon/edge/edge-a/command_ack") == "edge-a"
    assert topics.edge_of_command_ack("kordon/edge/a/b/command_ack") is None
    assert topics.edge_of_command_ack("kordon/edge/edge-a/ack") is None
    with pytest.raises(ValueError, match="without"):
        topics.command("a/b")
    with pytest.raises(ValueError, match="wildcards"):
        CommandTopics("kordon/#")

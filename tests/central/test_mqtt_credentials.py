"""Generated Mosquitto files, checked on a real Mosquitto: who may connect, and where."""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from kordon.central.config import load_central
from kordon.central.mqtt_credentials import mosquitto_hash, write_credentials
from kordon.link.mqtt_link import BrokerEndpoint, MqttLink
from kordon.link.topics import LinkTopics
from tests.central.support import central_document, mosquitto
from tests.link.support import wait_until

ROOT = "kordon/edge"


def test_hash_is_mosquittos_pbkdf2_format() -> None:
    salt = bytes(range(12))
    line = mosquitto_hash("secret1", salt=salt)
    _, seven, iterations, salt_b64, digest_b64 = line.split("$")
    assert (seven, iterations) == ("7", "101")
    assert base64.b64decode(salt_b64) == salt
    expected = hashlib.pbkdf2_hmac("sha512", b"secret1", salt, 101)
    assert base64.b64decode(digest_b64) == expected
    with pytest.raises(ValueError, match="one line"):
        mosquitto_hash("two\nlines")


def _config(tmp_path: Path) -> Path:
    document = central_document(
        database_url="postgresql+psycopg://kordon@db/kordon",
        site=Path("site.yaml"),
        topic_root=ROOT,
        edges=[{"id": "edge-a"}, {"id": "edge-b"}, {"id": "edge-r", "revoked": True}],
        broker={"username": "central", "password_file": "secrets/central.password"},
    )
    path = tmp_path / "central.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def _connack(port: int, user: str, password: str) -> str:
    """The broker's answer to a connection as ``user``."""
    answered = threading.Event()
    reason: list[str] = []
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=f"probe-{uuid.uuid4().hex[:8]}",
        protocol=MQTTProtocolVersion.MQTTv5,
    )

    def on_connect(*args: object) -> None:
        reason.append(str(args[3]))
        answered.set()

    client.on_connect = on_connect
    client.username_pw_set(user, password)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        assert answered.wait(10), "no CONNACK"
    finally:
        client.disconnect()
        client.loop_stop()
    return reason[0]


def test_edges_reach_only_their_own_topics_and_revoked_ones_not_at_all(tmp_path: Path) -> None:
    config = load_central(_config(tmp_path))
    out = tmp_path / "mqtt"
    written = write_credentials(config, out)
    assert set(written.edge_passwords) == {"edge-a", "edge-b"}
    assert written.revoked == ("edge-r",)
    passwd = (out / "local" / "passwd").read_text()
    assert [line.split(":")[0] for line in passwd.splitlines()] == ["central", "edge-a", "edge-b"]
    assert (out / "edges" / "edge-a.password").stat().st_mode & 0o777 == 0o600
    # A second run keeps every password (the edges keep working).
    before = (out / "edges" / "edge-a.password").read_text()
    write_credentials(config, out)
    assert (out / "edges" / "edge-a.password").read_text() == before

    def secret(name: str) -> str:
        return (out / "edges" / f"{name}.password").read_text().strip()

    central_password = (tmp_path / "secrets" / "central.password").read_text().strip()
    topics = LinkTopics(ROOT)
    with mosquitto(tmp_path, passwd=out / "local" / "passwd", acl=out / "local" / "acl") as port:
        assert _connack(port, "edge-a", secret("edge-a")) == "Success"
        assert _connack(port, "edge-a", "wrong") != "Success"
        assert _connack(port, "edge-r", before.strip()) != "Success"  # revoked: no user
        received: list[str] = []

        def endpoint(user: str, password: str) -> BrokerEndpoint:
            return BrokerEndpoint(
                host="127.0.0.1",
                port=port,
                client_id=f"{user}-{uuid.uuid4().hex[:6]}",
                username=user,
                password=password,
                session_expiry_s=60,
            )

        centre = MqttLink(
            endpoint("central", central_password),
            [topics.all_outboxes],
            on_message=lambda topic, _payload: received.append(topic),
        )
        edge = MqttLink(
            endpoint("edge-a", secret("edge-a")), [topics.ack("edge-a")], on_message=print
        )
        centre.start()
        edge.start()
        try:
            wait_until(centre.connected.is_set, "the centre's connection")
            wait_until(edge.connected.is_set, "edge-a's connection")
            assert edge.publish(topics.outbox("edge-b"), b"posing as edge-b")  # ACL: dropped
            assert edge.publish(topics.outbox("edge-a"), b"its own")
            wait_until(lambda: topics.outbox("edge-a") in received, "edge-a's own message")
            # QoS 1 on one connection keeps order: the forbidden one would have come first.
            assert received == [topics.outbox("edge-a")]
        finally:
            edge.stop()
            centre.stop()

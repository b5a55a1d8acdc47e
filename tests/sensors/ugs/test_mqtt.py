"""Ground-sensor messages through the real Mosquitto broker: QoS 1, topic checks, reconnect.

Needs the broker on 127.0.0.1:1883 (skips locally without it, fails under CI=true).
"""

from __future__ import annotations

import queue
import uuid
from collections.abc import Iterator
from datetime import timedelta

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kordon.sensors.ugs.decoder import UgsDecoder
from kordon.sensors.ugs.errors import UgsDecodeError, UgsErrorKind
from kordon.sensors.ugs.message import UgsMessage
from kordon.sensors.ugs.mqtt import MqttEndpoint, UgsMqttSubscriber
from kordon.sensors.ugs.publisher import UgsMqttPublisher
from tests.sensors.ugs.support import BROKER, SENSORS, T0, ManualClock, message, require_broker
from tests.sensors.ugs.tcp_proxy import CuttableProxy

WAIT_S = 15.0
Received = queue.Queue[UgsMessage | UgsDecodeError]


@pytest.fixture(autouse=True)
def _broker() -> None:
    require_broker()


@pytest.fixture
def prefix() -> str:
    return f"kordon-test/{uuid.uuid4().hex[:12]}"


def _decoder() -> UgsDecoder:
    return UgsDecoder(SENSORS, ManualClock(T0 + timedelta(seconds=1)))


def _subscriber(
    endpoint: MqttEndpoint, filters: dict[str, list[str]]
) -> tuple[UgsMqttSubscriber, Received]:
    got: Received = queue.Queue()
    sub = UgsMqttSubscriber(endpoint, filters, _decoder(), on_message=got.put, on_refused=got.put)
    return sub, got


def _endpoint(port: int = BROKER[1], *, persistent: bool = False) -> MqttEndpoint:
    return MqttEndpoint(
        BROKER[0],
        port,
        client_id=f"kordon-test-{uuid.uuid4().hex[:12]}",
        persistent_session=persistent,
        keepalive_s=5,
        min_delay_s=1,
        max_delay_s=2,
    )


@pytest.fixture
def publisher(prefix: str) -> Iterator[UgsMqttPublisher]:
    pub = UgsMqttPublisher(_endpoint(), f"{prefix}/{{sensor_id}}/msg")
    pub.start()
    assert pub.connected.wait(WAIT_S), "publisher did not connect"
    yield pub
    pub.stop()


def _raw_publish(topic: str, payload: bytes) -> None:
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
    client.connect(*BROKER)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=1).wait_for_publish(WAIT_S)
    finally:
        client.disconnect()
        client.loop_stop()


def test_an_alarm_makes_the_round_trip_through_the_broker(
    prefix: str, publisher: UgsMqttPublisher
) -> None:
    sub, got = _subscriber(_endpoint(), {f"{prefix}/+/msg": ["ugs-1", "ugs-2"]})
    sub.start()
    try:
        assert sub.connected.wait(WAIT_S), "subscriber did not connect and subscribe"
        sent = [
            message(T0, class_hint="person", seq=1),
            message(T0, sensor_id="ugs-2", sensor_type="pir", type="heartbeat", seq=1),
        ]
        for m in sent:
            publisher.publish(m).wait_for_publish(WAIT_S)
        received = [got.get(timeout=WAIT_S) for _ in sent]
    finally:
        sub.stop()
    assert received == sent
    assert publisher.topic("ugs-1") == f"{prefix}/ugs-1/msg"


def test_a_sensor_cannot_speak_on_another_sensors_topic(prefix: str) -> None:
    filters = {f"{prefix}/ugs-1": ["ugs-1"], f"{prefix}/ugs-2": ["ugs-2"]}
    sub, got = _subscriber(_endpoint(), filters)
    sub.start()
    try:
        assert sub.connected.wait(WAIT_S)
        _raw_publish(f"{prefix}/ugs-1", message(T0, sensor_id="ugs-2", sensor_type="pir").to_json())
        _raw_publish(f"{prefix}/ugs-1", b"\x00garbage")
        _raw_publish(f"{prefix}/ugs-1", message(T0, seq=3).to_json())
        first, second, third = (got.get(timeout=WAIT_S) for _ in range(3))
    finally:
        sub.stop()
    assert isinstance(first, UgsDecodeError)
    assert first.kind is UgsErrorKind.WRONG_TOPIC
    assert f"sensor 'ugs-2' does not publish on topic '{prefix}/ugs-1'" in str(first)
    assert isinstance(second, UgsDecodeError)
    assert second.kind is UgsErrorKind.NOT_JSON
    assert isinstance(third, UgsMessage)
    assert third.seq == 3


def test_the_subscriber_reconnects_and_gets_what_was_sent_while_the_link_was_down(
    prefix: str,
) -> None:
    """QoS 1 with a persistent session: the broker keeps the messages of the outage."""
    proxy = CuttableProxy(BROKER)
    endpoint = _endpoint(proxy.port, persistent=True)
    sub, got = _subscriber(endpoint, {f"{prefix}/#": ["ugs-1"]})
    sub.start()
    try:
        assert sub.connected.wait(WAIT_S)
        _raw_publish(f"{prefix}/a", message(T0, seq=1).to_json())
        assert got.get(timeout=WAIT_S) == message(T0, seq=1)

        proxy.cut(block=True)  # the link goes down and stays down
        for seq in (2, 3, 4):
            _raw_publish(f"{prefix}/a", message(T0, seq=seq).to_json())
        assert got.empty()
        proxy.restore()
        seqs: list[int | None] = []
        while not {2, 3, 4} <= set(seqs) and len(seqs) < 5:
            item = got.get(timeout=WAIT_S)
            assert isinstance(item, UgsMessage), item
            seqs.append(item.seq)
        # At least once: message 1 comes again if its PUBACK was lost in the cut (the
        # intake drops the repeat by its seq); the outage's messages come in order.
        assert [q for q in seqs if q != 1] == [2, 3, 4]
        assert sub.connections == 2
        assert sub.connected.wait(WAIT_S)
    finally:
        sub.stop()
        proxy.close()
        _forget_session(endpoint.client_id)


def _forget_session(client_id: str) -> None:
    """End the persistent session on the broker (a clean connection with the same id)."""
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True
    )
    client.connect(*BROKER)
    client.disconnect()


def test_endpoint_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="port"):
        MqttEndpoint("localhost", 0)
    with pytest.raises(ValueError, match="min_delay_s"):
        MqttEndpoint("localhost", min_delay_s=5, max_delay_s=2)
    with pytest.raises(ValueError, match="client id"):
        MqttEndpoint("localhost", client_id="")
    with pytest.raises(ValueError, match="no wildcards"):
        UgsMqttPublisher(MqttEndpoint("localhost"), "ugs/+/x")

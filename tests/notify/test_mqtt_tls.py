"""The MQTT notifier over TLS with a user name and a password from the environment,
against a private Mosquitto (skips locally without it; fails under CI=true)."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kordon.bus.channels import EVENTS
from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import MqttNotifier
from kordon.notify.errors import NotifierConfigError
from kordon.notify.factory import build_notifiers
from kordon.notify.mqtt import MqttNotifierService
from tests.notify import builders
from tests.notify.tls_broker import (
    PASSWORD,
    USER,
    TlsBroker,
    make_certificates,
    start_tls_broker,
)

WAIT_S = 15.0


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[TlsBroker]:
    started, process = start_tls_broker(tmp_path)
    try:
        yield started
    finally:
        process.terminate()
        try:
            process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _config(broker: TlsBroker, **extra: Any) -> MqttNotifier:
    return MqttNotifier.model_validate(
        {
            "kind": "mqtt",
            "id": "secure",
            "host": "127.0.0.1",
            "port": broker.port,
            "tls": True,
            "ca_file": "ca.pem",
            "username": USER,
            "password_env": "KORDON_TEST_MQTT_PASSWORD",
        }
        | extra
    )


def _build(
    broker: TlsBroker, password: str, **extra: Any
) -> tuple[MqttNotifierService, InProcessBus]:
    bus = InProcessBus()
    built = build_notifiers(
        [_config(broker, **extra)],
        bus,
        site_id="volyn",
        environ={"KORDON_TEST_MQTT_PASSWORD": password},
        clock=lambda: builders.at(0),
        resolve_path=lambda p: broker.ca_file.parent / p,
    )
    service = built[0]
    assert isinstance(service, MqttNotifierService)
    return service, bus


class TlsWatcher:
    """Subscribes to ``kordon/events`` over TLS with the same credentials."""

    def __init__(self, broker: TlsBroker) -> None:
        self.events: list[bytes] = []
        self.ready = threading.Event()
        self.got = threading.Event()
        self.client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
        self.client.tls_set(ca_certs=str(broker.ca_file), tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.client.username_pw_set(USER, PASSWORD)
        self.client.on_connect = lambda c, *_a: c.subscribe("kordon/events", qos=1)
        self.client.on_subscribe = lambda *_a: self.ready.set()
        self.client.on_message = self._received
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def _received(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self.events.append(bytes(msg.payload))
        self.got.set()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_publishes_over_tls_with_a_password_from_the_environment(broker: TlsBroker) -> None:
    service, bus = _build(broker, PASSWORD)
    watcher = TlsWatcher(broker)
    try:
        assert watcher.ready.wait(WAIT_S)

        async def go() -> None:
            bus.bind(asyncio.get_running_loop())
            await service.start()
            try:
                assert await asyncio.to_thread(service.connected.wait, WAIT_S)
                bus.publish(EVENTS, builders.event("ev-tls"))
                assert await asyncio.to_thread(watcher.got.wait, WAIT_S)
            finally:
                await service.stop()

        asyncio.run(go())
    finally:
        watcher.close()
    assert json.loads(watcher.events[0])["id"] == "ev-tls"


def test_a_wrong_password_never_connects_and_says_so(broker: TlsBroker) -> None:
    service, bus = _build(broker, "not the password")

    async def go() -> None:
        bus.bind(asyncio.get_running_loop())
        await service.start()
        try:
            assert not await asyncio.to_thread(service.connected.wait, 2.0)
            bus.publish(EVENTS, builders.event("ev-held"))
            await asyncio.sleep(0.1)
        finally:
            await service.stop()

    asyncio.run(go())
    health = service.health()
    assert not health.connected
    assert health.queue_depth == 1
    assert "unreachable" in health.detail


# paho-mqtt 2.2 drops the socket of a failed TLS handshake without closing it (its
# reconnect loop tries again); the ResourceWarning of that socket is paho's, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_unknown_certificate_authority_is_refused(broker: TlsBroker, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    other_ca, _, _ = make_certificates(other)
    service, bus = _build(broker, PASSWORD, ca_file=str(other_ca))

    async def go() -> None:
        bus.bind(asyncio.get_running_loop())
        await service.start()
        try:
            assert not await asyncio.to_thread(service.connected.wait, 2.0)
        finally:
            await service.stop()

    asyncio.run(go())


def test_a_missing_password_variable_stops_the_build(tmp_path: Path) -> None:
    config = MqttNotifier.model_validate(
        {"kind": "mqtt", "id": "m", "host": "h", "username": "u", "password_env": "NOPE_PW"}
    )
    with pytest.raises(NotifierConfigError, match="NOPE_PW is not set"):
        build_notifiers(
            [config], InProcessBus(), site_id="s", environ={}, clock=lambda: builders.at(0)
        )


def test_a_missing_ca_file_fails_at_start(tmp_path: Path) -> None:
    config = MqttNotifier.model_validate(
        {"kind": "mqtt", "id": "m", "host": "127.0.0.1", "tls": True, "ca_file": "absent.pem"}
    )
    service = MqttNotifierService(
        config,
        InProcessBus(),
        client_id="c",
        clock=lambda: builders.at(0),
        resolve_path=lambda p: tmp_path / p,
    )

    async def go() -> None:
        with pytest.raises(NotifierConfigError, match="TLS"):
            await service.start()

    asyncio.run(go())

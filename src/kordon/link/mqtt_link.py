"""``MqttLink``: one paho-mqtt 2 client kept connected to a broker, for the link's two ends.

MQTT 5 with QoS 1 and a persistent session (``clean_start=False`` and a session expiry),
so the broker keeps the subscriptions and queues QoS 1 messages while this end is away.
paho's network thread reconnects with exponential backoff (``min_delay_s`` doubling to
``max_delay_s``); subscriptions are made again at every connection. TLS (a CA file, and
optionally a client certificate) and username/password are options of the endpoint. The
rest of the link code never imports paho.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

logger = logging.getLogger(__name__)

QOS = 1
MessageHandler = Callable[[str, bytes], object]


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """TLS to the broker: the CA that signed its certificate, and our own certificate."""

    ca_file: Path
    cert_file: Path | None = None
    key_file: Path | None = None


@dataclass(frozen=True, slots=True)
class BrokerEndpoint:
    """A broker and how to keep a session with it."""

    host: str
    client_id: str
    port: int = 1883
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: TlsFiles | None = None
    keepalive_s: int = 30
    min_delay_s: int = 1
    max_delay_s: int = 30
    session_expiry_s: int = 7 * 86_400
    """How long the broker keeps our session (and queues for us) while we are away."""

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65_535:
            raise ValueError(f"port must be in 1..65535, got {self.port}")
        if not self.client_id:
            raise ValueError("a persistent session needs a client id")
        if not 1 <= self.min_delay_s <= self.max_delay_s:
            raise ValueError("reconnect delays need 1 <= min_delay_s <= max_delay_s")
        if self.password is not None and self.username is None:
            raise ValueError("a password needs a username")


class MqttLink:
    """Connects in the background, subscribes ``subscriptions`` at each connection, hands
    every message to ``on_message(topic, payload)`` on the network thread."""

    def __init__(
        self,
        endpoint: BrokerEndpoint,
        subscriptions: Sequence[str],
        *,
        on_message: MessageHandler,
        on_connected: Callable[[], None] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._subscriptions = tuple(subscriptions)
        self._on_message = on_message
        self._on_connected = on_connected
        self._client: mqtt.Client | None = None
        self.connected = threading.Event()
        """Set while connected and subscribed."""
        self.connections = 0

    def start(self) -> None:
        if self._client is not None:
            return
        ep = self.endpoint
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=ep.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            reconnect_on_failure=True,
        )
        if ep.username is not None:
            client.username_pw_set(ep.username, ep.password)
        if ep.tls is not None:
            client.tls_set(
                ca_certs=str(ep.tls.ca_file),
                certfile=None if ep.tls.cert_file is None else str(ep.tls.cert_file),
                keyfile=None if ep.tls.key_file is None else str(ep.tls.key_file),
                cert_reqs=ssl.CERT_REQUIRED,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_subscribe = self._subscribed
        client.on_message = self._received
        client.reconnect_delay_set(ep.min_delay_s, ep.max_delay_s)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = ep.session_expiry_s
        client.connect_async(
            ep.host, ep.port, ep.keepalive_s, clean_start=False, properties=properties
        )
        client.loop_start()
        self._client = client

    def stop(self) -> None:
        """Disconnect cleanly (the broker keeps the session) and end the network thread."""
        client, self._client = self._client, None
        if client is None:
            return
        client.disconnect()
        client.loop_stop()
        self.connected.clear()

    def abandon(self) -> None:
        """End the network thread without a DISCONNECT, as a crash or power cut would."""
        client, self._client = self._client, None
        if client is None:
            return
        client.loop_stop()
        sock = client.socket()
        if sock is not None:
            sock.close()
        self.connected.clear()

    def publish(self, topic: str, payload: bytes) -> bool:
        """Queue ``payload`` at QoS 1; ``False`` when not connected (nothing queued)."""
        client = self._client
        if client is None or not self.connected.is_set():
            return False
        info = client.publish(topic, payload, qos=QOS)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            logger.warning("MQTT publish on %s failed: %s", topic, mqtt.error_string(info.rc))
            return False
        return True

    def _connected(
        self,
        client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        _properties: Any,
    ) -> None:
        if reason.is_failure:
            logger.warning(
                "MQTT %s:%d refused the connection of %s: %s",
                self.endpoint.host,
                self.endpoint.port,
                self.endpoint.client_id,
                reason,
            )
            return
        self.connections += 1
        if not self._subscriptions:
            self._ready()
            return
        result, _mid = client.subscribe([(topic, QOS) for topic in self._subscriptions])
        if result != MQTTErrorCode.MQTT_ERR_SUCCESS:
            logger.warning("MQTT subscribe failed: %s", mqtt.error_string(result))

    def _subscribed(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _mid: int,
        reasons: list[ReasonCode],
        _properties: Any,
    ) -> None:
        failed = [r for r in reasons if r.is_failure]
        if failed:
            logger.warning("MQTT broker refused the link's subscriptions: %s", failed)
            return
        self._ready()

    def _ready(self) -> None:
        self.connected.set()
        if self._on_connected is not None:
            try:
                self._on_connected()
            except Exception:
                logger.exception("link connection handler failed")

    def _disconnected(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        _properties: Any,
    ) -> None:
        self.connected.clear()
        if self._client is not None:
            logger.warning(
                "MQTT %s:%d: %s disconnected (%s); reconnecting with backoff",
                self.endpoint.host,
                self.endpoint.port,
                self.endpoint.client_id,
                reason,
            )

    def _received(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            self._on_message(msg.topic, bytes(msg.payload))
        except Exception:
            # An exception here would end paho's network thread: log it, keep receiving.
            logger.exception("link message handler failed on %s", msg.topic[:200])

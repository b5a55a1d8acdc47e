"""``UgsMqttSubscriber``: ground-sensor messages from an MQTT broker (paho-mqtt 2, QoS 1).

One client per broker subscribes to every configured topic filter at QoS 1, again at each
(re)connection. A lost connection is retried with exponential backoff (``min_delay_s``
doubling up to ``max_delay_s``) by the client's own network thread. With a persistent
session (a fixed client id, ``clean_session=False``) the broker keeps the subscriptions
and queues QoS 1 messages while the node is away, and delivers them on reconnection.

Each message is decoded; its sensor id must be one of the sensors whose filter matches the
topic it came on (so a device cannot speak for another on its topic). Decoded messages go
to ``on_message``, refusals to ``on_refused``; both run on the client's network thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from kordon.sensors.ugs.decoder import UgsDecoder
from kordon.sensors.ugs.errors import UgsDecodeError, UgsErrorKind
from kordon.sensors.ugs.message import UgsMessage

logger = logging.getLogger(__name__)

QOS = 1
MessageHandler = Callable[[UgsMessage], object]
RefusalHandler = Callable[[UgsDecodeError], None]


@dataclass(frozen=True, slots=True)
class MqttEndpoint:
    """A broker and how to keep a session with it."""

    host: str
    port: int = 1883
    client_id: str = "kordon-ugs"
    persistent_session: bool = True
    keepalive_s: int = 30
    min_delay_s: int = 1
    max_delay_s: int = 30

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65_535:
            raise ValueError(f"port must be in 1..65535, got {self.port}")
        if not 1 <= self.min_delay_s <= self.max_delay_s:
            raise ValueError("reconnect delays need 1 <= min_delay_s <= max_delay_s")
        if self.persistent_session and not self.client_id:
            raise ValueError("a persistent session needs a client id")


class UgsMqttSubscriber:
    """Subscribes to ``filters`` (topic filter → ids of the sensors that publish on it)."""

    def __init__(
        self,
        endpoint: MqttEndpoint,
        filters: Mapping[str, Sequence[str]],
        decoder: UgsDecoder,
        *,
        on_message: MessageHandler,
        on_refused: RefusalHandler,
    ) -> None:
        if not filters:
            raise ValueError("no topic filter to subscribe to")
        self.endpoint = endpoint
        self._filters = {topic: frozenset(ids) for topic, ids in filters.items()}
        self._decoder = decoder
        self._on_message = on_message
        self._on_refused = on_refused
        self._client: mqtt.Client | None = None
        self.connected = threading.Event()
        """Set while connected and subscribed (tests and health wait on it)."""
        self.connections = 0
        """Successful connections so far (reconnections included)."""

    def start(self) -> None:
        """Connect in the background (the client's thread retries until :meth:`stop`)."""
        if self._client is not None:
            return
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.endpoint.client_id,
            clean_session=not self.endpoint.persistent_session,
            reconnect_on_failure=True,
        )
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_subscribe = self._subscribed
        client.on_message = self._received
        client.reconnect_delay_set(self.endpoint.min_delay_s, self.endpoint.max_delay_s)
        client.connect_async(self.endpoint.host, self.endpoint.port, self.endpoint.keepalive_s)
        client.loop_start()
        self._client = client

    def stop(self) -> None:
        """Disconnect and end the client's thread."""
        client, self._client = self._client, None
        if client is None:
            return
        client.disconnect()
        client.loop_stop()
        self.connected.clear()

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
                "MQTT %s:%d refused the connection: %s",
                self.endpoint.host,
                self.endpoint.port,
                reason,
            )
            return
        self.connections += 1
        result, _mid = client.subscribe([(topic, QOS) for topic in self._filters])
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
            logger.warning("MQTT broker refused subscriptions: %s", failed)
            return
        self.connected.set()

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
                "MQTT %s:%d disconnected (%s); reconnecting with backoff",
                self.endpoint.host,
                self.endpoint.port,
                reason,
            )

    def _received(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            message = self._decoder.decode(bytes(msg.payload))
            allowed = [
                ids
                for topic, ids in self._filters.items()
                if mqtt.topic_matches_sub(topic, msg.topic)
            ]
            if not any(message.sensor_id in ids for ids in allowed):
                raise UgsDecodeError(
                    UgsErrorKind.WRONG_TOPIC,
                    f"sensor {message.sensor_id!r} does not publish on topic {msg.topic[:200]!r}",
                    sensor_id=message.sensor_id,
                )
        except UgsDecodeError as exc:
            self._on_refused(exc)
            return
        try:
            self._on_message(message)
        except Exception:
            # An exception here would end paho's network thread: log it, keep receiving.
            logger.exception("ground sensor message handler failed")

"""``UgsMqttPublisher``: sends ground-sensor messages to a broker (simulated sensors, tests).

The sender's side of :mod:`kordon.sensors.ugs.mqtt`: QoS 1, one topic per sensor from a
template (``{sensor_id}`` is replaced), reconnecting with backoff like the subscriber.
"""

from __future__ import annotations

import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from kordon.sensors.ugs.message import UgsMessage
from kordon.sensors.ugs.mqtt import QOS, MqttEndpoint

DEFAULT_TOPIC = "kordon/ugs/{sensor_id}"


class UgsMqttPublisher:
    """Publishes each message on ``topic_template`` with ``{sensor_id}`` filled in."""

    def __init__(self, endpoint: MqttEndpoint, topic_template: str = DEFAULT_TOPIC) -> None:
        if "+" in topic_template or "#" in topic_template:
            raise ValueError(f"a topic to publish on has no wildcards: {topic_template!r}")
        self.endpoint = endpoint
        self.topic_template = topic_template
        self._client: mqtt.Client | None = None
        self.connected = threading.Event()
        """Set while connected: QoS 1 messages published before are queued by the client and
        sent on connection, but ``wait_for_publish`` on them raises."""

    def topic(self, sensor_id: str) -> str:
        return self.topic_template.replace("{sensor_id}", sensor_id)

    def start(self) -> None:
        """Connect in the background; messages published before the connection are queued."""
        if self._client is not None:
            return
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.endpoint.client_id,
            clean_session=not self.endpoint.persistent_session,
        )
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.reconnect_delay_set(self.endpoint.min_delay_s, self.endpoint.max_delay_s)
        client.connect_async(self.endpoint.host, self.endpoint.port, self.endpoint.keepalive_s)
        client.loop_start()
        self._client = client

    def _connected(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        _properties: Any,
    ) -> None:
        if not reason.is_failure:
            self.connected.set()

    def _disconnected(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.DisconnectFlags,
        _reason: ReasonCode,
        _properties: Any,
    ) -> None:
        self.connected.clear()

    def publish(self, message: UgsMessage) -> mqtt.MQTTMessageInfo:
        """Queue ``message`` (QoS 1); the returned info can ``wait_for_publish``."""
        if self._client is None:
            raise RuntimeError("publisher not started")
        return self._client.publish(self.topic(message.sensor_id), message.to_json(), qos=QOS)

    def stop(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        client.disconnect()
        client.loop_stop()
        self.connected.clear()

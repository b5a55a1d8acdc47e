"""Non-camera sensors and outbound notifiers (discriminated unions on ``kind``).

The models live in one module per integration: :mod:`kordon.config.drones` (MAVLink),
:mod:`kordon.config.ground_sensors`, :mod:`kordon.config.radar` (ASTERIX),
:mod:`kordon.config.notifiers` (MQTT, webhook), :mod:`kordon.config.tak` (CoT) and their
field types in :mod:`kordon.config.endpoints`; this module holds the two unions and
re-exports those names.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kordon.config.drones import MavlinkSensor
from kordon.config.endpoints import (
    ENV_NAME_PATTERN,
    EnvName,
    FilePath,
    HttpUrl,
    Ipv4Address,
    MulticastGroup,
    Port,
    TopicFilter,
    TopicPrefix,
)
from kordon.config.ground_sensors import GroundSensor, GroundSensorMqtt, UgsSensorType
from kordon.config.notifiers import MqttNotifier, WebhookNotifier, WebhookTopic
from kordon.config.radar import AsterixRadar
from kordon.config.tak import CotLayer, CotNotifier

SensorConfig = Annotated[MavlinkSensor | GroundSensor | AsterixRadar, Field(discriminator="kind")]


NotifierConfig = Annotated[
    MqttNotifier | WebhookNotifier | CotNotifier, Field(discriminator="kind")
]

__all__ = [
    "ENV_NAME_PATTERN",
    "AsterixRadar",
    "CotLayer",
    "CotNotifier",
    "EnvName",
    "FilePath",
    "GroundSensor",
    "GroundSensorMqtt",
    "HttpUrl",
    "Ipv4Address",
    "MavlinkSensor",
    "MqttNotifier",
    "MulticastGroup",
    "NotifierConfig",
    "Port",
    "SensorConfig",
    "TopicFilter",
    "TopicPrefix",
    "UgsSensorType",
    "WebhookNotifier",
    "WebhookTopic",
]

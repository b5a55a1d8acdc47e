"""Unattended ground sensors (seismic, PIR, magnetic, fence): alarms and heartbeats.

Messages (:class:`UgsMessage`, JSON, published schema ``message.schema.json``) arrive over
MQTT (:class:`UgsMqttSubscriber`) or signed HTTP (:class:`UgsHttpIntake`,
``/api/sensors/ugs``), are decoded (:class:`UgsDecoder`), rate limited per sensor
(:class:`FloodLimiter`) and become observations of the sensor's detection area
(:class:`AlarmObserver`) and device health (:class:`UgsHealthMonitor`), all through one
:class:`UgsIntake`. :class:`GroundSensorService` builds it from the site file. The
simulated sensors for the demo live in ``simulated`` and ``simulated_service``.
"""

from kordon.sensors.ugs.area import DetectionArea, DetectionAreaError, disc_area, polygon_area
from kordon.sensors.ugs.decoder import UgsDecoder
from kordon.sensors.ugs.errors import UgsDecodeError, UgsErrorKind
from kordon.sensors.ugs.flood import FloodLimiter, RateLimit
from kordon.sensors.ugs.health import HealthLimits, UgsHealthMonitor
from kordon.sensors.ugs.http_intake import SignedRequest, UgsHttpError, UgsHttpIntake
from kordon.sensors.ugs.intake import IntakeCounters, UgsIntake, Verdict
from kordon.sensors.ugs.message import ClassHint, MessageType, UgsMessage
from kordon.sensors.ugs.mqtt import MqttEndpoint, UgsMqttSubscriber
from kordon.sensors.ugs.observer import AlarmObserver
from kordon.sensors.ugs.service import GroundSensorService
from kordon.sensors.ugs.signature import SignatureError, SignatureVerifier, sign, signed_headers

__all__ = [
    "AlarmObserver",
    "ClassHint",
    "DetectionArea",
    "DetectionAreaError",
    "FloodLimiter",
    "GroundSensorService",
    "HealthLimits",
    "IntakeCounters",
    "MessageType",
    "MqttEndpoint",
    "RateLimit",
    "SignatureError",
    "SignatureVerifier",
    "SignedRequest",
    "UgsDecodeError",
    "UgsDecoder",
    "UgsErrorKind",
    "UgsHealthMonitor",
    "UgsHttpError",
    "UgsHttpIntake",
    "UgsIntake",
    "UgsMessage",
    "UgsMqttSubscriber",
    "Verdict",
    "disc_area",
    "polygon_area",
    "sign",
    "signed_headers",
]

"""Cursor-on-Target: parse CoT XML events (hardened) and TAK protocol (protobuf) payloads."""

from kordon.interop.cot.errors import CotParseError
from kordon.interop.cot.event import UNKNOWN_ERROR_M, CotEvent
from kordon.interop.cot.stream import iter_events, parse_events
from kordon.interop.cot.takproto import event_from_message
from kordon.interop.cot.xml import parse_xml_event

__all__ = [
    "UNKNOWN_ERROR_M",
    "CotEvent",
    "CotParseError",
    "event_from_message",
    "iter_events",
    "parse_events",
    "parse_xml_event",
]

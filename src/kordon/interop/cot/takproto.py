"""TAK protocol version 1 (protobuf ``TakMessage``) payloads: mesh and stream framing.

Field numbers follow the public TAK protocol definitions (``takmessage.proto``,
``cotevent.proto``, ``detail.proto``, ``contact.proto``).
"""

from __future__ import annotations

from collections.abc import Iterator

from kordon.interop.cot.event import CotEvent, make_event
from kordon.interop.cot.protobuf import as_double, as_text, iter_fields, read_varint
from kordon.interop.cot.timefmt import from_millis

MAGIC = 0xBF
MESH_VERSION = 1
MAX_MESSAGE_BYTES = 1 << 20

_EVENT_TEXT = {1: "type", 5: "uid", 9: "how"}
_EVENT_TIME = {6: "time", 7: "start", 8: "stale"}
_EVENT_DOUBLE = {10: "lat", 11: "lon", 12: "hae", 13: "ce", 14: "le"}


def _callsign(detail: bytes) -> str | None:
    for number, _wire, value in iter_fields(detail, 0, len(detail)):
        if number == 2 and isinstance(value, bytes):  # Detail.contact
            for cnum, _cw, cval in iter_fields(value, 0, len(value)):
                if cnum == 2:  # Contact.callsign
                    return as_text(cval)
    return None


def event_from_message(data: bytes) -> CotEvent:
    """A ``TakMessage`` holding a ``cotEvent`` (``ValueError`` when absent or invalid)."""
    event: bytes | None = None
    for number, _wire, value in iter_fields(data, 0, len(data)):
        if number == 2 and isinstance(value, bytes):
            event = value
    if event is None:
        raise ValueError("TAK message without a cotEvent")
    texts: dict[str, str] = {}
    times: dict[str, int] = {}
    doubles: dict[str, float] = {}
    callsign = None
    for number, _wire, value in iter_fields(event, 0, len(event)):
        if number in _EVENT_TEXT:
            texts[_EVENT_TEXT[number]] = as_text(value)
        elif number in _EVENT_TIME:
            if not isinstance(value, int):
                raise ValueError(f"{_EVENT_TIME[number]}: expected a varint")
            times[_EVENT_TIME[number]] = value
        elif number in _EVENT_DOUBLE:
            doubles[_EVENT_DOUBLE[number]] = as_double(value)
        elif number == 15 and isinstance(value, bytes):
            callsign = _callsign(value)
    for name in ("time", "start", "stale"):
        if name not in times:
            raise ValueError(f"{name}: missing")
    return make_event(
        uid=texts.get("uid"),
        type_=texts.get("type"),
        how=texts.get("how"),
        time=from_millis("time", times["time"]),
        start=from_millis("start", times["start"]),
        stale=from_millis("stale", times["stale"]),
        # proto3 leaves zero-valued doubles out: absent means 0.0
        lat=doubles.get("lat", 0.0),
        lon=doubles.get("lon", 0.0),
        hae=doubles.get("hae", 0.0),
        ce=doubles.get("ce", 0.0),
        le=doubles.get("le", 0.0),
        callsign=callsign,
    )


def has_event(data: bytes) -> bool:
    """Whether a ``TakMessage`` carries a ``cotEvent`` (one that carries only ``takControl``
    does not); ``ValueError`` when its fields cannot be read."""
    found = False
    for number, _wire, _value in iter_fields(data, 0, len(data)):
        found = found or number == 2
    return found


def is_mesh(data: bytes) -> bool:
    """Mesh (UDP) framing: ``0xBF``, version 1, ``0xBF``, then one message."""
    return len(data) >= 3 and data[0] == MAGIC and data[1] == MESH_VERSION and data[2] == MAGIC


def split_messages(data: bytes) -> Iterator[tuple[int, bytes] | ValueError]:
    """(offset, message) of a mesh datagram or of a stream (``0xBF``, varint length, message)…

    A framing error ends the walk (the next message boundary is unknown).
    """
    if is_mesh(data):
        yield 3, data[3:]
        return
    pos = 0
    end = len(data)
    while pos < end:
        if data[pos] != MAGIC:
            yield ValueError(f"byte {pos}: expected the TAK stream magic 0xBF")
            return
        try:
            length, start = read_varint(data, pos + 1, end)
        except ValueError as exc:
            yield exc
            return
        if length > MAX_MESSAGE_BYTES or start + length > end:
            yield ValueError(f"byte {pos}: message of {length} bytes runs past the data or limit")
            return
        yield start, data[start : start + length]
        pos = start + length

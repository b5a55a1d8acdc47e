"""CoT in: field units' position reports, and events cut out of a byte stream as it arrives.

:class:`StreamDecoder` takes the bytes of a TCP/TLS connection in whatever pieces they come
and returns the complete events (XML, or TAK protocol stream framing once the peer speaks
it), each through the hardened parsers; a bad event is a :class:`CotParseError`, counted,
and the stream goes on. A peer that sends more than ``max_event_bytes`` without ending an
event loses what it sent (one error) and the decoder resynchronises on the next
``<event``.

:func:`field_unit_of` keeps what the map and the patrol register need from a friendly
ground unit's position report (``a-f-G…`` with a contact callsign).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from kordon.interop.cot.errors import CotParseError
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.fastxml import parse_xml_event_fast
from kordon.interop.cot.protobuf import read_varint
from kordon.interop.cot.takproto import MAGIC, MAX_MESSAGE_BYTES, event_from_message, is_mesh
from kordon.interop.cot.xml import MAX_EVENT_BYTES

FIELD_UNIT_PREFIX = "a-f-G"


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldUnitPosition:
    """A field unit's reported position (ATAK/WinTAK/iTAK self SA). Errors in metres;
    ``ce``/``hae`` of 9,999,999 mean unknown (CoT convention)."""

    uid: str
    callsign: str
    type: str
    lat: float
    lon: float
    hae: float
    ce: float
    time: datetime
    stale: datetime


def field_unit_of(event: CotEvent) -> FieldUnitPosition | None:
    """The position of a friendly ground unit with a callsign; ``None`` for anything else."""
    if not (event.type == FIELD_UNIT_PREFIX or event.type.startswith(FIELD_UNIT_PREFIX + "-")):
        return None
    if not event.callsign:
        return None
    return FieldUnitPosition(
        uid=event.uid,
        callsign=event.callsign,
        type=event.type,
        lat=event.lat,
        lon=event.lon,
        hae=event.hae,
        ce=event.ce,
        time=event.time,
        stale=event.stale,
    )


_EVENT_END = re.compile(rb"</event\s*>")
_EVENT_START = re.compile(rb"<(?:\?xml|event[\s>/])")
_EVENT_TAG = re.compile(rb"<event[\s>/]")


class StreamDecoder:
    """Incremental CoT stream reader (XML or TAK protocol stream); see the module docstring."""

    def __init__(self, *, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._buffer = bytearray()
        self._max = max_event_bytes
        self._scan_from = 0
        self.errors = 0
        self.events = 0

    def __len__(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[CotEvent | CotParseError]:
        """The events completed by ``data`` (and an error for each refused one)."""
        self._buffer += data
        out: list[CotEvent | CotParseError] = []
        while self._buffer:
            item = self._next_proto() if self._buffer[0] == MAGIC else self._next_xml()
            if item is None:
                break
            if isinstance(item, CotParseError):
                self.errors += 1
            else:
                self.events += 1
            out.append(item)
        return out

    def _error(self, reason: str) -> CotParseError:
        return CotParseError(reason, index=self.events + self.errors)

    def _next_xml(self) -> CotEvent | CotParseError | None:
        buf = self._buffer
        start = buf.find(b"<")
        if start < 0:  # whitespace or junk between events
            junk = bytes(buf).strip()
            buf.clear()
            self._scan_from = 0
            return self._error(f"{len(junk)} bytes outside any event") if junk else None
        if start > 0:
            junk = bytes(buf[:start]).strip()
            del buf[:start]
            self._scan_from = max(0, self._scan_from - start)
            if junk:
                return self._error(f"{len(junk)} bytes outside any event")
        m = _EVENT_END.search(buf, max(0, self._scan_from - 16))
        if m is None:
            if len(buf) > self._max:
                return self._resync(f"no </event> within {self._max} bytes")
            self._scan_from = len(buf)
            return None
        begin = self._event_start(m.start())
        if begin > 0 and _EVENT_TAG.search(buf, 0, begin) is not None:
            # an unfinished event before the last event start: refuse it alone
            del buf[:begin]
            self._scan_from = 0
            return self._error(f"{begin} bytes of an unfinished event")
        chunk = bytes(buf[: m.end()])
        del buf[: m.end()]
        self._scan_from = 0
        try:
            return parse_xml_event_fast(chunk)
        except ValueError as exc:
            return self._error(str(exc))

    def _event_start(self, end: int) -> int:
        """Where the event ending at ``end`` starts: its last ``<event`` (with the XML
        declaration right before it, if any). CoT events do not nest."""
        buf = self._buffer
        pos = end
        while True:
            pos = buf.rfind(b"<event", 0, pos)
            if pos < 0:
                return 0
            after = bytes(buf[pos + 6 : pos + 7])
            if after in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
                break
        decl = buf.rfind(b"<?xml", 0, pos)
        if decl >= 0:
            close = buf.find(b"?>", decl, pos)
            if close >= 0 and not bytes(buf[close + 2 : pos]).strip():
                return decl
        return pos

    def _resync(self, reason: str) -> CotParseError:
        buf = self._buffer
        nxt = _EVENT_START.search(buf, 1)
        if nxt is None:
            buf.clear()
        else:
            del buf[: nxt.start()]
        self._scan_from = 0
        return self._error(reason)

    def _next_proto(self) -> CotEvent | CotParseError | None:
        buf = self._buffer
        try:
            length, start = read_varint(bytes(buf[:11]), 1, min(len(buf), 11))
        except ValueError:
            if len(buf) >= 11:  # a varint never needs more than 10 bytes
                return self._resync("bad TAK protocol length")
            return None
        if length > MAX_MESSAGE_BYTES:
            return self._resync(
                f"TAK protocol message of {length} bytes, at most {MAX_MESSAGE_BYTES}"
            )
        if start + length > len(buf):
            return None
        message = bytes(buf[start : start + length])
        del buf[: start + length]
        try:
            return event_from_message(message)
        except ValueError as exc:
            return self._error(str(exc))


def decode_datagram(data: bytes) -> list[CotEvent | CotParseError]:
    """The events of one UDP datagram: TAK protocol mesh framing, or XML."""
    if is_mesh(data):
        try:
            return [event_from_message(data[3:])]
        except ValueError as exc:
            return [CotParseError(str(exc))]
    decoder = StreamDecoder()
    out = decoder.feed(data)
    if len(decoder):
        out.append(CotParseError("datagram ends inside an event"))
    return out

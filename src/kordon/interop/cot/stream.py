"""A file's events: one XML event, several concatenated, or a TAK protocol stream or datagram."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kordon.interop.cot.errors import CotParseError
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.takproto import MAGIC, event_from_message, split_messages
from kordon.interop.cot.xml import parse_xml_event

# A new event starts where one ends and the next begins (optionally with its declaration).
_BOUNDARY = re.compile(rb"(?<=</event>)\s*(?=<(?:\?xml|event[\s>/]))")


def _split_xml(data: bytes) -> Iterator[tuple[int, bytes]]:
    start = 0
    for m in _BOUNDARY.finditer(data):
        yield start, data[start : m.start()]
        start = m.end()
    yield start, data[start:]


def iter_events(data: bytes) -> Iterator[CotEvent | CotParseError]:
    """Events in input order, and a ``CotParseError`` (with index and offset) for each bad one."""
    if data[:1] == bytes([MAGIC]):
        for index, item in enumerate(split_messages(data)):
            if isinstance(item, ValueError):
                yield CotParseError(str(item), index=index, offset=0)
                return
            offset, message = item
            try:
                yield event_from_message(message)
            except ValueError as exc:
                yield CotParseError(str(exc), index=index, offset=offset)
        return
    if not data.strip():
        yield CotParseError("no event in the input")
        return
    for index, (offset, chunk) in enumerate(_split_xml(data)):
        try:
            yield parse_xml_event(chunk)
        except ValueError as exc:
            yield CotParseError(str(exc), index=index, offset=offset)


def parse_events(data: bytes) -> list[CotEvent]:
    """All events of ``data``; raises the first ``CotParseError``."""
    out: list[CotEvent] = []
    for item in iter_events(data):
        if isinstance(item, CotParseError):
            raise item
        out.append(item)
    return out

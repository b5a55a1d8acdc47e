"""A fast hardened reader of one CoT XML event, straight on expat (no element tree).

Same refusals and the same result as :func:`kordon.interop.cot.xml.parse_xml_event` (the
tests check both agree on hostile and random input): no DTD, no entity declarations, no
external entities, at most :data:`~kordon.interop.cot.xml.MAX_DEPTH` levels and
:data:`~kordon.interop.cot.xml.MAX_ELEMENTS` elements, at most
:data:`~kordon.interop.cot.xml.MAX_EVENT_BYTES`. It keeps only what a :class:`CotEvent`
holds (the root's attributes, the first ``<point>``, the first ``<detail>/<contact>``'s
callsign), so it runs several times faster than building the tree: the CoT in path of
a busy TAK server. What it keeps is validated by the same
:func:`~kordon.interop.cot.xml.event_from_parts` as the tree reader's.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.parsers import expat

from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.xml import MAX_DEPTH, MAX_ELEMENTS, MAX_EVENT_BYTES, event_from_parts


class _RefusedError(Exception):
    """Raised from a handler to stop expat at once."""


class _Reader:
    __slots__ = (
        "callsign",
        "count",
        "depth",
        "detail_depth",
        "found_contact",
        "point",
        "root",
        "root_tag",
    )

    def __init__(self) -> None:
        self.depth = 0
        self.count = 0
        self.root_tag: str | None = None
        self.root: dict[str, str] = {}
        self.point: dict[str, str] | None = None
        self.callsign: str | None = None
        self.detail_depth = 0  # > 0 while inside a <detail> child of the root
        self.found_contact = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        self.count += 1
        if self.depth > MAX_DEPTH:
            raise _RefusedError(f"elements nested deeper than {MAX_DEPTH}")
        if self.count > MAX_ELEMENTS:
            raise _RefusedError(f"more than {MAX_ELEMENTS} elements")
        depth = self.depth
        if depth == 1:
            self.root_tag = tag
            self.root = attrs
        elif depth == 2:
            if tag == "point" and self.point is None:
                self.point = attrs
            elif tag == "detail":
                self.detail_depth = 2
        elif depth == 3 and self.detail_depth == 2 and tag == "contact" and not self.found_contact:
            self.found_contact = True
            self.callsign = attrs.get("callsign")

    def end(self, _tag: str) -> None:
        if self.depth == 2:
            self.detail_depth = 0
        self.depth -= 1


def _forbid(what: str) -> Callable[..., None]:
    def handler(*_args: object) -> None:
        raise _RefusedError(f"refused XML: {what}")

    return handler


def _no_external(_context: str, _base: str | None, _system: str | None, _public: str | None) -> int:
    raise _RefusedError("refused XML: external entity")


def parse_xml_event_fast(data: bytes) -> CotEvent:
    """One CoT XML event from bytes (``ValueError`` when refused, malformed or invalid)."""
    if len(data) > MAX_EVENT_BYTES:
        raise ValueError(f"event of {len(data)} bytes, at most {MAX_EVENT_BYTES}")
    reader = _Reader()
    parser = expat.ParserCreate(None, "}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid("DTD")
    parser.EntityDeclHandler = _forbid("entity declaration")
    parser.UnparsedEntityDeclHandler = _forbid("unparsed entity")
    parser.ExternalEntityRefHandler = _no_external
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    try:
        parser.Parse(data, True)
    except _RefusedError as exc:
        raise ValueError(str(exc)) from None
    except expat.ExpatError as exc:
        raise ValueError(f"malformed XML: {exc}") from None
    return event_from_parts(reader.root_tag, reader.root, reader.point, reader.callsign)

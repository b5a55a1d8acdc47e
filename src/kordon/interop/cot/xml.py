"""CoT XML events through a hardened parser (defusedxml): no DTD, no entities, bounded depth."""

from __future__ import annotations

from collections.abc import Mapping
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from kordon.interop.cot.event import CotEvent, make_event
from kordon.interop.cot.timefmt import parse_time

MAX_EVENT_BYTES = 1 << 20
"""Largest single XML event accepted."""
MAX_DEPTH = 32
"""Deepest element nesting accepted (an event with a detail is 3-4 deep)."""
MAX_ELEMENTS = 10_000
"""Most elements accepted in one event."""


class _BoundedBuilder(TreeBuilder):
    """A tree builder that refuses documents nested too deep or with too many elements."""

    def __init__(self, max_depth: int, max_elements: int) -> None:
        super().__init__()
        self._depth = 0
        self._count = 0
        self._max_depth = max_depth
        self._max_elements = max_elements

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self._depth += 1
        self._count += 1
        if self._depth > self._max_depth:
            raise ValueError(f"elements nested deeper than {self._max_depth}")
        if self._count > self._max_elements:
            raise ValueError(f"more than {self._max_elements} elements")
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._depth -= 1
        return super().end(tag)


def parse_xml_element(data: bytes, *, max_depth: int = MAX_DEPTH) -> Element:
    """The root element of one XML document; ``ValueError`` for anything refused or malformed."""
    if len(data) > MAX_EVENT_BYTES:
        raise ValueError(f"event of {len(data)} bytes, at most {MAX_EVENT_BYTES}")
    parser = DefusedXMLParser(
        target=_BoundedBuilder(max_depth, MAX_ELEMENTS),
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    try:
        parser.feed(data)
        root: Element = parser.close()
    except DefusedXmlException as exc:
        raise ValueError(f"refused XML: {type(exc).__name__}: {exc}") from None
    except ParseError as exc:
        raise ValueError(f"malformed XML: {exc}") from None
    return root


def _float(point: Mapping[str, str], name: str) -> float:
    text = point.get(name)
    if text is None or text.strip() == "":
        raise ValueError(f"point {name}: missing")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"point {name}: {text[:40]!r} is not a number") from None


def event_from_parts(
    root_tag: str | None,
    root: Mapping[str, str],
    point: Mapping[str, str] | None,
    callsign: str | None,
) -> CotEvent:
    """Validate what a :class:`CotEvent` holds, as read by either reader (this module's
    element tree or :mod:`kordon.interop.cot.fastxml`): the root's tag and attributes, the
    first ``<point>``'s attributes, the first ``<detail>/<contact>``'s callsign.
    ``ValueError`` names the bad part."""
    if root_tag != "event":
        raise ValueError(f"root element <{(root_tag or '')[:40]}>, expected <event>")
    if point is None:
        raise ValueError("no <point> element")
    return make_event(
        uid=root.get("uid"),
        type_=root.get("type"),
        how=root.get("how"),
        time=parse_time("time", root.get("time")),
        start=parse_time("start", root.get("start")),
        stale=parse_time("stale", root.get("stale")),
        lat=_float(point, "lat"),
        lon=_float(point, "lon"),
        hae=_float(point, "hae"),
        ce=_float(point, "ce"),
        le=_float(point, "le"),
        callsign=callsign,
    )


def event_from_element(root: Element) -> CotEvent:
    """Validate an ``<event>`` element (``ValueError`` naming the bad attribute)."""
    point = root.find("point")
    contact = root.find("detail/contact")
    return event_from_parts(
        root.tag,
        root.attrib,
        None if point is None else point.attrib,
        None if contact is None else contact.get("callsign"),
    )


def parse_xml_event(data: bytes) -> CotEvent:
    """One CoT XML event from bytes (``ValueError`` when refused, malformed or invalid)."""
    return event_from_element(parse_xml_element(data))

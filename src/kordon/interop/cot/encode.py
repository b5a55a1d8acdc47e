"""Encode outgoing CoT events: XML text and TAK protocol version 1 (protobuf) payloads.

An :class:`OutEvent` is what Kordon sends: the event attributes, the point, an optional
contact callsign and track (course, speed), and the rest of the ``<detail>`` as a small
tree of :class:`DetailNode`. Every text is made safe on the way out: characters XML 1.0
cannot carry (controls, lone surrogates, U+FFFE/U+FFFF) are replaced, attribute values
are escaped (``& < > "`` and tab/newline as character references, so they survive
attribute normalisation), element and attribute names are checked, and uids, callsigns
and types are bounded like the parser bounds them (:data:`~kordon.interop.cot.event.MAX_TEXT`).
Numbers are written in fixed-point (no exponent), non-finite errors and heights become
CoT's "unknown" (9,999,999).

The TAK protocol payload (:func:`to_takproto`) is a ``TakMessage`` with its ``cotEvent``;
the contact and track go in their own ``Detail`` fields, everything else in
``xmlDetail``. :func:`mesh_frame` and :func:`stream_frame` add the UDP and TCP framings.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kordon.interop.cot.event import MAX_TEXT, UNKNOWN_ERROR_M
from kordon.interop.cot.takproto import MAGIC, MESH_VERSION
from kordon.interop.cot.timefmt import format_time

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_TYPE = re.compile(r"[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*")
# Characters XML 1.0 cannot carry at all.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters the CoT parser refuses in uids, types and callsigns (controls and DEL).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
REPLACEMENT = "\ufffd"
MAX_DETAIL_DEPTH = 16
"""Deepest detail tree encoded (the parser refuses documents deeper than 32)."""


class CotEncodeError(ValueError):
    """An event that cannot be encoded (a bad element name, type or coordinate)."""


def clean_text(value: str, *, limit: int | None = None) -> str:
    """``value`` with the characters XML 1.0 cannot carry replaced by U+FFFD, cut to ``limit``."""
    out = _XML_INVALID.sub(REPLACEMENT, value)
    return out if limit is None else out[:limit]


def clean_label(value: str) -> str:
    """A uid or callsign the CoT parser accepts: no controls, at most ``MAX_TEXT`` characters."""
    return _CONTROL.sub(" ", clean_text(value))[:MAX_TEXT]


def attr(value: str) -> str:
    """An escaped attribute value (without the quotes)."""
    return clean_text(value).translate(_ATTR_ESCAPES)


def text(value: str) -> str:
    """Escaped element text."""
    return clean_text(value).translate(_TEXT_ESCAPES)


def check_type(name: str, value: str) -> str:
    """A CoT type or how: dash-separated letters and digits (``CotEncodeError`` otherwise)."""
    if not value or len(value) > MAX_TEXT or not _TYPE.fullmatch(value):
        raise CotEncodeError(f"{name}: {value[:40]!r} is not dash-separated letters and digits")
    return value


def _check_name(kind: str, value: str) -> str:
    if len(value) > 64 or not _NAME.fullmatch(value):
        raise CotEncodeError(f"{kind} name {value[:40]!r} is not a simple XML name")
    return value


def fixed(value: float, digits: int) -> str:
    """``value`` in fixed-point with ``digits`` decimals, no exponent, no ``-0``."""
    out = f"{value:.{digits}f}"
    return out[1:] if out.startswith("-") and not out.strip("-0.") else out


def error_m(value: float | None) -> float:
    """An error or height for the wire: unknown (9,999,999) when absent, not finite or larger."""
    if value is None or not math.isfinite(value) or value >= UNKNOWN_ERROR_M:
        return UNKNOWN_ERROR_M
    return max(value, 0.0)


@dataclass(frozen=True, slots=True)
class DetailNode:
    """One element of ``<detail>``: tag, attributes in order, children and optional text."""

    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    children: tuple[DetailNode, ...] = ()
    text: str | None = None

    def __post_init__(self) -> None:
        _check_name("element", self.tag)
        for key, _value in self.attrs:
            _check_name("attribute", key)

    def get(self, key: str) -> str | None:
        for k, v in self.attrs:
            if k == key:
                return v
        return None


def node(
    tag: str, children: tuple[DetailNode, ...] = (), text: str | None = None, /, **attrs: object
) -> DetailNode:
    """A :class:`DetailNode`; attribute values formatted with ``str`` (floats in fixed-point)."""
    pairs = tuple(
        (k, fixed(v, 6) if isinstance(v, float) else str(v))
        for k, v in attrs.items()
        if v is not None
    )
    return DetailNode(tag, pairs, children, text)


@dataclass(frozen=True, slots=True, kw_only=True)
class OutEvent:
    """An event to send. ``hae``, ``ce`` and ``le`` of ``None`` are unknown (9,999,999)."""

    uid: str
    type: str
    how: str
    time: datetime
    start: datetime
    stale: datetime
    lat: float
    lon: float
    hae: float | None = None
    ce: float | None = None
    le: float | None = None
    callsign: str | None = None
    course_deg: float | None = None
    speed_mps: float | None = None
    detail: tuple[DetailNode, ...] = ()

    def __post_init__(self) -> None:
        check_type("type", self.type)
        check_type("how", self.how)
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise CotEncodeError(f"lat {self.lat!r} outside [-90, 90]")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise CotEncodeError(f"lon {self.lon!r} outside [-180, 180]")
        if self.stale < self.start:
            raise CotEncodeError("stale before start")
        if not clean_label(self.uid).strip():
            raise CotEncodeError("uid: empty")


def _point_values(event: OutEvent) -> tuple[float, float, float]:
    hae = event.hae
    hae_out = (
        UNKNOWN_ERROR_M
        if hae is None or not math.isfinite(hae) or abs(hae) >= UNKNOWN_ERROR_M
        else hae
    )
    return hae_out, error_m(event.ce), error_m(event.le)


def _node_xml(n: DetailNode, out: list[str], depth: int) -> None:
    if depth > MAX_DETAIL_DEPTH:
        raise CotEncodeError(f"detail nested deeper than {MAX_DETAIL_DEPTH}")
    out.append("<" + n.tag)
    for key, value in n.attrs:
        out.append(f' {key}="{attr(value)}"')
    if not n.children and n.text is None:
        out.append("/>")
        return
    out.append(">")
    if n.text is not None:
        out.append(text(n.text))
    for child in n.children:
        _node_xml(child, out, depth + 1)
    out.append(f"</{n.tag}>")


def _track_node(event: OutEvent) -> DetailNode | None:
    if event.course_deg is None or event.speed_mps is None:
        return None
    if not (math.isfinite(event.course_deg) and math.isfinite(event.speed_mps)):
        return None
    return node("track", course=fixed(event.course_deg % 360.0, 2), speed=fixed(event.speed_mps, 2))


def detail_xml(event: OutEvent, *, with_contact: bool = True, with_track: bool = True) -> str:
    """The inner XML of ``<detail>`` (contact and track optional: the protobuf has fields)."""
    out: list[str] = []
    if with_contact and event.callsign is not None:
        out.append(f'<contact callsign="{attr(clean_label(event.callsign))}"/>')
    track = _track_node(event) if with_track else None
    if track is not None:
        _node_xml(track, out, 1)
    for n in event.detail:
        _node_xml(n, out, 1)
    return "".join(out)


def to_xml(event: OutEvent, *, declaration: bool = True) -> bytes:
    """The event as one CoT XML document (UTF-8)."""
    hae, ce, le = _point_values(event)
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' if declaration else ""
    time = format_time(event.time)
    start = time if event.start == event.time else format_time(event.start)
    stale = time if event.stale == event.time else format_time(event.stale)
    body = (
        f'{head}<event version="2.0" uid="{attr(clean_label(event.uid))}" '
        f'type="{event.type}" how="{event.how}" time="{time}" '
        f'start="{start}" stale="{stale}">'
        f'<point lat="{fixed(event.lat, 7)}" lon="{fixed(event.lon, 7)}" '
        f'hae="{fixed(hae, 2)}" ce="{fixed(ce, 2)}" le="{fixed(le, 2)}"/>'
        f"<detail>{detail_xml(event)}</detail></event>"
    )
    return body.encode("utf-8")


# --- protobuf ------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    if value < 0x80:
        return _SMALL[value]
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


_SMALL = tuple(bytes((i,)) for i in range(0x80))


def _bytes_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _text_field(number: int, value: str) -> bytes:
    return _bytes_field(number, value.encode("utf-8")) if value else b""


def _double_field(number: int, value: float) -> bytes:
    return _varint(number << 3 | 1) + struct.pack("<d", value) if value != 0.0 else b""


def _uint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value) if value else b""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _millis(value: datetime) -> int:
    """Milliseconds since the epoch, truncated like the XML time stamps."""
    return (value - _EPOCH) // timedelta(milliseconds=1)


def _round(value: float, digits: int) -> float:
    return float(fixed(value, digits))


def to_takproto(event: OutEvent) -> bytes:
    """The event as a TAK protocol ``TakMessage`` (no framing); values rounded as in XML."""
    hae, ce, le = _point_values(event)
    detail = _text_field(1, detail_xml(event, with_contact=False, with_track=False))
    if event.callsign is not None:
        contact = _text_field(2, clean_label(event.callsign))
        detail += _bytes_field(2, contact)
    track = _track_node(event)
    if track is not None:
        speed, course = float(track.get("speed") or 0.0), float(track.get("course") or 0.0)
        detail += _bytes_field(7, _double_field(1, speed) + _double_field(2, course))
    cot = b"".join(
        (
            _text_field(1, event.type),
            _text_field(5, clean_label(event.uid)),
            _uint_field(6, _millis(event.time)),
            _uint_field(7, _millis(event.start)),
            _uint_field(8, _millis(event.stale)),
            _text_field(9, event.how),
            _double_field(10, _round(event.lat, 7)),
            _double_field(11, _round(event.lon, 7)),
            _double_field(12, _round(hae, 2)),
            _double_field(13, _round(ce, 2)),
            _double_field(14, _round(le, 2)),
            _bytes_field(15, detail) if detail else b"",
        )
    )
    return _bytes_field(2, cot)


def mesh_frame(message: bytes) -> bytes:
    """TAK protocol mesh (UDP) framing: ``0xBF 0x01 0xBF`` then the message."""
    return bytes((MAGIC, MESH_VERSION, MAGIC)) + message


def stream_frame(message: bytes) -> bytes:
    """TAK protocol stream (TCP) framing: ``0xBF``, the varint length, the message."""
    return bytes((MAGIC,)) + _varint(len(message)) + message

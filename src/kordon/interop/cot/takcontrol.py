"""TAK protocol negotiation messages on a stream (CoT XML, before any switch).

A TAK server that can stream TAK protocol version 1 announces it once per connection
with a ``t-x-takp-v`` event whose ``<detail><TakControl>`` lists one
``<TakProtocolSupport version="N"/>`` per version; a client asks for one with a
``t-x-takp-q`` event (``<TakRequest version="1"/>``, reusing the announcement's uid); the
server answers with ``t-x-takp-r`` (``<TakResponse status="true|false"/>``). After a
``true`` both sides write streaming framing from the next byte on.

:func:`read_control` reads the announcement and the answer (through the hardened XML
parser); :func:`request_event` builds the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree.ElementTree import Element

from kordon.interop.cot.encode import OutEvent, node
from kordon.interop.cot.event import check_text
from kordon.interop.cot.xml import parse_xml_element

OFFER_TYPE = "t-x-takp-v"
REQUEST_TYPE = "t-x-takp-q"
ANSWER_TYPE = "t-x-takp-r"
CONTROL_MARK = b"t-x-takp-"
"""In the bytes of every negotiation event (a cheap test before parsing)."""
STREAM_VERSION = 1
"""The TAK protocol version Kordon asks for."""
REQUEST_STALE_S = 60.0
MAX_VERSIONS = 16


@dataclass(frozen=True, slots=True)
class ProtocolOffer:
    """A server's ``t-x-takp-v``: the versions it can stream, under the uid to reuse."""

    uid: str
    versions: frozenset[int]


@dataclass(frozen=True, slots=True)
class ProtocolAnswer:
    """A server's ``t-x-takp-r``: whether it switches to the version asked for."""

    uid: str
    accepted: bool


def _control(root: Element, kind: str) -> Element:
    control = root.find("detail/TakControl")
    if control is None:
        raise ValueError(f"{kind} without <detail><TakControl>")
    return control


def _version(text: str | None) -> int:
    if text is None or not text.strip().isdigit() or len(text.strip()) > 6:
        raise ValueError(f"TakProtocolSupport version {(text or '')[:20]!r} is not a number")
    return int(text.strip())


def read_control(data: bytes) -> ProtocolOffer | ProtocolAnswer | None:
    """The negotiation message in one XML event; ``None`` for any other event.

    ``ValueError`` when the event is a negotiation message that cannot be read (no
    ``TakControl``, a version that is not a number, a status other than true/false).
    """
    if CONTROL_MARK not in data:
        return None
    root = parse_xml_element(data)
    kind = root.get("type")
    if root.tag != "event" or kind not in (OFFER_TYPE, ANSWER_TYPE):
        return None
    uid = check_text("uid", root.get("uid"), required=True) or ""
    control = _control(root, kind)
    if kind == OFFER_TYPE:
        supports = control.findall("TakProtocolSupport")
        if not supports:
            raise ValueError(f"{OFFER_TYPE} without <TakProtocolSupport>")
        if len(supports) > MAX_VERSIONS:
            raise ValueError(f"{OFFER_TYPE} with {len(supports)} versions, at most {MAX_VERSIONS}")
        return ProtocolOffer(uid, frozenset(_version(s.get("version")) for s in supports))
    response = control.find("TakResponse")
    if response is None:
        raise ValueError(f"{ANSWER_TYPE} without <TakResponse>")
    status = (response.get("status") or "").strip().lower()
    if status not in ("true", "false"):
        raise ValueError(f"TakResponse status {status[:20]!r}, expected true or false")
    return ProtocolAnswer(uid, status == "true")


def request_event(
    offer: ProtocolOffer, now: datetime, *, version: int = STREAM_VERSION
) -> OutEvent:
    """The ``t-x-takp-q`` asking for ``version``, under the offer's uid."""
    return OutEvent(
        uid=offer.uid,
        type=REQUEST_TYPE,
        how="m-g",
        time=now,
        start=now,
        stale=now + timedelta(seconds=REQUEST_STALE_S),
        lat=0.0,
        lon=0.0,
        detail=(node("TakControl", (node("TakRequest", version=version),)),),
    )

"""``WireReader``: the receiving half of one TCP/TLS connection to a TAK server.

In XML the bytes are cut at each ``</event>`` so that a negotiation message
(:mod:`kordon.interop.cot.takcontrol`) is read whole, with its ``TakControl`` detail, and
handed to the connection's :class:`~kordon.tak.negotiation.Negotiation`; every other
event goes through the hardened :class:`~kordon.interop.cot.inbound.StreamDecoder`, in
stream order. When the server says yes to a request the bytes after its answer, in the
same read or later, are TAK protocol stream frames, read by the strict
:class:`~kordon.interop.cot.framing.StreamFramer`: a framing error raises
:class:`~kordon.interop.cot.framing.TakFramingError` and the transport drops the
connection. A bad event in a good frame is only a :class:`CotParseError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kordon.interop.cot.errors import CotParseError
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.framing import StreamFramer
from kordon.interop.cot.inbound import StreamDecoder
from kordon.interop.cot.takcontrol import CONTROL_MARK, ProtocolAnswer, ProtocolOffer, read_control
from kordon.interop.cot.takproto import MAGIC, event_from_message, has_event
from kordon.interop.cot.xml import MAX_EVENT_BYTES
from kordon.tak.negotiation import Negotiation, NegotiationState

_EVENT_END = re.compile(rb"</event\s*>")
_DECLARATION = re.compile(rb"\s*(?:<\?xml[^>]*\?>)?\s*")
_TAIL = 16  # an end tag cut by a read is found again from this far back


@dataclass(slots=True)
class WireRead:
    """What one read gave: events and refusals in order, and the offer to answer now."""

    items: list[CotEvent | CotParseError] = field(default_factory=list)
    request: ProtocolOffer | None = None
    controls: int = 0
    """Negotiation messages and control-only TAK messages read (not delivered)."""


class WireReader:
    """See the module docstring."""

    def __init__(
        self,
        negotiation: Negotiation,
        *,
        max_message_bytes: int,
        max_event_bytes: int = MAX_EVENT_BYTES,
    ) -> None:
        self.negotiation = negotiation
        self._max_event = max_event_bytes
        self._max_message = max_message_bytes
        self._xml = StreamDecoder(max_event_bytes=max_event_bytes)
        self._held = bytearray()
        self._scan_from = 0
        self._framer: StreamFramer | None = None
        if negotiation.state is NegotiationState.STREAMING:
            self._framer = StreamFramer(max_message_bytes=max_message_bytes)

    @property
    def streaming(self) -> bool:
        return self._framer is not None

    def feed(self, data: bytes) -> WireRead:
        """Everything ``data`` completes; raises ``TakFramingError`` once streaming."""
        out = WireRead()
        if self._framer is not None:
            self._feed_stream(data, out)
            return out
        self._held += data
        while self._held and not self.streaming:
            if not self._next_xml(out):
                break
        if self.streaming and self._held:
            rest = bytes(self._held)
            self._held.clear()
            self._feed_stream(rest, out)
        return out

    def _next_xml(self, out: WireRead) -> bool:
        """Handle the next event held; False when more bytes are needed."""
        held = self._held
        if held[0] == MAGIC or len(held) > self._max_event or len(self._xml):
            # frames nobody negotiated, an event too long, or the decoder in the middle of
            # something: the lenient decoder's business
            out.items.extend(self._xml.feed(bytes(held)))
            held.clear()
            self._scan_from = 0
            return False
        m = _EVENT_END.search(held, self._scan_from)
        if m is None:
            self._scan_from = max(0, len(held) - _TAIL)
            return False
        piece = bytes(held[: m.end()])
        del held[: m.end()]
        self._scan_from = 0
        if CONTROL_MARK in piece and len(self._xml) == 0:
            self._control(piece, out)
        else:
            out.items.extend(self._xml.feed(piece))
        return True

    def _control(self, piece: bytes, out: WireRead) -> None:
        start = piece.rfind(b"<event")
        if start < 0 or not _DECLARATION.fullmatch(piece, 0, start):
            out.items.extend(self._xml.feed(piece))  # junk around it: the decoder reports it
            return
        try:
            message = read_control(piece[start:])
        except ValueError as exc:
            out.items.append(CotParseError(f"TAK protocol negotiation: {exc}"))
            return
        if message is None:
            out.items.extend(self._xml.feed(piece))
            return
        out.controls += 1
        if isinstance(message, ProtocolOffer):
            if self.negotiation.on_offer(message):
                out.request = message
        elif isinstance(message, ProtocolAnswer):
            self.negotiation.on_answer(message)
            if self.negotiation.state is NegotiationState.STREAMING:
                self._framer = StreamFramer(max_message_bytes=self._max_message)

    def _feed_stream(self, data: bytes, out: WireRead) -> None:
        framer = self._framer
        assert framer is not None
        for message in framer.feed(data):
            try:
                if not has_event(message):
                    out.controls += 1
                    continue
                out.items.append(event_from_message(message))
            except ValueError as exc:
                out.items.append(CotParseError(str(exc), index=framer.messages))

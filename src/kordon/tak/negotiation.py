"""``Negotiation``: which encoding one TCP/TLS connection to a TAK server speaks.

One object per connection, so every (re)connection starts over in XML. With
:attr:`TakProtocol.NEGOTIATE` the connection speaks XML until the server offers TAK
protocol version 1; Kordon then asks for it and sends nothing until the answer: a yes
switches both directions to stream framing, a no keeps XML. An offer without version 1
keeps XML. With ``proto`` the connection streams from the first byte; with ``xml`` it
never asks. No I/O and no clock here: the transport reads, writes and times the wait.
"""

from __future__ import annotations

from enum import StrEnum

from kordon.interop.cot.takcontrol import STREAM_VERSION, ProtocolAnswer, ProtocolOffer
from kordon.tak.settings import TakProtocol


class WireFormat(StrEnum):
    """What the bytes on a link are."""

    XML = "xml"
    STREAM = "stream"
    """TAK protocol version 1, stream framing (TCP/TLS)."""
    MESH = "mesh"
    """TAK protocol version 1, mesh framing (UDP)."""


class NegotiationState(StrEnum):
    XML = "xml"
    """XML; no offer heard (yet)."""
    REQUESTED = "requested"
    """Version 1 asked for; nothing is sent until the answer."""
    STREAMING = "streaming"
    """TAK protocol version 1 both ways."""
    REFUSED = "refused"
    """The server said no: XML on this connection."""
    UNSUPPORTED = "unsupported"
    """The server offered versions without 1: XML on this connection."""
    NOT_ASKED = "not_asked"
    """Offered, but not asked for (``protocol: xml``, or an earlier request went unanswered)."""


class Negotiation:
    """See the module docstring. ``ask``: whether an offer is taken up."""

    def __init__(self, protocol: TakProtocol, *, ask: bool = True) -> None:
        self.protocol = protocol
        self.ask = ask and protocol is TakProtocol.NEGOTIATE
        self.state = (
            NegotiationState.STREAMING if protocol is TakProtocol.PROTO else NegotiationState.XML
        )
        self.offer: ProtocolOffer | None = None
        self.ignored = 0
        """Offers after the first and answers nobody asked for."""

    @property
    def wire(self) -> WireFormat:
        return WireFormat.STREAM if self.state is NegotiationState.STREAMING else WireFormat.XML

    def may_send(self) -> bool:
        """False while an answer is awaited (the protocol forbids writing meanwhile)."""
        return self.state is not NegotiationState.REQUESTED

    def on_offer(self, offer: ProtocolOffer) -> bool:
        """Take note of a ``t-x-takp-v``; True: send the request now."""
        if self.state is not NegotiationState.XML or self.offer is not None:
            self.ignored += 1
            return False
        self.offer = offer
        if STREAM_VERSION not in offer.versions:
            self.state = NegotiationState.UNSUPPORTED
            return False
        if not self.ask:
            self.state = NegotiationState.NOT_ASKED
            return False
        self.state = NegotiationState.REQUESTED
        return True

    def on_answer(self, answer: ProtocolAnswer) -> None:
        """Take note of a ``t-x-takp-r`` (ignored unless a request is pending)."""
        if self.state is not NegotiationState.REQUESTED:
            self.ignored += 1
            return
        self.state = NegotiationState.STREAMING if answer.accepted else NegotiationState.REFUSED

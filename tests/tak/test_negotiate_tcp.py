"""TAK protocol negotiation on a real loopback stream (TCP and TLS) against a peer server
that speaks it (tests/tak/negotiating_peer.py): XML until the server offers, the request,
nothing written until the answer, TAK protocol both ways after a yes; XML when the server
never offers, refuses or never answers; every reconnection starts over in XML."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from kordon.interop.cot.encode import OutEvent, to_takproto
from kordon.interop.cot.event import CotEvent
from kordon.tak.negotiation import NegotiationState, WireFormat
from kordon.tak.settings import TakProtocol, TakSettings, TlsFiles
from kordon.tak.transport import TakTransport
from tests.tak.negotiating_peer import NegotiatingPeer, varint
from tests.tak.servers import make_pki, server_context
from tests.tak.test_transport import T, _event, _settings, _until

NEGOTIATION_TIMEOUT_S = 60.0


class TimedSleep:
    """Backoff delays pass at once; the negotiation timeout only when ``fire`` is set."""

    def __init__(self) -> None:
        self.fire = asyncio.Event()

    async def __call__(self, delay: float) -> None:
        if delay == NEGOTIATION_TIMEOUT_S:
            await self.fire.wait()
        await asyncio.sleep(0)


def _unit_frame(uid: str) -> bytes:
    message = to_takproto(
        OutEvent(
            uid=uid,
            type="a-f-G-U-C",
            how="m-g",
            time=T,
            start=T,
            stale=T + timedelta(minutes=5),
            lat=51.1,
            lon=24.2,
            callsign="BRAVO",
        )
    )
    return b"\xbf" + varint(len(message)) + message


async def _turns(n: int = 50) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def _transport(
    peer: NegotiatingPeer,
    received: list[CotEvent],
    sleep: TimedSleep,
    *,
    scheme: str = "tcp",
    **extra: object,
) -> TakTransport:
    settings: TakSettings = _settings(
        f"{scheme}://127.0.0.1:{peer.port}",
        negotiation_timeout_s=NEGOTIATION_TIMEOUT_S,
        **extra,
    )
    return TakTransport(settings, on_event=received.append, sleep=sleep, clock=lambda: T)


@pytest.mark.parametrize("scheme", ["tcp", "tls"])
def test_switches_to_tak_protocol_when_the_server_offers_and_says_yes(
    scheme: str, tmp_path: Path
) -> None:
    async def go() -> None:
        extra: dict[str, object] = {}
        peer = NegotiatingPeer(push_after_answer=_unit_frame("ANDROID-bravo"))
        if scheme == "tls":
            pki = make_pki(tmp_path)
            peer.ssl_context = server_context(pki)
            extra["tls"] = TlsFiles(
                ca_file=pki.ca, cert_file=pki.client_cert, key_file=pki.client_key
            )
        peer.answer_gate.clear()
        await peer.start()
        received: list[CotEvent] = []
        transport = _transport(peer, received, TimedSleep(), scheme=scheme, **extra)
        transport.send_update(_event("kordon.test.track.0"))
        await transport.start()
        try:
            await _until(lambda: peer.connections and peer.connections[0].requests, "a request")
            conn = peer.connections[0]
            assert transport.negotiation is not None
            assert transport.negotiation.state is NegotiationState.REQUESTED
            transport.send_update(_event("kordon.test.track.1"))
            transport.send_alarm(_event("kordon.test.alarm", type_="b-a-o-tbl"))
            await _turns()
            assert len(transport.queue) == 2  # nothing written while the answer is awaited
            peer.answer_gate.set()
            await _until(lambda: len(conn.uids("frame")) == 2, "two frames")
            await _until(lambda: received, "the server's frame")
            assert conn.log == [
                ("xml", "a-u-G", "kordon.test.track.0"),
                ("xml", "t-x-takp-q", "neg-0"),
                ("frame", "b-a-o-tbl", "kordon.test.alarm"),
                ("frame", "a-u-G", "kordon.test.track.1"),
            ]
            request = conn.requests[0].find("detail/TakControl/TakRequest")
            assert request is not None
            assert request.get("version") == "1"
            assert [(e.uid, e.callsign) for e in received] == [("ANDROID-bravo", "BRAVO")]
            counters = transport.counters()
            assert (counters.wire, counters.negotiation) == (
                WireFormat.STREAM,
                NegotiationState.STREAMING,
            )
            assert conn.errors == []
        finally:
            await transport.stop()
            await peer.stop()

    asyncio.run(go())


@pytest.mark.parametrize(
    ("offer", "answer", "protocol", "state"),
    [
        (None, True, TakProtocol.NEGOTIATE, NegotiationState.XML),
        ((1,), False, TakProtocol.NEGOTIATE, NegotiationState.REFUSED),
        ((0,), True, TakProtocol.NEGOTIATE, NegotiationState.UNSUPPORTED),
        ((1,), True, TakProtocol.XML, NegotiationState.NOT_ASKED),
    ],
)
def test_stays_on_xml(
    offer: tuple[int, ...] | None,
    answer: bool,
    protocol: TakProtocol,
    state: NegotiationState,
) -> None:
    async def go() -> None:
        peer = NegotiatingPeer(offer=offer, answer=answer)
        await peer.start()
        transport = _transport(peer, [], TimedSleep(), protocol=protocol)
        transport.send_update(_event("kordon.test.track.0"))
        await transport.start()
        try:
            await _until(lambda: peer.connections, "a connection")
            conn = peer.connections[0]
            if offer is not None:
                await _until(
                    lambda: (
                        transport.negotiation is not None and transport.negotiation.state is state
                    ),
                    f"state {state}",
                )
            transport.send_update(_event("kordon.test.track.1"))
            await _until(lambda: "kordon.test.track.1" in conn.uids("xml"), "XML after")
            expected_requests = 1 if state is NegotiationState.REFUSED else 0
            assert len(conn.requests) == expected_requests
            assert conn.uids("frame") == []
            assert transport.counters().wire is WireFormat.XML
            assert transport.negotiation is not None
            assert transport.negotiation.state is state
            assert conn.errors == []
        finally:
            await transport.stop()
            await peer.stop()

    asyncio.run(go())


def test_an_unanswered_request_drops_the_connection_and_later_ones_stay_on_xml() -> None:
    async def go() -> None:
        peer = NegotiatingPeer(answer=None)
        await peer.start()
        sleep = TimedSleep()
        transport = _transport(peer, [], sleep)
        transport.send_update(_event("kordon.test.track.0"))
        await transport.start()
        try:
            await _until(lambda: peer.connections and peer.connections[0].requests, "a request")
            transport.send_update(_event("kordon.test.track.1"))
            await _turns()
            assert len(transport.queue) == 1
            assert transport.counters().negotiation_timeouts == 0
            sleep.fire.set()  # the minute passes
            await _until(lambda: len(peer.connections) == 2, "a reconnection")
            second = peer.connections[1]
            await _until(
                lambda: (
                    transport.negotiation is not None
                    and transport.negotiation.state is NegotiationState.NOT_ASKED
                ),
                "the second offer, not taken up",
            )
            transport.send_update(_event("kordon.test.track.2"))
            await _until(lambda: len(second.uids("xml")) == 2, "XML on the second connection")
            assert second.uids("xml") == ["kordon.test.track.1", "kordon.test.track.2"]
            assert second.requests == []
            assert transport.counters().negotiation_timeouts == 1
        finally:
            await transport.stop()
            await peer.stop()

    asyncio.run(go())


def test_a_reconnection_starts_over_in_xml() -> None:
    async def go() -> None:
        peer = NegotiatingPeer()
        await peer.start()
        transport = _transport(peer, [], TimedSleep())
        transport.send_update(_event("kordon.test.track.0"))
        await transport.start()
        try:
            await _until(lambda: transport.counters().wire is WireFormat.STREAM, "the switch")
            transport.send_update(_event("kordon.test.track.1"))
            first = peer.connections[0]
            await _until(lambda: first.uids("frame") == ["kordon.test.track.1"], "a frame")
            peer.offer = None  # this server will not offer again
            first.writer.close()
            await _until(lambda: len(peer.connections) == 2, "a reconnection")
            await _until(lambda: transport.counters().wire is WireFormat.XML, "XML again")
            transport.send_update(_event("kordon.test.track.2"))
            second = peer.connections[1]
            await _until(lambda: second.uids("xml") == ["kordon.test.track.2"], "XML")
            assert second.errors == []
        finally:
            await transport.stop()
            await peer.stop()

    asyncio.run(go())


def test_an_oversized_frame_from_the_server_drops_the_connection() -> None:
    async def go() -> None:
        peer = NegotiatingPeer(push_after_answer=b"\xbf" + varint(5_000))
        peer.answer_gate.clear()
        await peer.start()
        transport = _transport(peer, [], TimedSleep(), max_message_bytes=1_000)
        transport.send_update(_event("kordon.test.track.0"))
        await transport.start()
        try:
            await _until(lambda: peer.connections and peer.connections[0].requests, "a request")
            peer.offer = None  # the next connection stays on XML
            peer.answer_gate.set()
            await _until(lambda: len(peer.connections) == 2, "a reconnection")
            counters = transport.counters()
            assert counters.framing_errors == 1
            assert counters.connects == 2
        finally:
            await transport.stop()
            await peer.stop()

    asyncio.run(go())


@pytest.mark.parametrize(
    ("answer", "text"),
    [(True, "; TAK protocol v1;"), (False, "; CoT XML (the server refused TAK protocol v1);")],
)
def test_the_link_health_says_what_the_connection_speaks(answer: bool, text: str) -> None:
    from kordon.bus.inprocess import InProcessBus
    from kordon.geo.frame import LocalFrame
    from kordon.tak.service import TakService

    async def go() -> None:
        peer = NegotiatingPeer(answer=answer)
        await peer.start()
        settings: TakSettings = _settings(
            f"tcp://127.0.0.1:{peer.port}", negotiation_timeout_s=NEGOTIATION_TIMEOUT_S
        )

        async def never(_delay: float) -> None:  # no health, static or timeout loops
            await asyncio.Event().wait()

        service = TakService(
            settings, InProcessBus(), frame=LocalFrame(51.2, 24.1), clock=lambda: T, sleep=never
        )
        await service.start()
        try:
            await _until(lambda: peer.connections and peer.connections[0].requests, "a request")
            await _until(lambda: text in service.health().detail, text)
        finally:
            await service.stop()
            await peer.stop()

    asyncio.run(go())

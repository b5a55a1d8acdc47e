"""The TAK link over real loopback sockets: TCP, TLS with client certificates, UDP
unicast and multicast, reconnection with backoff, and the send queue while down."""

from __future__ import annotations

import asyncio
import socket
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kordon.interop.cot.encode import OutEvent, to_xml
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.inbound import decode_datagram
from kordon.tak.settings import TakProtocol, TakSettings, TakSettingsError, TlsFiles
from kordon.tak.transport import TakTransport
from tests.support.demo_site import free_port
from tests.tak.servers import WAIT_S, CotServer, make_pki, server_context

T = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def _event(
    uid: str, *, lat: float = 51.0, type_: str = "a-u-G", callsign: str | None = None
) -> OutEvent:
    return OutEvent(
        uid=uid,
        type=type_,
        how="m-f",
        time=T,
        start=T,
        stale=T + timedelta(minutes=1),
        lat=lat,
        lon=24.0,
        callsign=callsign,
    )


def _settings(url: str, **extra: object) -> TakSettings:
    return TakSettings(notifier_id="tak", url=url, uid_prefix="kordon.test", **extra)  # type: ignore[arg-type]


class GatedSleep:
    """Records each backoff delay; from the ``hold_after``-th call on, waits for ``gate``."""

    def __init__(self, hold_after: int) -> None:
        self.delays: list[float] = []
        self.hold_after = hold_after
        self.gate = asyncio.Event()
        self.held = asyncio.Event()

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        if len(self.delays) >= self.hold_after and not self.gate.is_set():
            self.held.set()
            await self.gate.wait()
        await asyncio.sleep(0)


async def _until(predicate: object, what: str) -> None:
    async def wait() -> None:
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(wait(), WAIT_S)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


def test_tcp_xml_both_ways() -> None:
    async def go() -> None:
        server = CotServer()
        await server.start()
        received: list[CotEvent] = []
        transport = TakTransport(
            _settings(f"tcp://127.0.0.1:{server.port}"), on_event=received.append
        )
        transport.send_update(_event("kordon.test.track.1"))
        assert transport.send_alarm(_event("kordon.test.incident.1", type_="b-a-o-tbl"))
        await transport.start()
        try:
            events = await server.wait_for(2)
            assert [e.uid for e in events] == ["kordon.test.incident.1", "kordon.test.track.1"]
            unit = to_xml(_event("ANDROID-1", type_="a-f-G-U-C", callsign="ALPHA"))
            await server.send(unit[:40])
            await asyncio.sleep(0.05)
            await server.send(unit[40:] + b"<event junk")
            await _until(lambda: received, "the field unit")
            assert [(e.uid, e.callsign) for e in received] == [("ANDROID-1", "ALPHA")]
            c = transport.counters()
            assert (c.connected, c.connects, c.sent, c.received) == (True, 1, 2, 1)
        finally:
            await transport.stop()
            await server.stop()

    asyncio.run(go())


def test_tak_protocol_over_tcp() -> None:
    async def go() -> None:
        server = CotServer()
        await server.start()
        transport = TakTransport(
            _settings(f"tcp://127.0.0.1:{server.port}", protocol=TakProtocol.PROTO),
            on_event=lambda _e: None,
        )
        await transport.start()
        try:
            for i in range(3):
                transport.send_update(_event(f"kordon.test.track.{i}", lat=50.0 + i))
            events = await server.wait_for(3)
            assert [(e.uid, e.lat) for e in events] == [
                (f"kordon.test.track.{i}", 50.0 + i) for i in range(3)
            ]
            assert server.errors == []
        finally:
            await transport.stop()
            await server.stop()

    asyncio.run(go())


def test_reconnects_with_backoff_and_keeps_alarms_while_down() -> None:
    async def go() -> None:
        port = free_port()
        sleep = GatedSleep(hold_after=6)
        transport = TakTransport(
            _settings(f"tcp://127.0.0.1:{port}", reconnect_min_s=1.0, reconnect_max_s=8.0),
            on_event=lambda _e: None,
            sleep=sleep,
        )
        await transport.start()
        server = CotServer()
        try:
            await asyncio.wait_for(sleep.held.wait(), WAIT_S)
            assert sleep.delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
            assert transport.counters().connect_failures == 6
            for lat in (50.0, 50.5, 51.0):  # one track moving: only its latest is sent
                transport.send_update(_event("kordon.test.track.9", lat=lat))
            transport.send_alarm(_event("kordon.test.incident.1", type_="b-a-o-tbl"))
            transport.send_alarm(_event("kordon.test.incident.2", type_="b-a-o-tbl"))
            await server.start(port)
            sleep.gate.set()
            events = await server.wait_for(3)
            assert [(e.uid, e.lat) for e in events] == [
                ("kordon.test.incident.1", 51.0),
                ("kordon.test.incident.2", 51.0),
                ("kordon.test.track.9", 51.0),
            ]
            assert transport.counters().replaced_updates == 2
            await server.drop_clients()  # the server goes away; the link comes back
            await _until(lambda: transport.counters().connects == 2, "the reconnection")
            transport.send_alarm(_event("kordon.test.incident.3", type_="b-a-o-tbl"))
            events = await server.wait_for(4)
            assert events[-1].uid == "kordon.test.incident.3"
            # connected once, the delay was reset: the loss waits reconnect_min_s only
            assert sleep.delays[6:] == [1.0]
        finally:
            await transport.stop()
            await server.stop()

    asyncio.run(go())


def test_tls_with_client_certificate(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)

    async def go() -> None:
        server = CotServer(ssl_context=server_context(pki))
        await server.start()
        tls = TlsFiles(ca_file=pki.ca, cert_file=pki.client_cert, key_file=pki.client_key)
        transport = TakTransport(
            _settings(f"tls://127.0.0.1:{server.port}", tls=tls), on_event=lambda _e: None
        )
        await transport.start()
        try:
            transport.send_alarm(_event("kordon.test.incident.1", type_="b-a-o-tbl"))
            events = await server.wait_for(1)
            assert [e.uid for e in events] == ["kordon.test.incident.1"]
            assert server.peers == ["kordon-edge"]
        finally:
            await transport.stop()
            await server.stop()

    asyncio.run(go())


def test_tls_refuses_a_server_of_another_ca_and_a_client_without_certificate(
    tmp_path: Path,
) -> None:
    pki = make_pki(tmp_path)

    async def go() -> None:
        server = CotServer(ssl_context=server_context(pki))
        await server.start()
        sleep = GatedSleep(hold_after=2)
        wrong_ca = TlsFiles(
            ca_file=pki.other_ca, cert_file=pki.client_cert, key_file=pki.client_key
        )
        transport = TakTransport(
            _settings(f"tls://127.0.0.1:{server.port}", tls=wrong_ca),
            on_event=lambda _e: None,
            sleep=sleep,
        )
        await transport.start()
        no_cert_sleep = GatedSleep(hold_after=2)
        no_cert = TakTransport(
            _settings(f"tls://127.0.0.1:{server.port}", tls=TlsFiles(ca_file=pki.ca)),
            on_event=lambda _e: None,
            sleep=no_cert_sleep,
        )
        await no_cert.start()
        try:
            transport.send_alarm(_event("kordon.test.incident.1", type_="b-a-o-tbl"))
            no_cert.send_alarm(_event("kordon.test.incident.2", type_="b-a-o-tbl"))
            await asyncio.wait_for(sleep.held.wait(), WAIT_S)
            c = transport.counters()
            assert (c.connects, c.connect_failures, c.sent) == (0, 2, 0)
            await asyncio.wait_for(no_cert_sleep.held.wait(), WAIT_S)  # tried twice
            assert server.events == []
            assert server.peers == []
        finally:
            sleep.gate.set()
            no_cert_sleep.gate.set()
            await transport.stop()
            await no_cert.stop()
            await server.stop()

    asyncio.run(go())


def test_tls_settings_errors(tmp_path: Path) -> None:
    with pytest.raises(TakSettingsError, match="tls://"):
        _settings("tcp://127.0.0.1:8087", tls=TlsFiles(ca_file=tmp_path / "ca.pem"))
    with pytest.raises(TakSettingsError, match="both"):
        _settings("tls://127.0.0.1:8089", tls=TlsFiles(cert_file=tmp_path / "c.pem"))
    with pytest.raises(TakSettingsError, match="scheme"):
        _settings("http://127.0.0.1:8087")
    missing = _settings("tls://127.0.0.1:8089", tls=TlsFiles(ca_file=tmp_path / "nope.pem"))

    async def go() -> None:
        with pytest.raises(TakSettingsError, match="TLS"):
            await TakTransport(missing, on_event=lambda _e: None).start()

    asyncio.run(go())


def _udp_receiver(group: str | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0" if group else "127.0.0.1", 0))
    if group is not None:
        mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("127.0.0.1"))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    sock.settimeout(WAIT_S)
    return sock


@pytest.mark.parametrize("protocol", [TakProtocol.XML, TakProtocol.PROTO])
def test_udp_unicast_out_and_listener_in(protocol: TakProtocol) -> None:
    receiver = _udp_receiver()
    port = receiver.getsockname()[1]

    async def go() -> None:
        got: list[CotEvent] = []
        transport = TakTransport(
            _settings(f"udp://127.0.0.1:{port}", protocol=protocol, listen_udp="127.0.0.1:0"),
            on_event=got.append,
        )
        await transport.start()
        try:
            transport.send_update(_event("kordon.test.track.5", lat=50.25))
            data = await asyncio.to_thread(receiver.recv, 65_536)
            assert data.startswith(b"\xbf\x01\xbf") is (protocol is TakProtocol.PROTO)
            events = decode_datagram(data)
            assert [(e.uid, e.lat) for e in events if isinstance(e, CotEvent)] == [
                ("kordon.test.track.5", 50.25)
            ]
            listen = transport.listen_port
            assert listen is not None
            receiver.sendto(to_xml(_event("ANDROID-7", type_="a-f-G-U-C")), ("127.0.0.1", listen))
            receiver.sendto(b"<event>broken", ("127.0.0.1", listen))
            await _until(lambda: got and transport.counters().receive_errors == 1, "datagrams")
            assert [e.uid for e in got] == ["ANDROID-7"]
        finally:
            await transport.stop()
            receiver.close()

    asyncio.run(go())


def test_udp_multicast_on_loopback() -> None:
    group = "239.255.73.21"
    try:
        receiver = _udp_receiver(group)
    except OSError as exc:
        pytest.skip(f"this machine cannot join multicast on loopback: {exc}")
    port = receiver.getsockname()[1]

    async def go() -> None:
        transport = TakTransport(
            _settings(f"udp://{group}:{port}", multicast_interface="127.0.0.1", multicast_ttl=1),
            on_event=lambda _e: None,
        )
        await transport.start()
        try:
            transport.send_alarm(_event("kordon.test.incident.4", type_="b-a-o-tbl"))
            data = await asyncio.to_thread(receiver.recv, 65_536)
            assert [e.uid for e in decode_datagram(data) if isinstance(e, CotEvent)] == [
                "kordon.test.incident.4"
            ]
        finally:
            await transport.stop()
            receiver.close()

    asyncio.run(go())

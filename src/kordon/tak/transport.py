"""``TakTransport``: one link to a TAK endpoint (TCP, TLS with client certificates, UDP).

* **TCP / TLS**: a stream; CoT XML or TAK protocol stream framing both ways, as the
  connection's :class:`~kordon.tak.negotiation.Negotiation` decides (``protocol``:
  ``negotiate`` starts every connection in XML, asks for version 1 when the server offers
  it and switches on a yes; ``proto`` streams from the first byte; ``xml`` never asks).
  While an answer is awaited nothing is written; no answer within
  ``negotiation_timeout_s`` drops the connection, and later connections keep XML. Lost or
  refused connections are retried with exponential backoff (``reconnect_min_s`` doubling
  up to ``reconnect_max_s``, reset once connected); what arrives is read by a
  :class:`~kordon.tak.wire.WireReader` and each event handed to ``on_event``; a broken
  TAK protocol frame (bad magic, bad or oversized length) drops the connection.
* **UDP**: datagrams to a unicast address or a multicast group (TTL ``multicast_ttl``);
  one event per datagram (XML, or TAK protocol mesh framing). With ``listen_udp`` a
  second socket receives datagrams (joining ``listen_group`` when set).

Outgoing messages wait in a :class:`~kordon.tak.queue.SendQueue` while the link is down:
alarms are never displaced, track updates replace their older selves and drop
oldest-first. They wait as events with their first encoding, re-encoded at sending when
the connection has switched. Everything runs on the node's event loop; counters in
:class:`LinkCounters`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from kordon.interop.cot.encode import OutEvent, mesh_frame, stream_frame, to_takproto, to_xml
from kordon.interop.cot.errors import CotParseError
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.framing import TakFramingError
from kordon.interop.cot.inbound import decode_datagram
from kordon.interop.cot.takcontrol import ProtocolOffer, request_event
from kordon.tak.negotiation import Negotiation, NegotiationState, WireFormat
from kordon.tak.queue import SendQueue
from kordon.tak.settings import (
    Endpoint,
    TakProtocol,
    TakScheme,
    TakSettings,
    TakSettingsError,
    host_port,
)
from kordon.tak.wire import WireReader

logger = logging.getLogger(__name__)

READ_BYTES = 65_536
MAX_DATAGRAM = 65_507

OnEvent = Callable[[CotEvent], None]
OnError = Callable[[CotParseError], None]
Sleep = Callable[[float], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


def encode_as(event: OutEvent, wire: WireFormat) -> bytes:
    """``event`` as ``wire`` carries it (``ValueError`` when it cannot be encoded)."""
    if wire is WireFormat.XML:
        return to_xml(event)
    message = to_takproto(event)
    return mesh_frame(message) if wire is WireFormat.MESH else stream_frame(message)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A queued event and its encoding for the link's first wire format (checked once, at
    queueing; a connection that has switched encodes the event again)."""

    event: OutEvent
    wire: WireFormat
    payload: bytes

    def as_wire(self, wire: WireFormat) -> bytes:
        return self.payload if wire is self.wire else encode_as(self.event, wire)


@dataclass(frozen=True, slots=True)
class LinkCounters:
    """Counters since start."""

    connected: bool
    connects: int
    connect_failures: int
    sent: int
    send_failures: int
    received: int
    receive_errors: int
    queue_depth: int
    dropped_updates: int
    replaced_updates: int
    dropped_alarms: int
    wire: WireFormat
    """What the (latest) connection speaks."""
    negotiation: NegotiationState | None
    """The latest stream connection's negotiation (``None`` before one, and over UDP)."""
    negotiation_timeouts: int
    framing_errors: int


def tls_context(settings: TakSettings) -> ssl.SSLContext:
    """The client TLS context: the CA (else the system's), the client certificate and key."""
    files = settings.tls
    if files is None:
        raise TakSettingsError(f"cot notifier {settings.notifier_id!r}: no TLS files")
    try:
        context = ssl.create_default_context(
            cafile=str(files.ca_file) if files.ca_file is not None else None
        )
        context.check_hostname = files.check_hostname
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if files.cert_file is not None and files.key_file is not None:
            context.load_cert_chain(
                str(files.cert_file), str(files.key_file), password=files.key_password
            )
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise TakSettingsError(f"cot notifier {settings.notifier_id!r}: TLS: {exc}") from exc
    return context


async def cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel ``tasks`` and wait for them; cancel again any that swallowed a cancellation
    (an await that completed in the same step as the cancel, e.g. a connect)."""
    pending = {t for t in tasks if not t.done()}
    while pending:
        for task in pending:
            task.cancel()
        _done, pending = await asyncio.wait(pending, timeout=0.5)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            logger.warning("cot task %s ended with %r", task.get_name(), task.exception())


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes], None]) -> None:
        self._on_datagram = on_datagram

    def datagram_received(self, data: bytes, _addr: tuple[str | object, int]) -> None:
        self._on_datagram(data)

    def error_received(self, exc: Exception) -> None:
        logger.debug("cot udp: %s", exc)


class TakTransport:
    """See the module docstring. ``on_connect`` runs on each (re)connection of a stream."""

    def __init__(
        self,
        settings: TakSettings,
        *,
        on_event: OnEvent,
        on_error: OnError | None = None,
        on_connect: Callable[[], None] | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.endpoint: Endpoint = settings.endpoint
        self._on_event = on_event
        self._on_error = on_error
        self._on_connect = on_connect
        self._sleep = sleep
        self._clock = clock
        self.queue: SendQueue[Outgoing] = SendQueue(settings.queue_size, settings.alarm_queue_size)
        self.connected = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._udp: asyncio.DatagramTransport | None = None
        self._listener: asyncio.DatagramTransport | None = None
        self._ssl: ssl.SSLContext | None = None
        self._connects = 0
        self._connect_failures = 0
        self._sent = 0
        self._send_failures = 0
        self._received = 0
        self._receive_errors = 0
        self._ask = True  # False once a server left a request unanswered
        self.negotiation: Negotiation | None = None
        """The current (or latest) stream connection's negotiation."""
        self._negotiation_timeouts = 0
        self._framing_errors = 0

    # --- encoding ------------------------------------------------------------------

    @property
    def first_wire(self) -> WireFormat:
        """What a connection speaks first: TAK protocol for ``proto``, else XML."""
        if self.settings.protocol is not TakProtocol.PROTO:
            return WireFormat.XML
        return WireFormat.MESH if self.endpoint.scheme is TakScheme.UDP else WireFormat.STREAM

    @property
    def wire(self) -> WireFormat:
        """What the current (or latest) connection speaks."""
        if self.negotiation is not None:
            return self.negotiation.wire
        return self.first_wire

    def encode(self, event: OutEvent) -> bytes:
        """The event as a new connection carries it (``ValueError`` when it cannot be)."""
        return encode_as(event, self.first_wire)

    def _outgoing(self, event: OutEvent) -> Outgoing:
        wire = self.first_wire
        return Outgoing(event, wire, encode_as(event, wire))

    def send_alarm(self, event: OutEvent) -> bool:
        """Queue an alarm (never displaced; False if the alarm lane is full)."""
        return self.queue.put_alarm(self._outgoing(event))

    def send_update(self, event: OutEvent) -> None:
        """Queue an update (replaces a queued update of the same uid)."""
        self.queue.put_update(event.uid, self._outgoing(event))

    # --- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        if self.endpoint.scheme is TakScheme.TLS:
            self._ssl = tls_context(self.settings)
        try:
            if self.settings.listen_udp is not None:
                await self._listen(*host_port(self.settings.listen_udp))
            if self.endpoint.scheme is TakScheme.UDP:
                await self._open_udp()
                self._tasks.append(asyncio.create_task(self._udp_writer(), name="cot-udp-send"))
            else:
                self._tasks.append(asyncio.create_task(self._run_stream(), name="cot-stream"))
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        self._tasks.clear()
        for transport in (self._udp, self._listener):
            if transport is not None:
                transport.close()
        self._udp = self._listener = None
        self.connected.clear()

    def counters(self) -> LinkCounters:
        q = self.queue
        return LinkCounters(
            connected=self.connected.is_set(),
            connects=self._connects,
            connect_failures=self._connect_failures,
            sent=self._sent,
            send_failures=self._send_failures,
            received=self._received,
            receive_errors=self._receive_errors,
            queue_depth=len(q),
            dropped_updates=q.dropped_updates,
            replaced_updates=q.replaced_updates,
            dropped_alarms=q.dropped_alarms,
            wire=self.wire,
            negotiation=None if self.negotiation is None else self.negotiation.state,
            negotiation_timeouts=self._negotiation_timeouts,
            framing_errors=self._framing_errors,
        )

    # --- receiving -----------------------------------------------------------------

    def _deliver(self, items: list[CotEvent | CotParseError]) -> None:
        for item in items:
            if isinstance(item, CotParseError):
                self._receive_errors += 1
                if self._on_error is not None:
                    self._on_error(item)
                continue
            self._received += 1
            try:
                self._on_event(item)
            except Exception:  # a consumer's bug must not end the link
                logger.exception("cot %s: event handler failed", self.settings.notifier_id)

    def _on_datagram(self, data: bytes) -> None:
        self._deliver(decode_datagram(data))

    async def _listen(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            group = self.settings.listen_group
            if group is not None:
                iface = self.settings.multicast_interface or "0.0.0.0"
                mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(iface))
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        except OSError as exc:
            sock.close()
            raise TakSettingsError(f"cot listener {host}:{port}: {exc}") from exc
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self._on_datagram), sock=sock
        )
        self._listener = transport

    @property
    def listen_port(self) -> int | None:
        """The port the UDP listener is bound to (when ``listen_udp`` asked for port 0)."""
        if self._listener is None:
            return None
        port: int = self._listener.get_extra_info("sockname")[1]
        return port

    # --- UDP -----------------------------------------------------------------------

    async def _open_udp(self) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            if self.endpoint.is_multicast:
                sock.setsockopt(
                    socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, self.settings.multicast_ttl
                )
                iface = self.settings.multicast_interface
                if iface is not None:
                    sock.setsockopt(
                        socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface)
                    )
            sock.connect((self.endpoint.host, self.endpoint.port))
        except OSError as exc:
            sock.close()
            raise TakSettingsError(
                f"cot notifier {self.settings.notifier_id!r}: udp {self.endpoint.host}: {exc}"
            ) from exc
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self._on_datagram), sock=sock
        )
        self._udp = transport
        self.connected.set()

    async def _udp_writer(self) -> None:
        while True:
            _alarm, item = await self.queue.get()
            payload = item.payload
            udp = self._udp
            if udp is None:
                return
            if len(payload) > MAX_DATAGRAM:
                self._send_failures += 1
                logger.warning("cot: event of %d bytes does not fit a datagram", len(payload))
                continue
            try:
                udp.sendto(payload)
                self._sent += 1
            except OSError as exc:
                self._send_failures += 1
                logger.warning("cot udp send failed: %s", exc)

    # --- TCP / TLS -----------------------------------------------------------------

    async def _run_stream(self) -> None:
        s = self.settings
        delay = s.reconnect_min_s
        while True:
            try:
                async with asyncio.timeout(s.connect_timeout_s):
                    reader, writer = await asyncio.open_connection(
                        self.endpoint.host,
                        self.endpoint.port,
                        ssl=self._ssl,
                        server_hostname=self.endpoint.host if self._ssl is not None else None,
                    )
            except (OSError, TimeoutError, ssl.SSLError) as exc:
                self._connect_failures += 1
                logger.warning(
                    "cot %s: cannot connect to %s:%d (%s); retrying in %.1f s",
                    s.notifier_id,
                    self.endpoint.host,
                    self.endpoint.port,
                    exc,
                    delay,
                )
                await self._sleep(delay)
                delay = min(delay * 2.0, s.reconnect_max_s)
                continue
            delay = s.reconnect_min_s
            self._connects += 1
            self.connected.set()
            logger.info(
                "cot %s: connected to %s:%d", s.notifier_id, self.endpoint.host, self.endpoint.port
            )
            if self._on_connect is not None:
                self._on_connect()
            await self._serve(reader, writer)
            self.connected.clear()
            logger.warning("cot %s: connection lost; reconnecting", s.notifier_id)
            await self._sleep(delay)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        negotiation = Negotiation(self.settings.protocol, ask=self._ask)
        self.negotiation = negotiation
        changed = asyncio.Event()
        tasks = {
            asyncio.create_task(self._read(reader, writer, negotiation, changed)),
            asyncio.create_task(self._write(writer, negotiation, changed)),
            asyncio.create_task(self._watch(negotiation, changed)),
        }
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, OSError, ssl.SSLError):
                    await task
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError, asyncio.CancelledError):
                await asyncio.wait_for(writer.wait_closed(), timeout=2.0)

    async def _read(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        negotiation: Negotiation,
        changed: asyncio.Event,
    ) -> None:
        name = self.settings.notifier_id
        wire = WireReader(negotiation, max_message_bytes=self.settings.max_message_bytes)
        while True:
            try:
                data = await reader.read(READ_BYTES)
            except (OSError, ssl.SSLError) as exc:
                logger.warning("cot %s: read failed: %s", name, exc)
                return
            if not data:
                return
            before = negotiation.state
            try:
                got = wire.feed(data)
            except TakFramingError as exc:
                self._framing_errors += 1
                logger.warning("cot %s: %s; dropping the connection", name, exc)
                return
            if got.request is not None:
                self._request(writer, got.request)
            if negotiation.state is not before:
                logger.info("cot %s: TAK protocol negotiation: %s", name, negotiation.state)
                changed.set()
            self._deliver(got.items)

    def _request(self, writer: asyncio.StreamWriter, offer: ProtocolOffer) -> None:
        """Ask for TAK protocol version 1 (the writer holds back until the answer)."""
        writer.write(to_xml(request_event(offer, self._clock())))

    async def _watch(self, negotiation: Negotiation, changed: asyncio.Event) -> None:
        """Return (ending the connection) when a request goes unanswered for too long."""
        while negotiation.may_send():
            changed.clear()
            await changed.wait()
        await self._sleep(self.settings.negotiation_timeout_s)
        if not negotiation.may_send():
            self._negotiation_timeouts += 1
            self._ask = False
            logger.warning(
                "cot %s: no answer to the TAK protocol request within %.0f s; reconnecting "
                "and staying on XML",
                self.settings.notifier_id,
                self.settings.negotiation_timeout_s,
            )
            return
        await asyncio.Event().wait()  # answered: nothing more to watch

    async def _write(
        self, writer: asyncio.StreamWriter, negotiation: Negotiation, changed: asyncio.Event
    ) -> None:
        name = self.settings.notifier_id
        while True:
            while not negotiation.may_send():
                changed.clear()
                await changed.wait()
            await self.queue.wait()
            if not negotiation.may_send():
                continue
            item = self.queue.pop()
            if item is None:
                continue
            alarm, out = item
            try:
                payload = out.as_wire(negotiation.wire)
            except ValueError as exc:  # CotEncodeError included
                self._send_failures += 1
                logger.warning("cot %s: cannot encode %s: %s", name, out.event.uid, exc)
                continue
            try:
                writer.write(payload)
                await writer.drain()
            except (OSError, ssl.SSLError) as exc:
                self._send_failures += 1
                if alarm:
                    self.queue.put_back_alarm(out)
                logger.warning("cot %s: send failed: %s", name, exc)
                return
            self._sent += 1

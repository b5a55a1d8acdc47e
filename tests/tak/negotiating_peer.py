"""A loopback TAK server peer that speaks the streaming protocol negotiation, written from
the protocol description rather than from Kordon's reader: XML cut at ``</event>`` and read
with the standard library, TAK protocol frames cut with its own varint reader.

Per connection it waits for ``offer_after`` XML events from the client, then announces
``offer`` (``t-x-takp-v``; ``None``: never); it answers a ``t-x-takp-q`` with ``answer``
(``None``: never) once ``answer_gate`` is set, followed in the same write by
``push_after_answer``; after a yes it reads stream frames only.
"""

from __future__ import annotations

import asyncio
import ssl
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from kordon.interop.cot.takproto import event_from_message

OFFER = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
    "<event version='2.0' uid='{uid}' type='t-x-takp-v' time='2026-05-04T12:00:00Z' "
    "start='2026-05-04T12:00:00Z' stale='2026-05-04T12:01:00Z' how='m-g'>"
    "<point lat='0.0' lon='0.0' hae='0.0' ce='999999' le='999999'/>"
    "<detail><TakControl>{versions}"
    "<TakServerVersionInfo serverVersion='peer-1' apiVersion='3'/></TakControl></detail></event>"
)
ANSWER = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
    "<event version='2.0' uid='{uid}' type='t-x-takp-r' time='2026-05-04T12:00:00Z' "
    "start='2026-05-04T12:00:00Z' stale='2026-05-04T12:01:00Z' how='m-g'>"
    "<point lat='0.0' lon='0.0' hae='0.0' ce='999999' le='999999'/>"
    "<detail><TakControl><TakResponse status='{status}'/></TakControl></detail></event>"
)


def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


@dataclass
class PeerConnection:
    """What one client connection did: ``log`` holds ("xml", type, uid) and ("frame", uid)
    in arrival order; ``mode`` is "xml" or "stream"."""

    writer: asyncio.StreamWriter
    log: list[tuple[str, str, str]] = field(default_factory=list)
    requests: list[ET.Element] = field(default_factory=list)
    mode: str = "xml"
    offer_uid: str = ""
    errors: list[str] = field(default_factory=list)

    def uids(self, kind: str) -> list[str]:
        return [uid for k, _t, uid in self.log if k == kind]


@dataclass
class NegotiatingPeer:
    offer: tuple[int, ...] | None = (1,)
    answer: bool | None = True
    offer_after: int = 1
    push_after_answer: bytes = b""
    ssl_context: ssl.SSLContext | None = None
    answer_gate: asyncio.Event = field(default_factory=asyncio.Event)
    connections: list[PeerConnection] = field(default_factory=list)
    port: int = 0
    server: asyncio.Server | None = None

    def __post_init__(self) -> None:
        self.answer_gate.set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.ssl_context)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for conn in self.connections:
            conn.writer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = PeerConnection(writer, offer_uid=f"neg-{len(self.connections)}")
        self.connections.append(conn)
        buf = b""
        try:
            while data := await reader.read(65_536):
                buf += data
                buf = await self._xml(conn, buf) if conn.mode == "xml" else buf
                buf = self._frames(conn, buf) if conn.mode == "stream" else buf
        except (OSError, ssl.SSLError):
            pass
        except (AssertionError, ValueError, ET.ParseError) as exc:
            conn.errors.append(str(exc))
            writer.close()

    async def _xml(self, conn: PeerConnection, buf: bytes) -> bytes:
        while conn.mode == "xml" and (end := buf.find(b"</event>")) >= 0:
            doc, buf = buf[: end + 8], buf[end + 8 :]
            root = ET.fromstring(doc[doc.index(b"<event") :])
            kind, uid = root.get("type", ""), root.get("uid", "")
            conn.log.append(("xml", kind, uid))
            if kind == "t-x-takp-q":
                conn.requests.append(root)
                if self.answer is not None:
                    await self.answer_gate.wait()
                    status = "true" if self.answer else "false"
                    reply = ANSWER.format(uid=conn.offer_uid, status=status).encode()
                    conn.writer.write(reply + (self.push_after_answer if self.answer else b""))
                    conn.mode = "stream" if self.answer else "xml"
            elif self.offer is not None and len(conn.uids("xml")) == self.offer_after:
                versions = "".join(f"<TakProtocolSupport version='{v}'/>" for v in self.offer)
                conn.writer.write(OFFER.format(uid=conn.offer_uid, versions=versions).encode())
        return buf

    def _frames(self, conn: PeerConnection, buf: bytes) -> bytes:
        while buf:
            assert buf[0] == 0xBF, f"client wrote {buf[:20]!r} after the switch"
            length = shift = 0
            i = 1
            while True:
                if i >= len(buf):
                    return buf
                length |= (buf[i] & 0x7F) << shift
                shift += 7
                i += 1
                if buf[i - 1] < 0x80:
                    break
            if i + length > len(buf):
                return buf
            event = event_from_message(buf[i : i + length])
            conn.log.append(("frame", event.type, event.uid))
            buf = buf[i + length :]
        return buf

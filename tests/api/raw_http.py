"""Requests exactly as written: raw bytes to a real uvicorn server, or a raw ASGI scope.

HTTP clients (httpx, requests, browsers) normalise ``/../`` and percent-encoding before
sending, so a test written with them never reaches the server's path guards. These helpers
send the request line as given.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.types import ASGIApp, Message

from kordon.api.server import ApiServer, TlsFiles


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    """Lower-case names; a repeated header keeps its last value."""
    body: bytes


@contextmanager
def running_server(app: FastAPI, *, tls: TlsFiles | None = None) -> Iterator[ApiServer]:
    """``app`` served by :class:`ApiServer` on 127.0.0.1 (a free port) in a background loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-api", daemon=True)
    thread.start()
    server = ApiServer(app, host="127.0.0.1", port=0, tls=tls)
    try:
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(timeout=30)
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def raw_request(
    port: int,
    target: bytes,
    *,
    method: bytes = b"GET",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    tls: ssl.SSLContext | None = None,
) -> RawResponse:
    """Send one HTTP/1.1 request with ``target`` byte for byte and read the whole answer."""
    lines = [method + b" " + target + b" HTTP/1.1", f"Host: 127.0.0.1:{port}".encode()]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}".encode("latin-1"))
    lines += [b"Connection: close", f"Content-Length: {len(body)}".encode(), b"", b""]
    request = b"\r\n".join(lines) + body
    chunks: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as plain:
        if tls is None:
            _exchange(plain, request, chunks)
        else:
            with tls.wrap_socket(plain, server_hostname="127.0.0.1") as secure:
                _exchange(secure, request, chunks)
    return _parse(b"".join(chunks))


def _exchange(sock: socket.socket, request: bytes, chunks: list[bytes]) -> None:
    sock.sendall(request)
    while chunk := sock.recv(65536):
        chunks.append(chunk)


def _parse(data: bytes) -> RawResponse:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return RawResponse(int(status_line.split()[1]), headers, body)


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out


def asgi_request(
    app: ASGIApp,
    path: str,
    *,
    raw_path: bytes | None = None,
    method: str = "GET",
    headers: dict[str, str] | None = None,
) -> RawResponse:
    """Call ``app`` with an ASGI scope holding ``path`` exactly (no client normalisation)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path if raw_path is not None else path.encode("utf-8", "surrogateescape"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[Message] = []

    async def call() -> None:
        requested = False
        done = asyncio.Event()

        async def receive() -> Message:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()  # like a server: the client goes once the answer is complete
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                done.set()

        await app(scope, receive, send)

    asyncio.run(call())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers_out = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return RawResponse(int(start["status"]), headers_out, body)

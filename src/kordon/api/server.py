"""``ApiServer``: the HTTP API as a node service (uvicorn on the node's asyncio loop)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from kordon.api.app_type import KordonApi
from kordon.domain.errors import KordonError

logger = logging.getLogger(__name__)


class ApiServerError(KordonError):
    """The API could not listen (port in use, bad address, unreadable certificate)."""


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """A PEM certificate (chain) and its private key: the API is then served over HTTPS."""

    certfile: Path
    keyfile: Path


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening, non-blocking TCP socket whose connections send without delay.

    The protocol is named (``IPPROTO_TCP``, not left 0): asyncio sets ``TCP_NODELAY`` only
    on accepted sockets whose protocol says TCP, and without it every answer on a kept-alive
    connection, and every live-feed frame, waited about 40 ms for the peer's delayed ACK
    (Nagle's algorithm holding the second write back).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ApiServerError(f"cannot listen on {host}:{port}: {exc}") from exc
    sock.setblocking(False)
    return sock


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the node's composition root."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class ApiServer:
    """Serves a FastAPI app until stopped.

    For a :class:`KordonApi` it also writes the refused-attempt counts of each ended interval
    every ``flush_every_s`` and all pending counts at stop, so none is lost. Forwarded
    headers are never read by uvicorn itself: the app believes them only from its
    configured trusted proxies.
    """

    name = "api"

    def __init__(
        self,
        app: FastAPI | Callable[[], FastAPI],
        *,
        host: str,
        port: int,
        tls: TlsFiles | None = None,
        flush_every_s: float = 10.0,
    ) -> None:
        """``app`` may be a factory, called at start (when the services it needs exist)."""
        self._app = app
        self._host = host
        self._port = port
        self._tls = tls
        self._flush_every_s = flush_every_s
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._built: FastAPI | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self._tls is not None else "http"
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{scheme}://{host}:{self.port}"

    @property
    def app(self) -> FastAPI | None:
        """The served app, once started (built then when given as a factory)."""
        return self._built

    @property
    def port(self) -> int:
        """The bound port (useful when configured as 0 in tests)."""
        if self._socket is not None:
            return int(self._socket.getsockname()[1])
        return self._port

    async def start(self) -> None:
        sock = listening_socket(self._host, self._port)
        self._socket = sock
        app = self._app if isinstance(self._app, FastAPI) else self._app()
        self._built = app
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            proxy_headers=False,
            server_header=False,
            ssl_certfile=self._tls.certfile if self._tls is not None else None,
            ssl_keyfile=self._tls.keyfile if self._tls is not None else None,
        )
        try:
            config.load()
        except (OSError, ssl.SSLError) as exc:
            self._close_socket()
            tls = self._tls
            files = f"{tls.certfile}, {tls.keyfile}" if tls is not None else "-"
            raise ApiServerError(
                f"cannot load the TLS certificate and key ({files}): {exc}"
            ) from exc
        self._server = _QuietServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="api")
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise ApiServerError("API server exited during start-up")
            await asyncio.sleep(0.01)
        if isinstance(app, KordonApi):
            self._flusher = asyncio.create_task(self._flush_periodically(app), name="api-flush")
        logger.info("API listening on %s", self.url)

    async def _flush_periodically(self, app: KordonApi) -> None:
        while True:
            await asyncio.sleep(self._flush_every_s)
            await self._flush(app, everything=False)

    @staticmethod
    async def _flush(app: KordonApi, *, everything: bool) -> None:
        try:
            await asyncio.to_thread(app.flush_refusals, everything=everything)
        except KordonError as exc:
            logger.error("refused-attempt counts not written to the audit: %s", exc)

    async def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=3.0)
            except TimeoutError:
                self._task.cancel()
        if isinstance(self._built, KordonApi):
            await self._flush(self._built, everything=True)
        self._close_socket()

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

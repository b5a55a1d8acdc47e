"""``ApiServer``: the HTTP API as a node service (uvicorn on the node's asyncio loop)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Generator

import uvicorn
from fastapi import FastAPI

from kordon.domain.errors import KordonError

logger = logging.getLogger(__name__)


class ApiServerError(KordonError):
    """The API could not listen (port in use, bad address)."""


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the node's composition root."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class ApiServer:
    """Serves a FastAPI app until stopped."""

    name = "api"

    def __init__(self, app: FastAPI | Callable[[], FastAPI], *, host: str, port: int) -> None:
        """``app`` may be a factory, called at start (when the services it needs exist)."""
        self._app = app
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        """The bound port (useful when configured as 0 in tests)."""
        if self._socket is not None:
            return int(self._socket.getsockname()[1])
        return self._port

    async def start(self) -> None:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._port))
        except OSError as exc:
            sock.close()
            raise ApiServerError(f"cannot listen on {self._host}:{self._port}: {exc}") from exc
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        app = self._app if isinstance(self._app, FastAPI) else self._app()
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = _QuietServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="api")
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise ApiServerError("API server exited during start-up")
            await asyncio.sleep(0.01)
        logger.info("API listening on %s", self.url)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=3.0)
            except TimeoutError:
                self._task.cancel()
        if self._socket is not None:
            self._socket.close()
            self._socket = None

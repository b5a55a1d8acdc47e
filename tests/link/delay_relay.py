"""A TCP relay that holds back what flows towards the client for ``delay_s`` seconds.

Where the kernel has no ``tc netem`` (see :mod:`tests.link.netns`), the namespace fault
test puts this relay between the edge and the broker: it listens on the host end of the
veth pair and forwards each connection to the broker, and every chunk from the broker to
the edge leaves ``delay_s`` after it arrived (in order), which is what ``netem delay`` on
the host end does to each packet. ``delay_s`` may change at any time (0: no delay).
"""

from __future__ import annotations

import collections
import contextlib
import socket
import threading
import time
from collections.abc import Callable


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


class _DelayedPipe:
    """Copies ``src`` to ``dst``, each chunk ``delay()`` seconds after it was read."""

    def __init__(self, src: socket.socket, dst: socket.socket, delay: Callable[[], float]) -> None:
        self._src = src
        self._dst = dst
        self._delay = delay
        self._queue: collections.deque[tuple[float, bytes]] = collections.deque()
        self._cond = threading.Condition()
        self._eof = False
        self.threads = (
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._write, daemon=True),
        )
        for thread in self.threads:
            thread.start()

    def _read(self) -> None:
        while True:
            try:
                data = self._src.recv(65536)
            except OSError:
                data = b""
            with self._cond:
                if not data:
                    self._eof = True
                else:
                    self._queue.append((time.monotonic() + self._delay(), data))
                self._cond.notify()
            if not data:
                return

    def _write(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._eof:
                    self._cond.wait(0.5)
                if not self._queue:
                    break
                due, data = self._queue[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(min(wait, 0.5))
                    continue
                self._queue.popleft()
            try:
                self._dst.sendall(data)
            except OSError:
                break
        _close(self._src, self._dst)


class DelayRelay:
    """Forwards ``(host, <port>)`` to ``upstream`` until :meth:`close`."""

    def __init__(self, host: str, upstream: tuple[str, int]) -> None:
        self.delay_s = 0.0
        self._upstream = upstream
        self._listener = socket.create_server((host, 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._upstream, timeout=5.0)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
                self._threads += [
                    *_DelayedPipe(client, upstream, lambda: 0.0).threads,
                    *_DelayedPipe(upstream, client, lambda: self.delay_s).threads,
                ]

    def close(self) -> None:
        _close(self._listener)
        self._accepting.join(timeout=5)
        with self._lock:
            sockets, self._sockets = self._sockets, []
            threads, self._threads = self._threads, []
        _close(*sockets)
        for thread in threads:
            thread.join(timeout=5)

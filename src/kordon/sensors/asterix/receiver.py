"""``UdpReceiver``: datagrams from a UDP port (unicast or an IPv4 multicast group) on a thread.

Each datagram is handed to ``on_datagram`` on the receiver's own thread; an exception
there is logged and counted, and the receiver goes on. ``start`` binds (an error names
the address); ``stop`` ends the thread within ``poll_s`` and closes the socket.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

MAX_DATAGRAM = 65_535
RECEIVE_BUFFER_BYTES = 1 << 21


class UdpReceiver:
    """Receives datagrams on ``bind_address:port`` (joining ``multicast_group`` if given)."""

    def __init__(
        self,
        *,
        port: int,
        on_datagram: Callable[[bytes], object],
        bind_address: str = "0.0.0.0",
        multicast_group: str | None = None,
        name: str = "asterix-udp",
        poll_s: float = 0.2,
    ) -> None:
        if not 0 <= port <= 65_535:
            raise ValueError(f"port must be 0..65535, got {port}")
        if not poll_s > 0:
            raise ValueError(f"poll_s must be > 0, got {poll_s}")
        self.port = port
        self.bind_address = bind_address
        self.multicast_group = multicast_group
        self.name = name
        self._on_datagram = on_datagram
        self._poll_s = poll_s
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.received = 0
        self.handler_errors = 0

    @property
    def address(self) -> tuple[str, int]:
        """The bound address (the actual port when ``port`` was 0); after ``start``."""
        if self._socket is None:
            raise RuntimeError("receiver not started")
        host, port = self._socket.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Bind the socket and start the receiving thread."""
        if self._socket is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
            if self.multicast_group is not None:
                # bound to the group: datagrams of other groups on this port stay out
                sock.bind((self.multicast_group, self.port))
                membership = struct.pack(
                    "4s4s",
                    socket.inet_aton(self.multicast_group),
                    socket.inet_aton(self.bind_address),
                )
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            else:
                sock.bind((self.bind_address, self.port))
            sock.settimeout(self._poll_s)
        except OSError as exc:
            sock.close()
            where = self.multicast_group or self.bind_address
            raise OSError(
                exc.errno, f"{self.name}: cannot listen on udp {where}:{self.port}: {exc}"
            ) from exc
        self._socket = sock
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and close the socket."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()

    def _run(self) -> None:
        sock = self._socket
        assert sock is not None  # set before the thread starts
        while not self._stopping.is_set():
            try:
                data = sock.recv(MAX_DATAGRAM)
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                logger.exception("%s: receive failed", self.name)
                self._stopping.wait(self._poll_s)
                continue
            self.received += 1
            try:
                self._on_datagram(data)
            except Exception:
                self.handler_errors += 1
                logger.exception("%s: a datagram could not be handled", self.name)

"""The vehicle's side of the MAVLink mission upload, for tests and the demo.

:class:`MissionReceiver` answers a ground station's upload as an autopilot does and
:class:`MissionServer` serves it on a UDP port, so uploads are tested against a vehicle.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

from kordon.interop.missions.mavlink_items import item_of_message
from kordon.interop.missions.model import Mission, MissionItem
from kordon.sim.drone_telemetry import AUTOPILOT_COMPONENT
from kordon.sim.service_thread import ServiceThread


class MissionReceiver:
    """The vehicle side of the MAVLink mission upload (mission type 0), as an autopilot
    answers a ground station: ``MISSION_COUNT`` → it asks for item 0, 1, … with
    ``MISSION_REQUEST_INT`` (``MISSION_REQUEST`` when ``use_int`` is false), takes each
    ``MISSION_ITEM_INT`` in order, asks again for the item it still needs when a wrong or
    repeated one arrives, and ends with ``MISSION_ACK``: ``ACCEPTED`` (and the mission,
    item 0 as home, in :attr:`received`), or ``NO_SPACE`` for more than ``capacity``
    items. A repeated last item after the end is answered with the ack again (the ack was
    lost). A ``MISSION_ACK`` from the station cancels an upload in progress."""

    def __init__(
        self,
        system_id: int = 1,
        component_id: int = AUTOPILOT_COMPONENT,
        *,
        capacity: int = 700,
        use_int: bool = True,
    ) -> None:
        self._encoder = mav.MAVLink(None, srcSystem=system_id, srcComponent=component_id)
        self.system_id = system_id
        self.capacity = capacity
        self.use_int = use_int
        self._peer: tuple[int, int] = (0, 0)
        self._count = 0
        self._items: list[MissionItem] = []
        self._done_ack: bytes | None = None
        self._last_seq = -1
        self.received: Mission | None = None
        self.uploads = 0
        self.requests_sent = 0
        self.cancelled = 0

    def handle(self, msg: Any) -> list[bytes]:
        """The replies to one parsed message (pymavlink) from a ground station."""
        kind = msg.get_type()
        if getattr(msg, "target_system", self.system_id) not in (0, self.system_id):
            return []
        if getattr(msg, "mission_type", 0) != 0:
            return []
        peer = (int(msg.get_srcSystem()), int(msg.get_srcComponent()))
        if kind == "MISSION_COUNT":
            self._peer = peer
            self._count = int(msg.count)
            self._items = []
            self._done_ack = None
            if self._count > self.capacity:
                self._count = 0
                return [self._ack(mav.MAV_MISSION_NO_SPACE)]
            if self._count == 0:
                return [self._ack(mav.MAV_MISSION_ACCEPTED)]
            return [self._request(0)]
        if kind == "MISSION_ITEM_INT":
            seq = int(msg.seq)
            if self._done_ack is not None and seq == self._last_seq:
                return [self._done_ack]
            if self._count == 0:
                return []
            if seq != len(self._items):
                return [self._request(len(self._items))]
            self._items.append(item_of_message(msg))
            if len(self._items) < self._count:
                return [self._request(len(self._items))]
            home = self._items[0]
            self.received = Mission((home.lat, home.lon, home.alt_m), tuple(self._items[1:]))
            self.uploads += 1
            self._last_seq = self._count - 1
            self._count = 0
            self._done_ack = self._ack(mav.MAV_MISSION_ACCEPTED)
            return [self._done_ack]
        if kind == "MISSION_ACK" and self._count:
            self._count = 0
            self._items = []
            self.cancelled += 1
        return []

    def _request(self, seq: int) -> bytes:
        self.requests_sent += 1
        cls = (
            mav.MAVLink_mission_request_int_message
            if self.use_int
            else mav.MAVLink_mission_request_message
        )
        return bytes(cls(self._peer[0], self._peer[1], seq, 0).pack(self._encoder))

    def _ack(self, result: int) -> bytes:
        msg = mav.MAVLink_mission_ack_message(self._peer[0], self._peer[1], result, 0)
        return bytes(msg.pack(self._encoder))


class UplinkParser:
    """What a vehicle takes from a ground station's datagrams: the parsed MAVLink
    messages (pymavlink, robust parsing), without ``BAD_DATA``; a datagram it cannot
    parse gives none (a vehicle ignores it)."""

    def __init__(self) -> None:
        self._parser = mav.MAVLink(None)
        self._parser.robust_parsing = True

    def messages(self, data: bytes) -> list[Any]:
        try:
            parsed = self._parser.parse_buffer(data) or []
        except Exception:  # a vehicle ignores what it cannot parse
            return []
        return [msg for msg in parsed if msg.get_type() != "BAD_DATA"]


class MissionServer:
    """A :class:`MissionReceiver` on a UDP port of its own (a vehicle's MAVLink port):
    datagrams in, replies to their sender, on a thread from ``start`` to ``stop``."""

    def __init__(
        self, receiver: MissionReceiver, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.receiver = receiver
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, port))
        self._sock.settimeout(0.05)
        self._parser = UplinkParser()
        self._thread = ServiceThread(self._run, name="sim-mission-server")
        self.lock = threading.Lock()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._sock.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()
        self._sock.close()

    def _run(self) -> None:
        while not self._thread.stopping.is_set():
            try:
                data, sender = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            for msg in self._parser.messages(data):
                with self.lock:
                    replies = self.receiver.handle(msg)
                for reply in replies:
                    self._sock.sendto(reply, sender)

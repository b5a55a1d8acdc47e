"""The real Mosquitto broker for notifier tests: a watching client and a cuttable link.

``LinkProxy`` forwards TCP to the broker and can cut every connection (the broker sees
the socket die without an MQTT DISCONNECT: an unclean disconnect, so it publishes the
last will) and refuse new ones until restored (the broker is "away" for the notifier).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.requirements import require_or_skip

BROKER = ("127.0.0.1", 1883)
WAIT_S = 15.0


def require_broker() -> None:
    """Skip (fail in CI) unless the Mosquitto broker listens on 127.0.0.1:1883."""
    try:
        with socket.create_connection(BROKER, timeout=1.0):
            return
    except OSError as exc:
        require_or_skip(f"needs an MQTT broker (Mosquitto) on {BROKER[0]}:{BROKER[1]}: {exc}")


def unique_prefix() -> str:
    return f"kordon-test/{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True, slots=True)
class Received:
    topic: str
    payload: bytes
    retain: bool
    qos: int


class Watcher:
    """A second client subscribed to ``<prefix>/#``; collects what arrives."""

    def __init__(self, prefix: str, *, client_id: str | None = None) -> None:
        self.prefix = prefix
        self.messages: list[Received] = []
        self._cond = threading.Condition()
        self._subscribed = threading.Event()
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id or f"watcher-{uuid.uuid4().hex[:8]}",
        )
        self._client.on_connect = self._connected
        self._client.on_subscribe = self._on_subscribed
        self._client.on_message = self._received

    def __enter__(self) -> Watcher:
        self._client.connect(*BROKER)
        self._client.loop_start()
        if not self._subscribed.wait(WAIT_S):
            raise TimeoutError("watcher did not subscribe")
        return self

    def __exit__(self, *_exc: object) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _connected(self, client: mqtt.Client, *_args: Any) -> None:
        client.subscribe(f"{self.prefix}/#", qos=1)

    def _on_subscribed(self, *_args: Any) -> None:
        self._subscribed.set()

    def _received(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.messages.append(Received(msg.topic, bytes(msg.payload), msg.retain, msg.qos))
            self._cond.notify_all()

    def on(self, topic: str) -> list[Received]:
        with self._cond:
            return [m for m in self.messages if m.topic == f"{self.prefix}/{topic}"]

    def wait_for(self, check: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not check():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}; got {self.messages}")
                self._cond.wait(left)

    def payloads(self, topic: str) -> list[bytes]:
        return [m.payload for m in self.on(topic)]


def clear_retained(prefix: str, topics: list[str]) -> None:
    """Remove retained messages the test left on the shared broker."""
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
    client.connect(*BROKER)
    client.loop_start()
    for topic in topics:
        client.publish(f"{prefix}/{topic}", b"", qos=1, retain=True).wait_for_publish(WAIT_S)
    client.disconnect()
    client.loop_stop()


class LinkProxy:
    """TCP forwarder to the broker that a test can cut and restore."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._all: list[socket.socket] = []
        self._refusing = False
        self._closed = False
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> LinkProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._closed = True
        self.cut()
        self._server.close()
        self._thread.join(5.0)
        with self._lock:
            for s in self._all:
                s.close()

    def cut(self, *, refuse: bool = False) -> None:
        """Kill every forwarded socket; with ``refuse``, close new ones too."""
        with self._lock:
            self._refusing = refuse
            sockets, self._open = self._open, []
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        with self._lock:
            self._refusing = False

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                refusing = self._refusing
            if refusing:
                client.close()
                continue
            upstream = socket.create_connection(BROKER)
            with self._lock:
                self._open += [client, upstream]
                self._all += [client, upstream]
                self.accepted += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

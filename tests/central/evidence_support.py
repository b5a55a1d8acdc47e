"""Builders for the evidence-pull tests: files at an edge, an audit that keeps its records,
and a loop that carries messages between a puller and an edge server without a broker
(the end-to-end tests use the real broker)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import JsonValue

from kordon.link.evidence_server import EvidenceFile, EvidenceServer
from kordon.link.evidence_wire import EvidenceKind, ListedClip, Request, decode_request
from kordon.link.mqtt_link import BrokerEndpoint, MqttLink

EDGE = "edge-a"


def payload_bytes(size: int, seed: int = 1) -> bytes:
    """``size`` bytes that differ at every offset (so a misplaced chunk shows)."""
    blocks = (hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(size // 32 + 1))
    return b"".join(blocks)[:size]


@dataclass
class DictSource:
    """The edge's items: ``(kind, item id) -> (incident id, file)``."""

    items: dict[tuple[EvidenceKind, str], tuple[str | None, Path]] = field(default_factory=dict)
    listings: dict[str, list[ListedClip]] = field(default_factory=dict)
    located: int = 0

    def list_clips(self, incident_id: str) -> list[ListedClip] | None:
        return self.listings.get(incident_id)

    def add(self, kind: EvidenceKind, item_id: str, incident_id: str | None, path: Path) -> None:
        self.items[kind, item_id] = (incident_id, path)

    def locate(
        self, kind: EvidenceKind, item_id: str, incident_id: str | None
    ) -> EvidenceFile | None:
        self.located += 1
        found = self.items.get((kind, item_id))
        if found is None or (incident_id is not None and found[0] != incident_id):
            return None
        content_type = "video/mp4" if kind is EvidenceKind.CLIP else "application/zip"
        suffix = ".mp4" if kind is EvidenceKind.CLIP else ".zip"
        return EvidenceFile(found[1], content_type, f"{item_id}{suffix}")


@dataclass(frozen=True)
class AuditRecord:
    actor: str
    action: str
    subject: str
    outcome: str
    details: dict[str, JsonValue]


class KeptAudit:
    def __init__(self) -> None:
        self.records: list[AuditRecord] = []
        self._lock = threading.Lock()

    def record(  # noqa: PLR0917
        self,
        actor: str,
        action: str,
        subject: str,
        outcome: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None:
        del time
        with self._lock:
            self.records.append(AuditRecord(actor, action, subject, outcome, details))

    def outcomes(self) -> list[str]:
        with self._lock:
            return [r.outcome for r in self.records]


def fixed_now() -> datetime:
    return datetime(2026, 12, 5, 21, 0, tzinfo=UTC)


@dataclass
class Loop:
    """Carries the puller's requests to the edge server and its replies back, in order.
    ``lose`` decides, per reply, whether the link loses it (a cut)."""

    to_edge: list[tuple[str, bytes]] = field(default_factory=list)
    to_centre: list[tuple[str, bytes]] = field(default_factory=list)
    lose: Callable[[bytes], bool] = lambda _payload: False
    lost_bytes: int = 0

    def centre_publish(self, topic: str, payload: bytes) -> bool:
        self.to_edge.append((topic, payload))
        return True

    def edge_publish(self, topic: str, payload: bytes) -> bool:
        if self.lose(payload):
            self.lost_bytes += len(payload)
            return True  # published, then lost on the way
        self.to_centre.append((topic, payload))
        return True


class EdgeEndpoint:
    """An edge's evidence server on its own broker session, pumped by a thread (in a node,
    the outbox sender's client and thread do this). Keeps every request it receives."""

    def __init__(self, server: EvidenceServer, endpoint: BrokerEndpoint) -> None:
        self.server = server
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self.link = MqttLink(endpoint, [server.request_topic], on_message=self._on_message)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _on_message(self, _topic: str, payload: bytes) -> None:
        with self._lock:
            self.requests.append(decode_request(payload))
        self.server.handle(payload)

    def received(self) -> list[Request]:
        with self._lock:
            return list(self.requests)

    def start(self) -> None:
        self.link.start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            if self.link.connected.is_set():
                self.server.pump(self.link.publish)

    def abandon(self) -> None:
        """The link is cut (no DISCONNECT; what paho still held is lost)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.link.abandon()

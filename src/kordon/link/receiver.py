"""``LinkReceiver``: the centre's end of the link.

Subscribes to every edge's outbox topic (``<root>/+/outbox``) and, for each message:

1. refuses it unless its edge is configured, it is at most ``max_batch_bytes``, it parses
   as a batch (``kordon.link.batch``, strict, every payload too) and names the same edge
   as its topic: refusals are counted by reason, logged, and nothing is stored;
2. ingests it (:class:`~kordon.link.ingest.Ingestor`: idempotent, one transaction);
3. only then publishes the ack (batch id and every entry id) on ``<root>/<edge>/ack``.

A refused or failed batch gets no ack, so it stays in the edge's outbox.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kordon.link.batch import Ack, decode_batch, encode_ack
from kordon.link.errors import CodecError
from kordon.link.ingest import Ingestor
from kordon.link.mqtt_link import BrokerEndpoint, MqttLink
from kordon.link.topics import LinkTopics, check_edge_id
from kordon.store.errors import StoreError

logger = logging.getLogger(__name__)


class Refusal(StrEnum):
    UNKNOWN_EDGE = "unknown_edge"
    OVERSIZED = "oversized"
    MALFORMED = "malformed"
    WRONG_EDGE = "wrong_edge"
    STORE_FAILED = "store_failed"


@dataclass(frozen=True, slots=True)
class ReceiverSettings:
    edges: frozenset[str]
    """The edge ids allowed to deliver."""
    max_batch_bytes: int = 1_048_576

    def __post_init__(self) -> None:
        for edge in self.edges:
            check_edge_id(edge)
        if self.max_batch_bytes < 1:
            raise ValueError("max_batch_bytes must be >= 1")

    @classmethod
    def of(cls, edges: Collection[str], **options: int) -> ReceiverSettings:
        return cls(edges=frozenset(edges), **options)


@dataclass(frozen=True, slots=True)
class ReceiverCounts:
    batches: int
    new_entries: int
    duplicate_entries: int
    refused: dict[str, int]


class LinkReceiver:
    """Receives every configured edge's batches into the centre's store."""

    def __init__(
        self,
        ingestor: Ingestor,
        endpoint: BrokerEndpoint,
        settings: ReceiverSettings,
        *,
        clock: Callable[[], datetime],
        topics: LinkTopics | None = None,
    ) -> None:
        self._ingestor = ingestor
        self._settings = settings
        self._clock = clock
        self._topics = topics or LinkTopics()
        self._link = MqttLink(endpoint, [self._topics.all_outboxes], on_message=self.handle)
        self._lock = threading.Lock()
        self._batches = 0
        self._new = 0
        self._duplicates = 0
        self._refused: Counter[str] = Counter()

    @property
    def link(self) -> MqttLink:
        return self._link

    def start(self) -> None:
        self._link.start()

    def stop(self) -> None:
        self._link.stop()

    def counts(self) -> ReceiverCounts:
        with self._lock:
            return ReceiverCounts(self._batches, self._new, self._duplicates, dict(self._refused))

    def handle(self, topic: str, payload: bytes) -> Ack | None:
        """Check, ingest and acknowledge one message; ``None`` when it was refused."""
        edge = self._topics.edge_of_outbox(topic)
        if edge is None or edge not in self._settings.edges:
            self._refuse(Refusal.UNKNOWN_EDGE, topic, "edge not configured")
            return None
        if len(payload) > self._settings.max_batch_bytes:
            detail = f"{len(payload)} bytes > {self._settings.max_batch_bytes}"
            self._refuse(Refusal.OVERSIZED, topic, detail)
            return None
        try:
            batch = decode_batch(payload)
        except CodecError as exc:
            self._refuse(Refusal.MALFORMED, topic, str(exc))
            return None
        if batch.edge_id != edge:
            detail = f"batch says edge {batch.edge_id!r}"
            self._refuse(Refusal.WRONG_EDGE, topic, detail)
            return None
        try:
            result = self._ingestor.ingest(batch, time=self._clock())
        except StoreError as exc:
            self._refuse(Refusal.STORE_FAILED, topic, str(exc))
            return None
        ack = Ack(batch.batch_id, tuple(e.entry_id for e in batch.entries))
        with self._lock:
            self._batches += 1
            self._new += result.new
            self._duplicates += result.duplicates
        if not self._link.publish(self._topics.ack(edge), encode_ack(ack)):
            logger.warning(
                "link: ack of batch %s to %s not sent (it will come again)", ack.batch_id, edge
            )
        return ack

    def _refuse(self, why: Refusal, topic: str, detail: str) -> None:
        with self._lock:
            self._refused[why] += 1
        logger.warning("link: batch on %s refused (%s): %s", topic[:200], why, detail[:500])

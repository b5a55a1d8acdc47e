"""``OutboxSender``: drains the edge's outbox to the centre, deleting only what it acked.

Each :meth:`OutboxSender.pump` step (its own thread calls it after :meth:`start`; tests may
call it directly with a clock they drive):

1. while connected, batches whose ack did not come within ``ack_timeout_s`` are published
   again under the same batch id (the centre dedupes by entry id);
2. new batches are cut from the outbox (priority, then creation order; at most
   ``batch_entries`` entries and ``batch_bytes`` of payload, entries already in flight
   skipped) until ``max_in_flight`` batches wait for their ack.

An ack (batch id and entry ids, sent by the centre after its commit) deletes those entries
from the outbox, whichever batch or sender instance sent them: an ack reaching a sender
restarted from the same database (same client id, persistent session) still counts. On
reconnection every in-flight batch is published again at once.

With a :class:`~kordon.link.ledger_shipper.LedgerShipper`, the edge's evidence ledger
(audit entries) travels too, on its own topic, with the lowest priority: a run of the ledger
is cut only when the outbox has no new entry to send, one run at a time, resent under the
same batch id after ``ack_timeout_s`` or a reconnection; its ack moves the ledger cursor.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from kordon.link.batch import decode_ack, encode_batch
from kordon.link.errors import CodecError
from kordon.link.ledger_shipper import LedgerRun, LedgerShipper
from kordon.link.ledger_wire import decode_ledger_ack
from kordon.link.mqtt_link import BrokerEndpoint, MqttLink
from kordon.link.outbox import Outbox
from kordon.link.topics import LinkTopics, check_edge_id

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SenderSettings:
    edge_id: str
    batch_entries: int = 200
    batch_bytes: int = 256_000
    max_in_flight: int = 4
    ack_timeout_s: float = 10.0
    poll_s: float = 0.5
    """How often the sender's thread looks at the outbox when nothing wakes it."""

    def __post_init__(self) -> None:
        check_edge_id(self.edge_id)
        if self.batch_entries < 1 or self.batch_bytes < 1 or self.max_in_flight < 1:
            raise ValueError("batch_entries, batch_bytes and max_in_flight must be >= 1")
        if self.ack_timeout_s <= 0 or self.poll_s <= 0:
            raise ValueError("ack_timeout_s and poll_s must be > 0")


@dataclass(slots=True)
class _InFlight:
    entry_ids: frozenset[str]
    payload: bytes
    sent_at_s: float


@dataclass(frozen=True, slots=True)
class SenderCounts:
    batches_sent: int
    batches_resent: int
    entries_acked: int
    in_flight: int
    acks: int
    """Acks received and understood (whether or not their entries were still here)."""
    acks_refused: int
    ledger_batches_sent: int = 0
    ledger_acks: int = 0


class OutboxSender:
    """Sends one edge's outbox over ``endpoint``; ``clock`` is monotonic seconds."""

    def __init__(
        self,
        outbox: Outbox,
        endpoint: BrokerEndpoint,
        settings: SenderSettings,
        *,
        clock: Callable[[], float],
        topics: LinkTopics | None = None,
        ledger: LedgerShipper | None = None,
    ) -> None:
        self._outbox = outbox
        self._ledger = ledger
        self._settings = settings
        self._clock = clock
        self._topics = topics or LinkTopics()
        self._ack_topic = self._topics.ack(settings.edge_id)
        self._ledger_ack_topic = self._topics.ledger_ack(settings.edge_id)
        subscriptions = [self._ack_topic]
        if ledger is not None:
            subscriptions.append(self._ledger_ack_topic)
        self._link = MqttLink(
            endpoint, subscriptions, on_message=self._on_message, on_connected=self._on_connected
        )
        self._lock = threading.Lock()
        self._in_flight: dict[str, _InFlight] = {}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._sent = 0
        self._resent = 0
        self._acked = 0
        self._acks = 0
        self._acks_refused = 0
        self._ledger_run: LedgerRun | None = None
        self._ledger_sent_at_s = 0.0
        self._ledger_sent = 0
        self._ledger_acks = 0

    @property
    def link(self) -> MqttLink:
        return self._link

    def counts(self) -> SenderCounts:
        with self._lock:
            return SenderCounts(
                self._sent,
                self._resent,
                self._acked,
                len(self._in_flight),
                self._acks,
                self._acks_refused,
                self._ledger_sent,
                self._ledger_acks,
            )

    def start(self, *, background: bool = True) -> None:
        """Connect; with ``background``, a thread pumps until :meth:`stop`."""
        self._link.start()
        if background and self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._run, name=f"outbox-{self._settings.edge_id}", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop_thread()
        self._link.stop()

    def abandon(self) -> None:
        """Stop as a crash would: no DISCONNECT, in-flight batches forgotten, outbox intact."""
        self._stop_thread()
        self._link.abandon()

    def wake(self) -> None:
        """Ask the thread to look at the outbox now (after an append, say)."""
        self._wake.set()

    def _stop_thread(self) -> None:
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.pump()
            except Exception:  # the thread must outlive a bad moment; the next step retries
                logger.exception(
                    "outbox sender %s: reading the outbox failed", self._settings.edge_id
                )
            self._wake.wait(self._settings.poll_s)
            self._wake.clear()

    def pump(self) -> int:
        """One step (see the module docstring); returns how many batches it published."""
        if not self._link.connected.is_set():
            return 0
        published = self._resend_overdue()
        topic = self._topics.outbox(self._settings.edge_id)
        outbox_drained = False
        while True:
            with self._lock:
                if len(self._in_flight) >= self._settings.max_in_flight:
                    break
                busy = frozenset().union(*(b.entry_ids for b in self._in_flight.values()))
            entries = self._outbox.next_batch(
                self._settings.batch_entries, self._settings.batch_bytes, exclude=busy
            )
            if not entries:
                outbox_drained = True
                break
            batch_id = uuid.uuid4().hex
            payload = encode_batch(batch_id, self._settings.edge_id, entries)
            # Recorded before publishing: a fast centre's ack may come back at once.
            with self._lock:
                self._in_flight[batch_id] = _InFlight(
                    frozenset(e.entry_id for e in entries), payload, self._clock()
                )
            if not self._link.publish(topic, payload):
                with self._lock:
                    self._in_flight.pop(batch_id, None)
                break
            with self._lock:
                self._sent += 1
            published += 1
        if outbox_drained and self._ledger is not None:
            published += self._pump_ledger(self._ledger)
        return published

    def _pump_ledger(self, ledger: LedgerShipper) -> int:
        """Send the ledger run in flight again when overdue, or cut the next one."""
        now = self._clock()
        with self._lock:
            run = self._ledger_run
            if run is not None and now - self._ledger_sent_at_s < self._settings.ack_timeout_s:
                return 0
        if run is None:
            run = ledger.next_run()
            if run is None:
                return 0
        with self._lock:
            self._ledger_run = run
            self._ledger_sent_at_s = now
        if not self._link.publish(self._topics.ledger(self._settings.edge_id), run.payload):
            return 0
        with self._lock:
            self._ledger_sent += 1
        return 1

    def _resend_overdue(self) -> int:
        now = self._clock()
        topic = self._topics.outbox(self._settings.edge_id)
        with self._lock:
            overdue = [
                (batch_id, batch)
                for batch_id, batch in self._in_flight.items()
                if now - batch.sent_at_s >= self._settings.ack_timeout_s
            ]
        resent = 0
        for _batch_id, batch in overdue:
            if not self._link.publish(topic, batch.payload):
                break
            with self._lock:
                batch.sent_at_s = now
                self._resent += 1
            resent += 1
        return resent

    def _on_connected(self) -> None:
        with self._lock:
            for batch in self._in_flight.values():
                batch.sent_at_s = float("-inf")
            self._ledger_sent_at_s = float("-inf")
        self._wake.set()

    def _on_message(self, topic: str, payload: bytes) -> None:
        if topic == self._ledger_ack_topic:
            self._on_ledger_ack(payload)
        else:
            self._on_ack(topic, payload)

    def _on_ledger_ack(self, payload: bytes) -> None:
        ledger = self._ledger
        if ledger is None:
            return
        try:
            ack = decode_ledger_ack(payload)
        except CodecError as exc:
            logger.warning("outbox sender %s: ledger ack refused: %s", self._settings.edge_id, exc)
            with self._lock:
                self._acks_refused += 1
            return
        with self._lock:
            run = self._ledger_run
        if run is None or run.batch_id != ack.batch_id:
            return  # an ack of a run this sender no longer waits for: its next run repeats it
        try:
            ledger.acknowledged(ack)
        except Exception:  # the MQTT thread must outlive it; the run is sent again
            logger.exception(
                "outbox sender %s: moving the ledger cursor failed", self._settings.edge_id
            )
            return
        with self._lock:
            self._ledger_run = None
            self._ledger_acks += 1
        self._wake.set()

    def _on_ack(self, _topic: str, payload: bytes) -> None:
        try:
            ack = decode_ack(payload)
        except CodecError as exc:
            logger.warning("outbox sender %s: ack refused: %s", self._settings.edge_id, exc)
            with self._lock:
                self._acks_refused += 1
            return
        deleted = self._outbox.acknowledge(ack.entry_ids)
        with self._lock:
            self._in_flight.pop(ack.batch_id, None)
            self._acked += deleted
            self._acks += 1
        self._wake.set()

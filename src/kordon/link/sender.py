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

Every publication of a batch (a resend too) is stamped with the edge's clock (``sent_at``,
wire version 2), from which the centre measures the edge's clock offset.

**Budget.** With ``budget_bytes_s`` (:class:`~kordon.link.budget.ByteBudget`, a bucket of
``budget_burst_bytes``), only alarms leave whatever the budget: a batch is cut of the alarms
waiting alone when there are any, and of the other priorities only while the budget has
bytes left (at most that many, the first entry always). Every byte published is charged
(resends and ledger runs too), so alarms may take the link beyond its budget and the rest
then waits. The bytes and entries sent per priority are counted (:class:`SenderCounts`) and,
with a :class:`~kordon.link.backlog.BacklogHealth`, reported in the device status
``link-<edge>-outbox`` at the edge with the backlog's size and age (degraded past its
limits).

With a :class:`~kordon.link.track_thinning.TrackThinning`, the thinned fused-track updates
go on ``<root>/<edge>/tracks`` (``kordon.link.track_wire``, not acknowledged, not durable) at
the ``TRACK`` priority: after the alarms waiting, before health and audit entries, under the
budget.

With an :class:`~kordon.link.evidence_server.EvidenceServer`, the centre's requests for
clips and exports (``<root>/<edge>/evidence_req``) are answered on ``<root>/<edge>/evidence``
by the same client, after the outbox's entries, a bounded number of chunks a step, under the
budget like the priorities below the alarms: a message (manifest, chunk, refusal) leaves only
while the budget has bytes left, is charged, and is counted (``evidence_messages``,
``evidence_bytes``); one held back waits in the server for a later step.

With a :class:`~kordon.link.ledger_shipper.LedgerShipper`, the edge's evidence ledger
(audit entries) travels too, on its own topic, with the lowest priority: a run of the ledger
is cut only when the outbox has no new entry to send, one run at a time, resent under the
same batch id after ``ack_timeout_s`` or a reconnection; its ack moves the ledger cursor.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kordon.domain.live_track import LiveTrack
from kordon.link.backlog import BacklogHealth
from kordon.link.batch import decode_ack, encode_batch, entry_wire_bytes
from kordon.link.budget import ByteBudget
from kordon.link.errors import CodecError
from kordon.link.evidence_server import EvidenceServer
from kordon.link.kinds import Priority
from kordon.link.ledger_shipper import LedgerRun, LedgerShipper
from kordon.link.ledger_wire import decode_ledger_ack
from kordon.link.mqtt_link import BrokerEndpoint, MqttLink
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.link.sender_settings import SenderCounts, SenderSettings
from kordon.link.topics import LinkTopics
from kordon.link.track_thinning import TrackThinning
from kordon.link.track_wire import encode_tracks, track_bytes

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _InFlight:
    entry_ids: frozenset[str]
    entries: tuple[OutboxEntry, ...]
    sent_at_s: float


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
        now: Callable[[], datetime] = _utc_now,
        backlog: BacklogHealth | None = None,
        evidence: EvidenceServer | None = None,
        tracks: TrackThinning | None = None,
    ) -> None:
        """``clock``: monotonic seconds (timeouts, budget); ``now``: the edge's wall clock
        (``sent_at``)."""
        self._outbox = outbox
        self._now = now
        self._backlog = backlog
        self._tracks = tracks
        self._backlog_at_s = float("-inf")
        self._budget = (
            None
            if settings.budget_bytes_s is None
            else ByteBudget(settings.budget_bytes_s, settings.budget_burst_bytes, clock=clock)
        )
        self._wire_bytes = 0
        self._entries_by_priority: Counter[str] = Counter()
        self._bytes_by_priority: Counter[str] = Counter()
        self._budget_holds = 0
        self._evidence_messages = 0
        self._evidence_bytes = 0
        self._ledger = ledger
        self._evidence = evidence
        self._settings = settings
        self._clock = clock
        self._topics = topics or LinkTopics()
        self._ack_topic = self._topics.ack(settings.edge_id)
        self._ledger_ack_topic = self._topics.ledger_ack(settings.edge_id)
        subscriptions = [self._ack_topic]
        if ledger is not None:
            subscriptions.append(self._ledger_ack_topic)
        if evidence is not None:
            subscriptions.append(evidence.request_topic)
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
                self._wire_bytes,
                dict(self._entries_by_priority),
                dict(self._bytes_by_priority),
                self._budget_holds,
                self._evidence_messages,
                self._evidence_bytes,
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
        self._check_backlog()
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
            tracks_next = not entries or entries[0].priority > Priority.TRACK
            if self._tracks is not None and tracks_next and self._pump_tracks(self._tracks):
                published += 1
                continue
            if not entries:
                outbox_drained = True
                break
            if self._tracks is not None and self._tracks.waiting():
                # tracks waiting go before the health and audit entries behind the alarms
                entries = [e for e in entries if e.priority <= Priority.TRACK]
            entries = self._within_budget(entries)
            if not entries:
                break
            batch_id = uuid.uuid4().hex
            payload = self._encode(batch_id, entries)
            # Recorded before publishing: a fast centre's ack may come back at once.
            with self._lock:
                self._in_flight[batch_id] = _InFlight(
                    frozenset(e.entry_id for e in entries), tuple(entries), self._clock()
                )
            if not self._link.publish(topic, payload):
                with self._lock:
                    self._in_flight.pop(batch_id, None)
                break
            self._spent(payload, entries)
            published += 1
        budget_left = self._budget is None or self._budget.available() > 0
        if outbox_drained and self._ledger is not None and budget_left:
            published += self._pump_ledger(self._ledger)
        if outbox_drained and self._evidence is not None:
            # Clips and exports the centre pulls: after the outbox's entries, a bounded
            # number of chunks a step (kordon.link.evidence_server), each under the budget.
            published += self._evidence.pump(self._publish_evidence)
        return published

    def _publish_evidence(self, topic: str, payload: bytes) -> bool:
        """Publish one evidence reply if the budget has bytes left, and charge it; ``False``
        holds it back (the server keeps it for a later step, as when the link is down)."""
        if self._budget is not None and self._budget.available() <= 0:
            with self._lock:
                self._budget_holds += 1
            return False
        if not self._link.publish(topic, payload):
            return False
        if self._budget is not None:
            self._budget.charge(len(payload))
        with self._lock:
            self._wire_bytes += len(payload)
            self._evidence_messages += 1
            self._evidence_bytes += len(payload)
        return True

    def _pump_tracks(self, tracks: TrackThinning) -> bool:
        """Publish one message of the track updates waiting, within the budget."""
        available = float("inf") if self._budget is None else self._budget.available()
        if available <= 0:
            if tracks.waiting():
                with self._lock:
                    self._budget_holds += 1
            return False
        total = 0

        def fits(track: LiveTrack) -> bool:
            nonlocal total
            size = track_bytes(track)
            if total and total + size > available:
                return False
            total += size
            return True

        taken = tracks.take(self._settings.batch_entries, fits)
        if not taken:
            return False
        payload = encode_tracks(self._settings.edge_id, taken, sent_at=self._now())
        topic = f"{self._topics.root}/{self._settings.edge_id}/tracks"
        if not self._link.publish(topic, payload):
            return False  # not durable: these updates are gone (newer ones will come)
        if self._budget is not None:
            self._budget.charge(len(payload))
        with self._lock:
            self._wire_bytes += len(payload)
            self._entries_by_priority["track"] += len(taken)
            self._bytes_by_priority["track"] += len(payload)
        return True

    def _encode(self, batch_id: str, entries: Sequence[OutboxEntry]) -> bytes:
        return encode_batch(batch_id, self._settings.edge_id, entries, sent_at=self._now())

    def _within_budget(self, entries: list[OutboxEntry]) -> list[OutboxEntry]:
        """What of ``entries`` (priority order) may leave now: the alarms at their head,
        whatever the budget; else as many bytes as the budget has left (the first entry
        always, if it has any)."""
        budget = self._budget
        if budget is None:
            return entries
        alarms = 0
        while alarms < len(entries) and entries[alarms].priority == Priority.ALARM:
            alarms += 1
        if alarms:
            return entries[:alarms]
        available = budget.available()
        taken = 0
        total = 0
        while available > 0 and taken < len(entries):
            total += entry_wire_bytes(entries[taken])
            if taken and total > available:
                break
            taken += 1
        if taken < len(entries):
            with self._lock:
                self._budget_holds += 1
        return entries[:taken]

    def _spent(self, payload: bytes, entries: Sequence[OutboxEntry] | None) -> None:
        """``payload`` was published (``entries``: a first send of those entries)."""
        if self._budget is not None:
            self._budget.charge(len(payload))
        with self._lock:
            self._wire_bytes += len(payload)
            if entries is None:
                return
            self._sent += 1
            for entry in entries:
                name = entry.priority.name.lower()
                self._entries_by_priority[name] += 1
                self._bytes_by_priority[name] += entry_wire_bytes(entry)

    def _check_backlog(self) -> None:
        backlog = self._backlog
        if backlog is None:
            return
        now = self._clock()
        if now - self._backlog_at_s < backlog.limits.check_s:
            return
        self._backlog_at_s = now
        backlog.check(self.counts().figures())

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
        self._spent(run.payload, None)
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
        for batch_id, batch in overdue:
            payload = self._encode(batch_id, batch.entries)  # stamped anew: sent_at is now
            if not self._link.publish(topic, payload):
                break
            self._spent(payload, None)
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
        elif self._evidence is not None and topic == self._evidence.request_topic:
            self._evidence.handle(payload)  # parsed and queued only: pump() answers
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

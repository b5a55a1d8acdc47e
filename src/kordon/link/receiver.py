"""``LinkReceiver``: the centre's end of the link.

Subscribes to every edge's outbox topic (``<root>/+/outbox``) and, for each message:

1. refuses it unless its edge is configured (and not revoked), it is at most
   ``max_batch_bytes``, it parses as a batch (``kordon.link.batch``, strict, every payload
   too), it names the same edge as its topic and none of its entries was created more than
   ``max_clock_ahead_s`` after the centre's own clock (once corrected, below):
   refusals are counted by reason, logged, and nothing is stored;
2. ingests it (:class:`~kordon.link.ingest.Ingestor`: idempotent, one transaction);
3. only then publishes the ack (batch id and every entry id) on ``<root>/<edge>/ack``.

A refused or failed batch gets no ack, so it stays in the edge's outbox.

**Edge clocks.** A batch of wire version 2 carries ``sent_at`` (the edge's clock at
publication); :class:`~kordon.link.clock_offset.ClockOffsets` estimates each edge's offset
from it, and when that is beyond ``ReceiverSettings.clock.threshold_s`` the batch's times are
moved by it before the checks and the store (``kordon.link.clock_fix``: the edge's own time
kept beside). Each change of the correction is logged once and handed to ``on_clock`` (the
link's health). A version 1 batch (no ``sent_at``) is taken as it is, and refused as
``clock_ahead`` when ahead, as before.

Messages from the broker are checked and decoded on the MQTT network thread and handed
through a bounded queue (``queue_batches``; when it is full the network thread waits,
which is the backpressure) to one store thread. The store thread writes every batch
waiting, up to ``group_entries`` entries, in **one** transaction, then acks each: decoding
and the database overlap, and a busy centre commits far less often than once per batch.
When such a group fails, its batches are written again one by one, so one bad batch
never holds back the others. :meth:`LinkReceiver.handle` does the same for one message,
synchronously, for callers without a broker.

With a :class:`~kordon.link.ledger_ingest.LedgerIngestor`, the receiver also takes every
edge's evidence ledger on ``<root>/+/ledger`` (``kordon.link.ledger_wire``): the same edge,
size and clock checks, then the ledger's own (gap, rewrite, root, key), one batch per
transaction on the store thread, acked on ``<root>/<edge>/ledger_ack`` with the centre's
size. A gap is answered with that size too (the edge goes back to it), nothing stored.

With ``on_tracks``, the receiver also takes every edge's thinned track updates on
``<root>/+/tracks`` (``kordon.link.track_wire``: not stored, not acknowledged), checked like
a batch (edge, size, strict parsing, the topic's edge), their times corrected by the edge's
measured clock offset, and hands them to ``on_tracks`` on the MQTT network thread.

Hooks: ``on_stored`` gets what each committed batch added (new events, device statuses,
incidents created or advanced), after the commit, for the live feed; ``on_refused`` gets
every refusal (edge id only when it is a configured one, the reason, the detail), for a
health event. Both run on the receiver's threads and must not block.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from kordon.domain.live_track import LiveTrack
from kordon.link.batch import Ack, Batch, decode_batch, encode_ack
from kordon.link.clock_fix import shift_batch
from kordon.link.clock_offset import ClockOffsets
from kordon.link.errors import CodecError
from kordon.link.ingest import Ingestor, IngestResult
from kordon.link.kinds import Shipped
from kordon.link.ledger_ingest import LedgerIngestor, LedgerRefusedError
from kordon.link.ledger_wire import LedgerAck, LedgerBatch, decode_ledger_batch, encode_ledger_ack
from kordon.link.mqtt_link import BrokerEndpoint, MqttLink
from kordon.link.receiver_settings import (
    ClockHook,
    ReceiverCounts,
    ReceiverSettings,
    Refusal,
    RefusedHook,
    StoredHook,
    TracksHook,
)
from kordon.link.topics import LinkTopics
from kordon.link.track_wire import decode_tracks
from kordon.store.errors import InvalidInputError, StoreError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Accepted:
    topic: str
    edge: str
    batch: Batch


@dataclass(frozen=True, slots=True)
class _LedgerAccepted:
    topic: str
    edge: str
    batch: LedgerBatch


_STOP = object()


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
        ledger: LedgerIngestor | None = None,
        on_stored: StoredHook | None = None,
        on_refused: RefusedHook | None = None,
        on_clock: ClockHook | None = None,
        on_tracks: TracksHook | None = None,
    ) -> None:
        self._ingestor = ingestor
        self._on_tracks = on_tracks
        self._on_clock = on_clock
        self._offsets = ClockOffsets(settings.clock)
        self._ledger = ledger
        self._on_stored = on_stored
        self._on_refused = on_refused
        self._settings = settings
        self._clock = clock
        self._topics = topics or LinkTopics()
        subscriptions = [self._topics.all_outboxes]
        if ledger is not None:
            subscriptions.append(self._topics.all_ledgers)
        if on_tracks is not None:
            subscriptions.append(f"{self._topics.root}/+/tracks")
        self._link = MqttLink(endpoint, subscriptions, on_message=self._received)
        self._lock = threading.Lock()
        self._queue: queue.Queue[object] = queue.Queue(settings.queue_batches)
        self._worker: threading.Thread | None = None
        self._batches = 0
        self._new = 0
        self._duplicates = 0
        self._transactions = 0
        self._refused: Counter[str] = Counter()
        self._ledger_batches = 0
        self._ledger_entries = 0

    @property
    def link(self) -> MqttLink:
        return self._link

    @property
    def settings(self) -> ReceiverSettings:
        return self._settings

    def clock_offset(self, edge: str) -> float:
        """Seconds added to ``edge``'s times now (0: its clock is right, or unmeasured)."""
        return self._offsets.applied(edge)

    def start(self) -> None:
        if self._worker is None:
            self._worker = threading.Thread(
                target=self._store_loop, name="link-receiver-store", daemon=True
            )
            self._worker.start()
        self._link.start()

    def stop(self) -> None:
        """Disconnect, then let the store thread write what is queued (acks may not go:
        those batches come again and are deduplicated)."""
        self._link.stop()
        worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(_STOP)
            worker.join()

    def counts(self) -> ReceiverCounts:
        with self._lock:
            return ReceiverCounts(
                self._batches,
                self._new,
                self._duplicates,
                dict(self._refused),
                self._transactions,
                self._ledger_batches,
                self._ledger_entries,
            )

    def handle(self, topic: str, payload: bytes) -> Ack | None:
        """Check, ingest and acknowledge one message now; ``None`` when it was refused."""
        accepted = self._check(topic, payload)
        if accepted is None:
            return None
        return self._store_one(accepted)

    def handle_many(self, messages: Sequence[tuple[str, bytes]]) -> list[Ack | None]:
        """Check ``(topic, payload)`` messages and store those accepted in one transaction
        (one by one if it fails), as the store thread does; an ack or ``None`` for each."""
        checked = [self._check(topic, payload) for topic, payload in messages]
        group = [accepted for accepted in checked if accepted is not None]
        stored = iter(self._store_group(group))
        return [None if accepted is None else next(stored) for accepted in checked]

    def handle_ledger(self, topic: str, payload: bytes) -> LedgerAck | None:
        """Check, ingest and acknowledge one ledger message now; the ack sent, or ``None``
        when refused without one. A gap is refused *with* an ack: the centre's size, below
        the batch's start (the edge goes back there); nothing of the batch is stored."""
        accepted = self._check_ledger(topic, payload)
        if accepted is None:
            return None
        return self._store_ledger(accepted)

    def handle_tracks(self, topic: str, payload: bytes) -> list[LiveTrack] | None:
        """Check a track message and hand its updates to ``on_tracks``; ``None`` when
        refused."""
        edge = self._check_edge(self._edge_of_tracks(topic), topic, payload)
        if edge is None:
            return None
        try:
            batch = decode_tracks(payload)
        except CodecError as exc:
            self._refuse(Refusal.MALFORMED, topic, str(exc), edge=edge)
            return None
        if batch.edge_id != edge:
            detail = f"track message says edge {batch.edge_id!r}"
            self._refuse(Refusal.WRONG_EDGE, topic, detail, edge=edge)
            return None
        offset = timedelta(seconds=self._offsets.applied(edge))
        try:
            tracks = [replace(t, time=t.time + offset) for t in batch.tracks]
        except OverflowError as exc:
            self._refuse(Refusal.MALFORMED, topic, f"track time: {exc}", edge=edge)
            return None
        if self._on_tracks is not None:
            try:
                self._on_tracks(edge, tracks)
            except Exception:  # a failing listener must not stop the link
                logger.exception("link: a listener of %s's track updates failed", edge)
        return tracks

    def _edge_of_tracks(self, topic: str) -> str | None:
        prefix, suffix = f"{self._topics.root}/", "/tracks"
        if not (topic.startswith(prefix) and topic.endswith(suffix)):
            return None
        edge = topic[len(prefix) : -len(suffix)]
        return edge if edge and "/" not in edge else None

    def _received(self, topic: str, payload: bytes) -> None:
        accepted: _Accepted | _LedgerAccepted | None
        if self._on_tracks is not None and self._edge_of_tracks(topic) is not None:
            self.handle_tracks(topic, payload)
            return
        if self._ledger is not None and self._topics.edge_of_ledger(topic) is not None:
            accepted = self._check_ledger(topic, payload)
        else:
            accepted = self._check(topic, payload)
        if accepted is not None:
            self._queue.put(accepted)  # blocks while full: backpressure on the broker link

    def _check_edge(self, edge: str | None, topic: str, payload: bytes) -> str | None:
        if edge is not None and edge in self._settings.revoked:
            self._refuse(Refusal.REVOKED_EDGE, topic, "edge credentials revoked", edge=edge)
            return None
        if edge is None or edge not in self._settings.edges:
            self._refuse(Refusal.UNKNOWN_EDGE, topic, "edge not configured")
            return None
        if len(payload) > self._settings.max_batch_bytes:
            detail = f"{len(payload)} bytes > {self._settings.max_batch_bytes}"
            self._refuse(Refusal.OVERSIZED, topic, detail, edge=edge)
            return None
        return edge

    def _clock_ahead(self, latest: datetime, what: str) -> str | None:
        now = self._clock()
        if latest - now <= timedelta(seconds=self._settings.max_clock_ahead_s):
            return None
        ahead = (latest - now).total_seconds()
        return (
            f"{what}: an entry was created {ahead:.0f} s after the "
            f"centre's clock (limit {self._settings.max_clock_ahead_s:g} s); the edge's "
            "clock runs ahead, fix its time (the batch stays in its outbox)"
        )

    def _check(self, topic: str, payload: bytes) -> _Accepted | None:
        edge = self._check_edge(self._topics.edge_of_outbox(topic), topic, payload)
        if edge is None:
            return None
        try:
            batch = decode_batch(payload)
        except CodecError as exc:
            self._refuse(Refusal.MALFORMED, topic, str(exc), edge=edge)
            return None
        if batch.edge_id != edge:
            detail = f"batch says edge {batch.edge_id!r}"
            self._refuse(Refusal.WRONG_EDGE, topic, detail, edge=edge)
            return None
        if batch.sent_at is not None:
            try:
                batch = self._correct(edge, batch)
            except CodecError as exc:
                self._refuse(Refusal.MALFORMED, topic, str(exc), edge=edge)
                return None
        latest = max(e.created_at for e in batch.entries)
        ahead = self._clock_ahead(latest, f"batch {batch.batch_id}")
        if ahead is not None:
            self._refuse(Refusal.CLOCK_AHEAD, topic, ahead, edge=edge)
            return None
        return _Accepted(topic, edge, batch)

    def _correct(self, edge: str, batch: Batch) -> Batch:
        """``batch`` with ``edge``'s measured clock offset corrected, if beyond the threshold."""
        assert batch.sent_at is not None
        decision = self._offsets.observe(edge, batch.batch_id, batch.sent_at, self._clock())
        if decision.changed:
            self._clock_changed(edge, decision.applied_s, decision.estimate_s)
        return shift_batch(batch, decision.applied_s)

    def _clock_changed(self, edge: str, applied_s: float, estimate_s: float | None) -> None:
        if applied_s == 0.0:
            text = (
                f"edge {edge}'s clock agrees with the centre's again (measured "
                f"{estimate_s or 0.0:+.1f} s): its times are no longer corrected"
            )
            logger.info("link: %s", text)
        else:
            way = "behind" if applied_s > 0 else "ahead of"
            text = (
                f"edge {edge}'s clock is {abs(applied_s):.1f} s {way} the centre's "
                f"(limit {self._settings.clock.threshold_s:g} s): its times are corrected by "
                f"{applied_s:+.1f} s (the edge's own time kept beside); fix the "
                "edge's time (NTP)"
            )
            logger.warning("link: %s", text)
        if self._on_clock is not None:
            try:
                self._on_clock(edge, applied_s, text)
            except Exception:  # the correction stands; the health event is what failed
                logger.exception("link: reporting %s's clock offset failed", edge)

    def _check_ledger(self, topic: str, payload: bytes) -> _LedgerAccepted | None:
        edge = self._check_edge(self._topics.edge_of_ledger(topic), topic, payload)
        if edge is None:
            return None
        try:
            batch = decode_ledger_batch(payload)
        except CodecError as exc:
            self._refuse(Refusal.MALFORMED, topic, f"ledger batch: {exc}", edge=edge)
            return None
        if batch.edge_id != edge:
            detail = f"ledger batch says edge {batch.edge_id!r}"
            self._refuse(Refusal.WRONG_EDGE, topic, detail, edge=edge)
            return None
        times = [e.entry.time for e in batch.entries if e.entry is not None]
        times += [h.time for h in batch.heads]
        # Ledger entries are signed as they are: never moved, but checked on the measured
        # clock of their edge (an edge known to run ahead is not refused for it).
        offset = timedelta(seconds=self._offsets.applied(edge))
        try:
            latest = None if not times else max(times) + offset
        except OverflowError:
            latest = max(times)  # an offset that leaves the calendar: checked unmoved
        ahead = (
            None if latest is None else self._clock_ahead(latest, f"ledger batch {batch.batch_id}")
        )
        if ahead is not None:
            self._refuse(Refusal.CLOCK_AHEAD, topic, ahead, edge=edge)
            return None
        return _LedgerAccepted(topic, edge, batch)

    def _store_ledger(self, accepted: _LedgerAccepted) -> LedgerAck | None:
        assert self._ledger is not None  # only accepted when a ledger ingestor is set
        batch = accepted.batch
        try:
            result = self._ledger.ingest(batch, time=self._clock())
        except LedgerRefusedError as exc:
            self._refuse(Refusal(str(exc.problem)), accepted.topic, exc.detail, edge=accepted.edge)
            if exc.centre_size >= batch.start:
                return None
            rewind = LedgerAck(batch.batch_id, exc.centre_size)  # a gap: where to resume
            self._publish_ledger_ack(accepted.edge, rewind)
            return rewind
        except StoreError as exc:
            self._refuse(Refusal.STORE_FAILED, accepted.topic, str(exc), edge=accepted.edge)
            return None
        with self._lock:
            self._ledger_batches += 1
            self._ledger_entries += result.new
        ack = LedgerAck(batch.batch_id, result.size)
        self._publish_ledger_ack(accepted.edge, ack)
        if self._on_stored is not None:
            self._notify_stored(accepted.edge, ())  # nothing for the live feed; health
        return ack

    def _publish_ledger_ack(self, edge: str, ack: LedgerAck) -> None:
        if not self._link.publish(self._topics.ledger_ack(edge), encode_ledger_ack(ack)):
            logger.warning(
                "link: ledger ack of batch %s to %s not sent (it will come again)",
                ack.batch_id,
                edge,
            )

    def _store_loop(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if isinstance(item, _LedgerAccepted):
                self._store_ledger_safely(item)
                continue
            if not isinstance(item, _Accepted):
                break
            group = [item]
            ledger: _LedgerAccepted | None = None
            size = len(item.batch.entries)
            while size < self._settings.group_entries:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(more, _LedgerAccepted):
                    ledger = more  # written after this group, keeping the arrival order
                    break
                if not isinstance(more, _Accepted):
                    stopping = True
                    break
                group.append(more)
                size += len(more.batch.entries)
            try:
                self._store_group(group)
            except Exception:  # the store thread must outlive any one failure
                logger.exception("link: storing %d batches failed", len(group))
            if ledger is not None:
                self._store_ledger_safely(ledger)

    def _store_ledger_safely(self, accepted: _LedgerAccepted) -> None:
        try:
            self._store_ledger(accepted)
        except Exception:  # the store thread must outlive any one failure
            logger.exception("link: storing a ledger batch of %s failed", accepted.edge)

    def _store_group(self, group: Sequence[_Accepted]) -> list[Ack | None]:
        """Store ``group`` in one transaction, else one by one; an ack or ``None`` each."""
        if len(group) <= 1:
            return [self._store_one(accepted) for accepted in group]
        try:
            results = self._ingestor.ingest_many([a.batch for a in group], time=self._clock())
        except StoreError as exc:
            logger.warning(
                "link: a transaction of %d batches failed (%s); writing them one by one",
                len(group),
                str(exc)[:300],
            )
            return [self._store_one(accepted) for accepted in group]
        return list(self._committed(group, results))

    def _store_one(self, accepted: _Accepted) -> Ack | None:
        try:
            [result] = self._ingestor.ingest_many([accepted.batch], time=self._clock())
        except InvalidInputError as exc:
            self._refuse(Refusal.MALFORMED, accepted.topic, str(exc), edge=accepted.edge)
            return None
        except StoreError as exc:
            self._refuse(Refusal.STORE_FAILED, accepted.topic, str(exc), edge=accepted.edge)
            return None
        [ack] = self._committed([accepted], [result])
        return ack

    def _committed(self, group: Sequence[_Accepted], results: Sequence[IngestResult]) -> list[Ack]:
        with self._lock:
            self._transactions += 1
            for result in results:
                self._batches += 1
                self._new += result.new
                self._duplicates += result.duplicates
        acks = []
        for accepted in group:
            batch = accepted.batch
            ack = Ack(batch.batch_id, tuple(e.entry_id for e in batch.entries))
            if not self._link.publish(self._topics.ack(accepted.edge), encode_ack(ack)):
                logger.warning(
                    "link: ack of batch %s to %s not sent (it will come again)",
                    ack.batch_id,
                    accepted.edge,
                )
            acks.append(ack)
        if self._on_stored is not None:
            for accepted, result in zip(group, results, strict=True):
                if result.stored:
                    self._notify_stored(accepted.edge, result.stored)
        return acks

    def _notify_stored(self, edge: str, items: Sequence[Shipped]) -> None:
        assert self._on_stored is not None
        try:
            self._on_stored(edge, items)
        except Exception:  # stored and acked already: a failing listener changes nothing
            logger.exception("link: a listener of %s's stored batch failed", edge)

    def _refuse(self, why: Refusal, topic: str, detail: str, *, edge: str | None = None) -> None:
        with self._lock:
            self._refused[why] += 1
        logger.warning("link: batch on %s refused (%s): %s", topic[:200], why, detail[:500])
        if self._on_refused is not None:
            try:
                self._on_refused(edge, why, detail)
            except Exception:  # the refusal stands; the health event is what failed
                logger.exception("link: reporting a refusal (%s) failed", why)

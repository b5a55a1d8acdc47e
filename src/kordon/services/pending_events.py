"""``PendingEvents``: events whose store write failed wait in memory and are written again.

A full disk or a database that is briefly unreachable answers ``StoreError``; such an event
is queued instead of dropped, and :meth:`PendingEvents.flush` (a periodic job, and every new
event) writes the queue in arrival order once the store answers again. Ingesting is
idempotent by event id, so writing one twice changes nothing. Errors that say the event
itself is wrong (``InvalidInputError``) are not retried. The queue is bounded: past
``max_pending`` the oldest waiting event is dropped, logged and counted.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kordon.domain.event import Event
from kordon.store.errors import InvalidInputError, StoreError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PendingStats:
    pending: int
    retried: int
    """Events written after waiting."""
    dropped: int
    """Events lost: the queue was full, or a waiting event turned out unstorable."""


class PendingEvents:
    """Wraps an ``ingest`` callable; :meth:`submit` is its drop-in replacement."""

    def __init__(self, ingest: Callable[[Event], None], *, max_pending: int = 10_000) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be >= 1, got {max_pending}")
        self._ingest = ingest
        self._max = max_pending
        self._queue: deque[Event] = deque()
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._retried = 0
        self._dropped = 0

    @property
    def stats(self) -> PendingStats:
        with self._lock:
            return PendingStats(len(self._queue), self._retried, self._dropped)

    def submit(self, event: Event) -> None:
        """Ingest ``event`` now, or queue it when the store cannot take it.

        Raises what ``ingest`` raises for anything but a transient store failure.
        """
        with self._lock:
            waiting = bool(self._queue)
            if waiting:  # keep arrival order: it goes behind those already waiting
                self._enqueue(event)
        if waiting:
            self.flush()
            return
        try:
            self._ingest(event)
        except InvalidInputError:
            raise
        except StoreError as exc:
            with self._lock:
                self._enqueue(event)
                count = len(self._queue)
            logger.warning("event %s queued (%d waiting): %s", event.id, count, exc)

    def flush(self) -> int:
        """Write the waiting events, oldest first, until the store fails again; returns how
        many were written. Another thread already flushing makes this a no-op."""
        if not self._flushing.acquire(blocking=False):
            return 0
        written = 0
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        break
                    event = self._queue[0]
                ok = False
                try:
                    self._ingest(event)
                    ok = True
                except InvalidInputError as exc:
                    logger.error("queued event %s dropped: %s", event.id, exc)
                except StoreError as exc:
                    logger.warning("queued events still waiting: %s", exc)
                    break
                except Exception:  # not a store outage: retrying would block the queue
                    logger.exception("queued event %s dropped", event.id)
                with self._lock:
                    if self._queue and self._queue[0] is event:
                        self._queue.popleft()
                    if ok:
                        written += 1
                        self._retried += 1
                    else:
                        self._dropped += 1
        finally:
            self._flushing.release()
        if written:
            logger.info("%d queued event(s) written", written)
        return written

    def _enqueue(self, event: Event) -> None:
        if len(self._queue) >= self._max:
            lost = self._queue.popleft()
            self._dropped += 1
            logger.error(
                "event queue full (%d): oldest event %s dropped (%d so far)",
                self._max,
                lost.id,
                self._dropped,
            )
        self._queue.append(event)

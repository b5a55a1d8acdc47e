"""One writer at a time on a SQLite database: a queue in front of ``BEGIN IMMEDIATE``.

SQLite lets one connection write at a time. A *deferred* transaction that reads and then
writes fails at once with "database is locked" when another connection committed after
its first read: its snapshot is stale, so SQLite does not wait (the busy timeout is not
consulted) and the whole transaction is lost. A FastAPI thread pool hits this as soon as
two operators act at once.

So every transaction of a SQLite engine starts with ``BEGIN IMMEDIATE``: it takes the
write lock before its first read, and a busy database makes it *wait* (up to the busy
timeout) instead of failing half-way. Threads of this process queue for that lock in
arrival order on a :class:`WriterQueue` (one per engine, so one per ``Store``) instead of
polling SQLite's busy handler, which sleeps up to 100 ms between tries and is unfair
under load. Other processes (the ``kordon`` CLI next to a running node) still meet the
busy timeout. Transactions stay short: each repository call is one.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

from sqlalchemy import Engine, event

from kordon.store.errors import StoreError

logger = logging.getLogger(__name__)

_HOLDS_QUEUE = "kordon_holds_writer_queue"
"""Key in a connection's ``info``: set while that connection holds the engine's queue."""


class WriterQueue:
    """A first-come, first-served lock with a bounded wait.

    Unlike ``threading.Lock`` it hands the lock to the longest waiter on release, so a
    thread that writes in a tight loop cannot starve the others.
    """

    def __init__(self, timeout_s: float) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        self._timeout_s = timeout_s
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()

    @property
    def timeout_s(self) -> float:
        return self._timeout_s

    @property
    def waiting(self) -> int:
        """How many threads wait for the lock now."""
        with self._mutex:
            return len(self._waiters)

    def acquire(self) -> bool:
        """Wait for the lock, at most ``timeout_s``; ``False`` when it did not come."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=self._timeout_s):
            return True  # release() handed the lock over to us
        with self._mutex:
            try:
                self._waiters.remove(turn)
            except ValueError:
                return True  # handed over just as the wait timed out: it is ours
            return False

    def release(self) -> None:
        """Give the lock to the longest waiter, or free it."""
        with self._mutex:
            if not self._held:
                raise RuntimeError("WriterQueue.release() without acquire()")
            if self._waiters:
                self._waiters.popleft().release()  # stays held, by the next in line
            else:
                self._held = False


def serialize_sqlite_writers(engine: Engine, queue: WriterQueue) -> None:
    """Make every transaction on ``engine`` queue on ``queue``, then ``BEGIN IMMEDIATE``.

    The queue is held from ``BEGIN`` until ``COMMIT`` or ``ROLLBACK`` (or, should a
    connection go back to the pool with its transaction still open, until then).
    """

    def begin(connection: Any) -> None:
        if not queue.acquire():
            raise StoreError(
                f"database {connection.engine.url.database} is busy: another writer in this "
                f"process held it for more than {queue.timeout_s:g} s"
            )
        connection.info[_HOLDS_QUEUE] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection.info)
            raise

    def end(connection: Any) -> None:
        _release(connection.info)

    def checkin(_dbapi_connection: object, record: Any) -> None:
        if _release(record.info):
            logger.warning("a connection went back to the pool inside a transaction")

    def _release(info: dict[Any, Any]) -> bool:
        if info.pop(_HOLDS_QUEUE, False):
            queue.release()
            return True
        return False

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    event.listen(engine, "checkin", checkin)

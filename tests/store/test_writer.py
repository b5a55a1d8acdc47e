"""The SQLite writer queue: first come, first served, bounded waits, BEGIN IMMEDIATE."""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kordon.store import create_engine_for, sqlite_url
from kordon.store.writer import WriterQueue

WAIT_LIMIT_S = 30.0


def _wait_until(condition: Callable[[], bool]) -> None:
    """Yield to other threads until ``condition`` holds (a deadline, not a sleep)."""
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not reached within {WAIT_LIMIT_S} s")
        time.sleep(0)


class BoomError(Exception):
    pass


def test_release_hands_the_lock_to_waiters_in_arrival_order() -> None:
    queue = WriterQueue(timeout_s=WAIT_LIMIT_S)
    order: list[str] = []

    def take(name: str) -> None:
        assert queue.acquire()
        order.append(name)
        queue.release()

    assert queue.acquire()
    threads: list[threading.Thread] = []
    for name in ("first", "second", "third"):
        thread = threading.Thread(target=take, args=(name,))
        thread.start()
        threads.append(thread)
        _wait_until(lambda: queue.waiting == len(threads))
    queue.release()
    # The releasing thread asks again at once: it queues behind the three, no barging.
    take("releaser")
    for thread in threads:
        thread.join()
    assert order == ["first", "second", "third", "releaser"]
    assert queue.waiting == 0


def test_a_wait_is_bounded_and_leaves_the_queue() -> None:
    queue = WriterQueue(timeout_s=0.05)
    assert queue.acquire()
    assert queue.acquire() is False  # held (by this thread): the wait times out
    assert queue.waiting == 0
    queue.release()
    assert queue.acquire()


def test_release_without_acquire_and_bad_timeouts_are_refused() -> None:
    with pytest.raises(RuntimeError, match="without acquire"):
        WriterQueue(timeout_s=1.0).release()
    with pytest.raises(ValueError, match="timeout_s must be > 0"):
        WriterQueue(timeout_s=0.0)


def test_every_sqlite_transaction_takes_the_write_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "kordon.db"
    engine = create_engine_for(sqlite_url(path))
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT 1"))  # a read only, yet the writer is taken
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after the commit
        other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


def _create_table_then_fail(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        raise BoomError


def test_a_rolled_back_transaction_frees_the_writer(tmp_path: Path) -> None:
    engine = create_engine_for(sqlite_url(tmp_path / "kordon.db"))
    try:
        with pytest.raises(BoomError):
            _create_table_then_fail(engine)
        # Still held, this would wait out the queue's timeout and raise StoreError.
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        engine.dispose()


def _begin_and_drop(engine: Engine) -> None:
    connection = engine.connect()
    connection.begin()
    connection.execute(text("SELECT 1"))
    # Neither commit, rollback nor close: the connection goes back to the pool when the
    # garbage collector finds it.


def test_a_connection_dropped_inside_a_transaction_frees_the_writer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine_for(sqlite_url(tmp_path / "kordon.db"))
    try:
        _begin_and_drop(engine)
        gc.collect()
        assert "went back to the pool inside a transaction" in caplog.text
        with engine.begin() as connection:  # would wait out the timeout if still held
            assert connection.execute(text("SELECT 2")).scalar() == 2
    finally:
        engine.dispose()

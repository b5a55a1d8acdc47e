"""``synchronous=FULL`` for an edge's SQLite database, so a committed outbox entry survives
a power cut.

Kordon's SQLite engines run in WAL mode with ``synchronous=NORMAL``: a commit is atomic
and consistent, but the last transactions before a power loss may roll back. An edge
promises the centre that a change and its outbox entry are either both kept or both lost;
``FULL`` makes SQLite fsync the WAL at every commit, so once ``commit`` returns the entry is
on disk. It costs one fsync per transaction (the outbox batches nothing at append time).
PostgreSQL is left alone (it syncs at commit by default).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, event, text


def _full(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous = FULL")
    finally:
        cursor.close()


def require_full_sync(engine: Engine) -> None:
    """Make every connection of a SQLite ``engine`` use ``synchronous=FULL``.

    Registers a connect hook (it runs after Kordon's own, which sets ``NORMAL``) and
    drops the connections already pooled so that none keeps the old setting.
    """
    if engine.dialect.name != "sqlite":
        return
    if not event.contains(engine, "connect", _full):
        event.listen(engine, "connect", _full)
    engine.dispose(close=True)


def synchronous_level(engine: Engine) -> int:
    """SQLite's ``PRAGMA synchronous`` on a fresh connection (2 is FULL, 1 NORMAL)."""
    with engine.connect() as connection:
        return int(connection.execute(text("PRAGMA synchronous")).scalar_one())

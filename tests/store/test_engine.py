"""Engine settings: SQLite pragmas and URL checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from kordon.store import Store, StoreError, create_engine_for, sqlite_url


def test_sqlite_url_round_trips_a_path(tmp_path: Path) -> None:
    path = tmp_path / "a dir" / "kordon.db"
    engine = create_engine_for(sqlite_url(path))
    try:
        assert engine.url.database == str(path)
    finally:
        engine.dispose()


def test_sqlite_creates_parent_directory_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "kordon.db"
    engine = create_engine_for(sqlite_url(path))
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
        assert path.is_file()
        assert pragma == {
            "journal_mode": "wal",
            "synchronous": 1,  # NORMAL
            "foreign_keys": 1,
            "busy_timeout": 10_000,
        }
    finally:
        engine.dispose()


def test_store_database_file_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "kordon.db"
    with Store(sqlite_url(path)) as store, store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    # WAL is a property of the file: a plain connection sees it too.
    import sqlite3

    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        raw.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user@host/db", "unsupported database 'mysql'"),
        ("postgresql+asyncpg://u@h/db", "unsupported PostgreSQL driver"),
        ("not a url", "invalid database URL"),
    ],
)
def test_unsupported_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        Store(url)


def test_unusable_sqlite_directory_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create the directory"):
        create_engine_for(sqlite_url(blocker / "sub" / "kordon.db"))


def test_unreachable_database_is_a_store_error_at_open() -> None:
    store = Store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreError, match="cannot read the schema revision"):
        store.open()
    with pytest.raises(StoreError, match="not open"):
        _ = store.engine

"""Engines for SQLite and PostgreSQL, and the programmatic Alembic driver."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from kordon.store.errors import SchemaTooNewError, StoreError
from kordon.store.writer import WriterQueue, serialize_sqlite_writers

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of the SQLite database file at ``path``."""
    return URL.create("sqlite+pysqlite", database=str(Path(path))).render_as_string()


def parse_url(url: str) -> URL:
    """Parse and check a database URL: only SQLite and PostgreSQL (psycopg 3) are supported."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise StoreError(f"invalid database URL {url!r}: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.get_driver_name() not in ("pysqlite", ""):
            raise StoreError(f"unsupported SQLite driver in {url!r}: use 'sqlite:///PATH'")
        return parsed.set(drivername="sqlite+pysqlite")
    if backend == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", "psycopg2", ""):
            raise StoreError(f"unsupported PostgreSQL driver in {url!r}: use postgresql+psycopg://")
        return parsed.set(drivername="postgresql+psycopg")
    raise StoreError(
        f"unsupported database {backend!r} in {parsed.render_as_string()!r}: "
        "expected 'sqlite:///PATH' or 'postgresql+psycopg://USER@HOST/DB'"
    )


def create_engine_for(url: str) -> Engine:
    """An engine for ``url``, configured for Kordon.

    SQLite: WAL journal, ``synchronous=NORMAL``, foreign keys on, a busy timeout, and one
    writer at a time: every transaction (including migrations' DDL, so they are atomic)
    queues on the engine's own :class:`WriterQueue` and starts with ``BEGIN IMMEDIATE``,
    so concurrent writers wait for each other instead of failing with "database is
    locked"; the database file's parent directory is created. PostgreSQL:
    ``postgresql+psycopg``.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the directory for {database}: {exc}") from exc
    engine = create_engine(parsed)
    event.listen(engine, "connect", _configure_sqlite_connection)
    serialize_sqlite_writers(engine, WriterQueue(timeout_s=SQLITE_BUSY_TIMEOUT_MS / 1000))
    return engine


def _configure_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Take transaction control away from pysqlite (it would not BEGIN before DDL or
    # SELECT); the writer queue's "begin" listener emits BEGIN IMMEDIATE itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic ``Config`` built in code, pointing at the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def head_revision() -> str:
    """The newest migration revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StoreError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def known_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty (unmigrated) database."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the schema revision of {_safe(engine)}: {exc}") from exc


def check_not_newer(engine: Engine) -> None:
    """Refuse a database migrated by a newer Kordon (its revision is unknown here)."""
    _refuse_unknown(engine, current_revision(engine), ScriptDirectory.from_config(alembic_config()))


def _refuse_unknown(engine: Engine, revision: str | None, script: ScriptDirectory) -> None:
    known = frozenset(rev.revision for rev in script.walk_revisions())
    if revision is not None and revision not in known:
        raise SchemaTooNewError(
            f"database {_safe(engine)} is at schema revision {revision!r}, which this version "
            f"of Kordon does not know (newest known: {script.get_current_head()!r}); it was "
            "probably migrated by a newer Kordon: upgrade Kordon, or point it at another database"
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest); a no-op when already there."""
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    _refuse_unknown(engine, current, script)
    target = script.get_current_head() if revision == "head" else revision
    if current is not None and current == target:
        # Already there: skip Alembic's environment (it loads every migration again).
        logger.info("database %s at schema revision %s", _safe(engine), current)
        return
    config = alembic_config(engine)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except SQLAlchemyError as exc:
        raise StoreError(f"migrating {_safe(engine)} to {revision!r} failed: {exc}") from exc
    logger.info("database %s at schema revision %s", _safe(engine), current_revision(engine))


def _safe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)

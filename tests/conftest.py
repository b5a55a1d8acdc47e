"""Fixtures shared by every test package: real data, databases, tools.

Databases: ``db_url`` (an empty database), ``store_url`` (a migrated, empty one) and
``store`` (an open ``Store`` on it) run each test on SQLite *and* PostgreSQL. SQLite is a
file in the test's temporary directory (a copy of a database migrated once per session);
PostgreSQL is ``KORDON_TEST_POSTGRES_URL`` or the first of ``POSTGRES_CANDIDATES`` that
answers: an empty database is a fresh schema (selected with ``search_path``, dropped
afterwards), a migrated one is a schema migrated once per session and emptied before each
test. Where PostgreSQL or a tool is missing the test skips with the reason, and fails
instead under ``CI=true`` (see ``tests/support/requirements.py``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url

from kordon.store import Store, sqlite_url
from tests.support.requirements import require_or_skip

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL_ENV = "KORDON_TEST_POSTGRES_URL"
POSTGRES_CANDIDATES = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
)


# --- real data in ../shared ------------------------------------------------------------


def shared_dir() -> Path:
    """``../shared`` beside the checkout, or ``$KORDON_SHARED`` when set."""
    return Path(os.environ.get("KORDON_SHARED", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: the test skips when a clone has no ``../shared`` at all.

    When ``../shared`` is there, whatever the test needs from it must be there too: a
    missing ``data`` directory or file fails the test rather than hiding it as a skip.
    """
    shared = shared_dir()
    if not shared.is_dir():
        pytest.skip(f"real test data not available: {shared} does not exist")
    path = shared / "data"
    if not path.is_dir():
        pytest.fail(f"{shared} exists but has no data/ directory", pytrace=False)
    return path


@pytest.fixture(scope="session")
def vtest_avi(shared_data: Path) -> Path:
    path = shared_data / "vtest.avi"
    if not path.is_file():
        pytest.fail(f"{path} is missing from the shared data", pytrace=False)
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


# --- tools -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ffmpeg_binary() -> Path:
    """The ``ffmpeg`` program (Debian package ``ffmpeg``)."""
    found = shutil.which("ffmpeg")
    if found is None:
        require_or_skip("needs the ffmpeg binary (Debian package ffmpeg)")
    return Path(found)


# --- PostgreSQL --------------------------------------------------------------------------


def _reachable_postgres() -> tuple[str | None, str]:
    """The first URL that accepts a connection, or ``None`` and why none did."""
    override = os.environ.get(POSTGRES_URL_ENV)
    candidates = (override,) if override else POSTGRES_CANDIDATES
    errors: list[str] = []
    for url in candidates:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means "not reachable here"
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            errors.append(f"PostgreSQL not reachable at {url}: {first_line}")
        else:
            return url, ""
        finally:
            engine.dispose()
    return None, "; ".join(errors) + f" (set {POSTGRES_URL_ENV} to use another server)"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of a reachable PostgreSQL server (skip, or fail in CI, when there is none)."""
    url, why = _reachable_postgres()
    if url is None:
        require_or_skip(why)
    return url


def _schema_url(server_url: str, schema: str) -> str:
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def _postgres_schema(server_url: str) -> Iterator[str]:
    """A fresh, uniquely named schema (its URL), dropped afterwards."""
    schema = f"kordon_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _schema_url(server_url, schema)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@dataclass(frozen=True, slots=True)
class MigratedPostgres:
    """A schema migrated once per session, emptied before each test that uses it."""

    url: str
    tables: tuple[str, ...]
    """Its tables but ``alembic_version``, quoted, referencing tables before referenced ones."""
    sequences: tuple[str, ...]

    def empty(self) -> None:
        """Delete every row and restart every sequence (much faster than ``TRUNCATE``)."""
        engine = create_engine(self.url)
        try:
            with engine.begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '20s'"))
                for table in self.tables:
                    connection.execute(text(f"DELETE FROM {table}"))
                for sequence in self.sequences:
                    connection.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def postgres_migrated(postgres_server: str) -> Iterator[MigratedPostgres]:
    """One schema migrated to the newest revision for the whole session."""
    with _postgres_schema(postgres_server) as url:
        with Store(url) as store, store.engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            reflected = MetaData()
            reflected.reflect(connection, schema=schema)
            preparer = connection.dialect.identifier_preparer
            tables = tuple(
                preparer.quote(table.name)
                for table in reversed(reflected.sorted_tables)
                if table.name != "alembic_version"
            )
            sequences = tuple(
                connection.scalars(
                    text(
                        "SELECT quote_ident(sequence_name) FROM information_schema.sequences "
                        "WHERE sequence_schema = current_schema()"
                    )
                )
            )
        yield MigratedPostgres(url=url, tables=tables, sequences=sequences)


# --- SQLite ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest revision, closed (so its WAL is merged)."""
    path = tmp_path_factory.mktemp("template") / "kordon.db"
    with Store(sqlite_url(path)):
        pass
    if path.with_name(path.name + "-wal").exists():
        raise RuntimeError(f"{path}: the WAL was not merged at close; cannot copy it")
    return path


# --- the database fixtures ---------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``: every database test runs on both."""
    name: str = request.param
    return name


@pytest.fixture
def db_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A URL of an empty database: SQLite in a temporary directory, or a fresh PG schema."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("db") / "sub" / "kordon.db")
        return
    with _postgres_schema(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def store_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A URL of a database migrated to the newest revision, with no rows in it."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "kordon.db"
        shutil.copyfile(request.getfixturevalue("sqlite_migrated"), path)
        return sqlite_url(path)
    migrated: MigratedPostgres = request.getfixturevalue("postgres_migrated")
    migrated.empty()
    return migrated.url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, migrated, empty store."""
    opened = Store(store_url)
    opened.open()
    try:
        yield opened
    finally:
        opened.close()

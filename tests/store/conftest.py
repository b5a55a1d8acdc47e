"""Store fixtures: every test runs on SQLite and, when reachable, on PostgreSQL.

PostgreSQL tests each get a fresh, uniquely named schema (selected with ``search_path``)
that is dropped afterwards, so tests never see each other's data and can run repeatedly.
Set ``KORDON_TEST_POSTGRES_URL`` to point them at another server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kordon.store import Store, sqlite_url

POSTGRES_CANDIDATES = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
)


def _reachable_postgres() -> tuple[str | None, str]:
    """The first URL that accepts a connection, or ``None`` and why none did."""
    override = os.environ.get("KORDON_TEST_POSTGRES_URL")
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
    return None, "; ".join(errors)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    url, why = _reachable_postgres()
    if url is None:
        pytest.skip(why)
    return url


def _fresh_postgres_schema(server_url: str) -> Iterator[str]:
    schema = f"kordon_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A URL of an empty database: SQLite in a temporary directory, or a fresh PG schema."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("db") / "sub" / "kordon.db")
        return
    server = request.getfixturevalue("postgres_server")
    yield from _fresh_postgres_schema(server)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open, migrated store."""
    opened = Store(db_url)
    opened.open()
    try:
        yield opened
    finally:
        opened.close()

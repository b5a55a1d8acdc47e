"""Session scopes: how a repository gets a session and a transaction boundary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kordon.store.errors import StoreError

SessionScope = Callable[[str], AbstractContextManager[Session]]
"""``scope(what)`` gives a session for the operation described by ``what`` (for errors)."""


@contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Turn SQLAlchemy/driver errors into ``StoreError`` naming the operation."""
    try:
        yield
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)
        detail = str(orig) if orig is not None else str(exc)
        raise StoreError(f"{what} failed: {type(exc).__name__}: {detail.strip()}") from exc


def own_transaction(sessions: sessionmaker[Session]) -> SessionScope:
    """Each use is its own transaction: committed on success, rolled back on any error."""

    @contextmanager
    def scope(what: str) -> Iterator[Session]:
        with translate_errors(what), sessions.begin() as session:
            yield session

    return scope


def shared_transaction(session: Session) -> SessionScope:
    """Every use joins ``session``'s transaction; its owner commits or rolls back."""

    @contextmanager
    def scope(what: str) -> Iterator[Session]:
        with translate_errors(what):
            yield session

    return scope


def insert_for(session: Session, model: type[Any]) -> PostgresInsert | SqliteInsert:
    """``INSERT`` for ``model`` in the session's dialect, with ``ON CONFLICT`` support."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert(model)
    return sqlite_insert(model)

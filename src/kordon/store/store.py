"""``Store``: one database (SQLite or PostgreSQL), migrated at ``open()``, with repositories."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kordon.store.commit_hooks import CommitHook, CommitHooks
from kordon.store.devices import DeviceStatusRepository
from kordon.store.engine import create_engine_for, parse_url, upgrade
from kordon.store.errors import StoreError
from kordon.store.events import EventRepository
from kordon.store.incidents import IncidentRepository, StoredIncident
from kordon.store.session import SessionScope, own_transaction, shared_transaction, translate_errors

__all__ = ["Repositories", "Store", "StoredIncident"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Repositories:
    """One set of repositories sharing a session scope."""

    events: EventRepository
    incidents: IncidentRepository
    devices: DeviceStatusRepository

    @classmethod
    def on(cls, scope: SessionScope) -> Repositories:
        return cls(
            events=EventRepository(scope),
            incidents=IncidentRepository(scope),
            devices=DeviceStatusRepository(scope),
        )


class Store:
    """The database of one node.

    Construction only checks the URL; :meth:`open` connects, refuses a schema newer than
    this code, and migrates to the newest revision. ``store.events`` etc. run each call in
    its own transaction; :meth:`transaction` groups several calls into one.
    """

    def __init__(self, url: str) -> None:
        self._url = parse_url(url)
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._repositories: Repositories | None = None
        self._commit_hooks = CommitHooks()

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return self._url.render_as_string(hide_password=True)

    def open(self) -> None:
        """Connect and migrate; a no-op when already open."""
        if self._engine is not None:
            return
        engine = create_engine_for(self._url.render_as_string(hide_password=False))
        try:
            upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        if self._commit_hooks.hooks:
            self._commit_hooks.install(self._sessions)
        self._repositories = Repositories.on(own_transaction(self._sessions))
        logger.info("store open: %s", self.url)

    def close(self) -> None:
        """Release all connections; a no-op when not open."""
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._sessions = None
        self._repositories = None

    def __enter__(self) -> Store:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise StoreError(f"store {self.url} is not open: call open() first")
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory (for services that need queries the repositories lack)."""
        if self._sessions is None:
            raise StoreError(f"store {self.url} is not open: call open() first")
        return self._sessions

    @property
    def _repos(self) -> Repositories:
        if self._repositories is None:
            raise StoreError(f"store {self.url} is not open: call open() first")
        return self._repositories

    @property
    def events(self) -> EventRepository:
        return self._repos.events

    @property
    def incidents(self) -> IncidentRepository:
        return self._repos.incidents

    @property
    def devices(self) -> DeviceStatusRepository:
        return self._repos.devices

    def add_commit_hook(self, hook: CommitHook) -> None:
        """Run ``hook`` inside every transaction of this store that stores an event, changes
        an incident or records a device status, just before it commits
        (``kordon.store.commit_hooks``); kept across ``close()`` and ``open()``."""
        self._commit_hooks.add(hook)
        if self._sessions is not None:
            self._commit_hooks.install(self._sessions)

    @contextmanager
    def transaction(self) -> Iterator[Repositories]:
        """Repositories whose calls all commit together, or not at all on any exception."""
        with translate_errors("transaction"), self.sessions.begin() as session:
            yield Repositories.on(shared_transaction(session))

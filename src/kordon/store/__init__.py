"""Persistence: SQLAlchemy 2 models, repositories and Alembic migrations.

SQLite (WAL) is the default; PostgreSQL is selected by URL. There is one schema for both,
migrated at start by :meth:`kordon.store.store.Store.open`.
"""

from kordon.store.engine import (
    create_engine_for,
    current_revision,
    head_revision,
    sqlite_url,
    upgrade,
)
from kordon.store.errors import (
    ConflictError,
    CorruptRecordError,
    InvalidInputError,
    NotFoundError,
    SchemaTooNewError,
    StoreError,
)
from kordon.store.store import Repositories, Store, StoredIncident

__all__ = [
    "ConflictError",
    "CorruptRecordError",
    "InvalidInputError",
    "NotFoundError",
    "Repositories",
    "SchemaTooNewError",
    "Store",
    "StoreError",
    "StoredIncident",
    "create_engine_for",
    "current_revision",
    "head_revision",
    "sqlite_url",
    "upgrade",
]

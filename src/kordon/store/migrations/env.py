"""Alembic environment: runs on the connection given in ``config.attributes["connection"]``.

``kordon.store.engine.upgrade`` supplies that connection. When run from the ``alembic`` command
line instead, the engine is built from ``sqlalchemy.url`` with Kordon's own settings.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from kordon.store.engine import create_engine_for
from kordon.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection given and no sqlalchemy.url configured")
    engine = create_engine_for(url)
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported by Kordon")
run_migrations_online()

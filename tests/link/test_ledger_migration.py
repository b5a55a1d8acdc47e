"""Migration 0011: creates the ledger-shipping tables, matches the models, and downgrades."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from kordon.link import ledger_rows  # noqa: F401  (registers the tables on Base)
from kordon.store.engine import alembic_config, create_engine_for, current_revision, upgrade
from kordon.store.models import Base

TABLES = {"link_ledger_cursor", "link_ledger_entries", "link_ledger_heads", "link_ledger_state"}


def test_0011_up_down_up(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        upgrade(engine, "0011")
        assert current_revision(engine) == "0011"
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                Base.metadata,
            )
        assert [d for d in diff if any(name in repr(d) for name in TABLES)] == []
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0010")
        assert current_revision(engine) == "0010"
        assert not set(inspect(engine).get_table_names()) & TABLES
        upgrade(engine, "0011")
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()

"""Migration 0008: creates the link tables, matches the models, and downgrades."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from kordon.store.engine import alembic_config, create_engine_for, current_revision, upgrade
from kordon.store.models import Base

LINK_TABLES = {"link_outbox", "link_ingested"}


def test_0008_up_down_up(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        upgrade(engine, "0008")
        assert current_revision(engine) == "0008"
        assert set(inspect(engine).get_table_names()) >= LINK_TABLES
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                Base.metadata,
            )
        assert [d for d in diff if any(name in repr(d) for name in LINK_TABLES)] == []
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
        assert current_revision(engine) == "0007"
        assert not set(inspect(engine).get_table_names()) & LINK_TABLES
        upgrade(engine, "0008")
        assert set(inspect(engine).get_table_names()) >= LINK_TABLES
    finally:
        engine.dispose()

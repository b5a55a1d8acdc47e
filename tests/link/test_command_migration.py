"""Migration 0012c: creates the command tables, matches the models, and downgrades."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from kordon.link import command_rows  # noqa: F401  (registers the tables on Base)
from kordon.store.engine import alembic_config, create_engine_for, current_revision, upgrade
from kordon.store.models import Base

TABLES = {"link_commands", "link_commands_applied"}
REVISION = "0012c"


def test_0012c_up_down_up(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        upgrade(engine, REVISION)
        assert current_revision(engine) == REVISION
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
            command.downgrade(config, "0012")  # below this revision (and its branch)
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
        assert heads
        assert REVISION not in heads
        assert not set(inspect(engine).get_table_names()) & TABLES
        with engine.begin() as connection:  # from two heads: Alembic's own command
            config.attributes["connection"] = connection
            command.upgrade(config, REVISION)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()

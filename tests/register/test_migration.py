"""Migration 0007: creates the register tables, matches the models, and downgrades."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from kordon.store.engine import alembic_config, create_engine_for, current_revision, upgrade
from kordon.store.models import Base

REGISTER_TABLES = {
    "register_projects",
    "register_lines",
    "register_people",
    "register_donor_access",
    "register_deliveries",
    "register_assets",
    "register_history",
    "register_transfers",
    "register_checks",
}


def test_0007_up_down_up(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        upgrade(engine, "0007")
        assert current_revision(engine) == "0007"
        assert set(inspect(engine).get_table_names()) >= REGISTER_TABLES
        register = {t: Base.metadata.tables[t] for t in REGISTER_TABLES}
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                Base.metadata,
            )
        assert [d for d in diff if any(name in repr(d) for name in register)] == []
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006_ledger_witness")
        assert not set(inspect(engine).get_table_names()) & REGISTER_TABLES
        upgrade(engine, "0007")
        assert set(inspect(engine).get_table_names()) >= REGISTER_TABLES
    finally:
        engine.dispose()

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

INDEXES_0010 = {
    "ix_register_assets_category_status_serial",
    "ix_register_assets_sector_id_category_serial",
    "ix_register_assets_project_id_status_serial",
}
"""In the models, added by migration 0010 (``tests/register/test_text_index.py``)."""


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
        register_diff = [d for d in diff if any(name in repr(d) for name in register)]
        assert [d for d in register_diff if not any(ix in repr(d) for ix in INDEXES_0010)] == []
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006_ledger_witness")
        assert not set(inspect(engine).get_table_names()) & REGISTER_TABLES
        upgrade(engine, "0007")
        assert set(inspect(engine).get_table_names()) >= REGISTER_TABLES
    finally:
        engine.dispose()

"""Migration 0009: creates ``units``, matches ``kordon.units.rows``, and downgrades."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from kordon.store.engine import alembic_config, create_engine_for, current_revision, upgrade
from kordon.store.models import Base
from kordon.units.rows import UnitRow


def test_0009_up_down_up_and_matches_the_model(db_url: str) -> None:
    assert Base.metadata.tables["units"] is UnitRow.__table__
    engine = create_engine_for(db_url)
    try:
        upgrade(engine, "0009")
        assert current_revision(engine) == "0009"
        assert "units" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                Base.metadata,
            )
        assert [d for d in diff if "units" in repr(d)] == []
        uniques = {u["name"] for u in inspect(engine).get_unique_constraints("units")}
        assert {"uq_units_callsign_key", "uq_units_cot_uid"} <= uniques
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
        assert "units" not in inspect(engine).get_table_names()
        assert current_revision(engine) == "0008"
        upgrade(engine, "0009")
        assert "units" in inspect(engine).get_table_names()
    finally:
        engine.dispose()

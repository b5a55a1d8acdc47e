"""Migration ``0012_link_snapshots``: creates ``link_snapshots``, matches the model, moves the
outbox's waiting entries to the new priorities, and downgrades."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from types import ModuleType

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from kordon.link import snapshot_rows  # noqa: F401  (registers the table on Base)
from kordon.store.engine import (
    MIGRATIONS_DIR,
    alembic_config,
    create_engine_for,
    current_revision,
    upgrade,
)
from kordon.store.models import Base


def _migration() -> ModuleType:
    [path] = (MIGRATIONS_DIR / "versions").glob("*_link_snapshots.py")
    spec = importlib.util.spec_from_file_location("link_snapshots_migration", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _priorities(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT entry_id, priority FROM link_outbox"))
        return {str(entry_id): int(priority) for entry_id, priority in rows}


def test_snapshots_migration_up_down_up(db_url: str) -> None:
    migration = _migration()
    revision, before = migration.revision, migration.down_revision
    engine = create_engine_for(db_url)
    try:
        upgrade(engine, before)
        # Entries waiting at an edge, written with the old numbers: alarm, track, health, audit.
        with engine.begin() as connection:
            for n, priority in enumerate((0, 1, 2, 3)):
                connection.execute(
                    text(
                        "INSERT INTO link_outbox (entry_id, kind, priority, created_at, "
                        "payload, size) VALUES (:id, 'event', :p, :t, '{}', 2)"
                    ),
                    {"id": f"e{n}", "p": priority, "t": datetime(2026, 5, 4, tzinfo=UTC)},
                )
        upgrade(engine, revision)
        assert current_revision(engine) == revision
        assert "link_snapshots" in inspect(engine).get_table_names()
        assert _priorities(engine) == {"e0": 0, "e1": 2, "e2": 3, "e3": 4}
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                Base.metadata,
            )
        assert [d for d in diff if "link_snapshots" in repr(d)] == []
        with engine.begin() as connection:  # a snapshot entry waiting: an old Kordon drops it
            connection.execute(
                text(
                    "INSERT INTO link_outbox (entry_id, kind, priority, created_at, payload, "
                    "size) VALUES ('s1', 'snapshot', 1, :t, '{}', 2)"
                ),
                {"t": datetime(2026, 5, 4, tzinfo=UTC)},
            )
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, before)
        assert current_revision(engine) == before
        assert "link_snapshots" not in inspect(engine).get_table_names()
        assert _priorities(engine) == {"e0": 0, "e1": 1, "e2": 2, "e3": 3}
        upgrade(engine, revision)
        assert "link_snapshots" in inspect(engine).get_table_names()
    finally:
        engine.dispose()

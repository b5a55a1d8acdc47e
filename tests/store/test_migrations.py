"""Migrations: empty database to head, idempotent, matching the models, refusing newer."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect, text

from kordon.register.text_index import outside_models
from kordon.store import SchemaTooNewError, Store, StoreError
from kordon.store.engine import create_engine_for, current_revision, head_revision, upgrade
from kordon.store.models import Base

TABLES = {
    "events",
    "incidents",
    "incident_events",
    "incident_steps",
    "device_status",
    "device_status_history",
}


def test_upgrade_from_empty_reaches_head_and_is_idempotent(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def _diff(db_url: str, metadata: MetaData) -> list[object]:
    engine = create_engine_for(db_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": outside_models}
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_migrations_match_models(db_url: str) -> None:
    assert _diff(db_url, Base.metadata) == []


def test_model_drift_is_detected(db_url: str) -> None:
    """The comparison above can fail: an extra column in the models shows up as a diff."""
    drifted = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    Table("events", drifted, Column("extra", Integer), extend_existing=True)
    diff = _diff(db_url, drifted)
    assert any("extra" in repr(entry) for entry in diff), diff


def test_store_refuses_a_schema_newer_than_the_code(db_url: str) -> None:
    with Store(db_url):
        pass
    engine = create_engine_for(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    finally:
        engine.dispose()
    newer = Store(db_url)
    with pytest.raises(SchemaTooNewError, match=r"'9999_future'.*newer Kordon"):
        newer.open()
    with pytest.raises(StoreError, match="not open"):
        _ = newer.events


def test_store_reopens_an_existing_database(db_url: str) -> None:
    for _ in range(2):
        with Store(db_url) as store:
            assert current_revision(store.engine) == head_revision()

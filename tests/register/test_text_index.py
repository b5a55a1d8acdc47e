"""Migration 0010's search index: present on both backends, used by a search, kept in step
with corrections, and answering exactly what the plain ``LIKE`` answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from kordon.register.asset import AssetDetails
from kordon.register.importer import import_assets
from kordon.register.reader import AssetFilter, RegisterReader, filtered
from kordon.register.scope import RegisterScope
from kordon.register.service import RegisterService
from kordon.register.text_index import FTS_TABLE, TRGM_INDEX, TextIndex, fts_phrase
from kordon.store import Store
from kordon.store.engine import alembic_config, create_engine_for, current_revision, upgrade
from kordon.store.models_register import RegisterAssetRow
from tests.register.conftest import ACTOR, T0, csv_text, row

ALL = RegisterScope.everything()
COMPOSITES = {
    "ix_register_assets_category_status_serial",
    "ix_register_assets_sector_id_category_serial",
    "ix_register_assets_project_id_status_serial",
}
QUERIES = ("cam-", "am-1", "m1", "v1", "cam-1", "h-2", "cam-12", "zzz", 'a"b', "100%", "m_1")


@pytest.fixture
def filled(seeded: RegisterService, tmp_path: Path) -> RegisterService:
    path = tmp_path / "a.csv"
    serials = [f"CAM-{n}" for n in range(1, 13)] + ["H-1", "H-2"]
    path.write_text(csv_text(*(row(s) for s in serials)))
    import_assets(seeded, path, actor=ACTOR, time=T0)
    return seeded


def _has_index(session: Session) -> bool:
    if session.get_bind().dialect.name == "sqlite":
        found = session.scalar(
            text("SELECT 1 FROM sqlite_master WHERE name = :n"), {"n": FTS_TABLE}
        )
    else:
        found = session.scalar(
            text("SELECT 1 FROM pg_indexes WHERE indexname = :n AND schemaname = current_schema()"),
            {"n": TRGM_INDEX},
        )
    return found is not None


def _index_names(engine: Engine) -> set[str]:
    return {str(ix["name"]) for ix in inspect(engine).get_indexes("register_assets")}


def _plain_serials(store: Store, query: str) -> list[str]:
    """The serials the unindexed ``LIKE`` finds."""
    statement = filtered(select(RegisterAssetRow.serial), AssetFilter(query=query))
    with store.sessions() as session:
        return list(session.scalars(statement.order_by(RegisterAssetRow.serial)))


def test_migration_creates_the_search_index(store: Store) -> None:
    with store.sessions() as session:
        assert _has_index(session)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # PostgreSQL's planner
def test_sqlite_search_is_narrowed_by_the_index(filled: RegisterService, store: Store) -> None:
    """SQLite only: on PostgreSQL the planner uses the trigram index by itself."""
    assert store.engine.dialect.name == "sqlite"
    index = TextIndex()
    with store.sessions() as session:
        assert index.narrowing(session, "cam-1") is not None
        assert index.narrowing(session, "m1") is None  # under three characters
        candidates = index.narrowing(session, "h-2")
        assert candidates is not None
        assert len(list(session.scalars(candidates))) == 1
        assert TextIndex(max_candidates=3).narrowing(session, "cam-") is None  # 12 match


@pytest.mark.parametrize("max_candidates", [1, 5, 1000])
def test_search_answers_what_the_plain_like_answers(
    filled: RegisterService, store: Store, max_candidates: int
) -> None:
    reader = RegisterReader(store.sessions, text_index=TextIndex(max_candidates=max_candidates))
    for query in QUERIES:
        expected = _plain_serials(store, query)
        page = reader.page(ALL, AssetFilter(query=query))
        assert [a.serial for a in page.items] == expected, query
        assert page.total == len(expected), query
        assert reader.count_assets(ALL, AssetFilter(query=query)) == len(expected), query
    assert [a.serial for a in reader.page(ALL, AssetFilter(query="CAM-1")).items] == [
        "CAM-1",
        "CAM-10",
        "CAM-11",
        "CAM-12",
    ]


def test_a_correction_moves_the_asset_in_the_index(filled: RegisterService, store: Store) -> None:
    reader = RegisterReader(store.sessions)
    filled.correct(
        "CAM-7",
        AssetDetails(model="Falcon Eye", vendor="Optics Ltd", lot="LOT-9"),
        reason="wrong model on delivery note",
        actor=ACTOR,
        time=T0,
    )
    assert [a.serial for a in reader.page(ALL, AssetFilter(query="falcon")).items] == ["CAM-7"]
    assert [a.serial for a in reader.page(ALL, AssetFilter(query="optics l")).items] == ["CAM-7"]
    assert [a.serial for a in reader.page(ALL, AssetFilter(query="cam-7")).items] == ["CAM-7"]
    assert reader.count_assets(ALL, AssetFilter(query="lot-9")) == 1
    assert "CAM-7" not in [a.serial for a in reader.page(ALL, AssetFilter(query="m1")).items]
    if store.engine.dialect.name == "sqlite":
        with store.sessions() as session:
            rows = session.scalar(text(f"SELECT count(*) FROM {FTS_TABLE}"))
            assert rows == 14  # one row per asset, the old one replaced


def test_fts_phrase_quotes() -> None:
    assert fts_phrase('a"b') == '"a""b"'
    assert fts_phrase("cam-1") == '"cam-1"'


def test_0010_down_and_up_again_rebuilds_from_the_assets(
    filled: RegisterService, store: Store, store_url: str
) -> None:
    engine = create_engine_for(store_url)
    try:
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0009")
        assert current_revision(engine) == "0009"
        assert not _index_names(engine) & COMPOSITES
        with Session(engine) as session:
            assert not _has_index(session)
        assert _plain_serials(store, "cam-11") == ["CAM-11"]
        scanning = RegisterReader(store.sessions).page(ALL, AssetFilter(query="cam-11"))
        assert [a.serial for a in scanning.items] == ["CAM-11"]  # no index: the reader scans
        upgrade(engine)
        assert _index_names(engine) >= COMPOSITES
        with Session(engine) as session:
            assert _has_index(session)
            if engine.dialect.name == "sqlite":
                indexed = TextIndex().narrowing(session, "cam-11")
                assert indexed is not None
                assert len(list(session.scalars(indexed))) == 1
    finally:
        engine.dispose()
    reader = RegisterReader(store.sessions)
    assert [a.serial for a in reader.page(ALL, AssetFilter(query="cam-11")).items] == ["CAM-11"]

"""Register search index and composite filter indexes (issue 16: list/filter/search p99
<= 100 ms at 100,000 assets and 1 M history entries).

Composite b-tree indexes (in the models too) let two filters together (category and status,
sector and category, project and status) walk one index in serial order.

A search is ``search_text LIKE '%text%'``; no b-tree serves a leading wildcard. This adds a
trigram index, which both backends can use for substrings of three characters or more:

- PostgreSQL: a GIN index with ``gin_trgm_ops`` (extension ``pg_trgm``, shipped with
  PostgreSQL and trusted since 13). The planner uses it directly for the ``LIKE``. The
  extension is database-wide: an existing one is used wherever it is installed; otherwise it
  is created in schema ``public``. When it cannot be created (not installed, no privilege)
  the migration logs a warning with the statements to run later and carries on; search then
  stays correct but scans.
- SQLite: an FTS5 table with the ``trigram`` tokenizer (SQLite 3.34+), one row per asset
  (``asset_id``, ``search_text``), kept in step by triggers. ``kordon.register.text_index``
  narrows a search with it; the ``LIKE`` on the asset row stays the final test. Without
  FTS5 the migration logs a warning and search scans as before.

Neither object is an ORM model: ``kordon.register.text_index.outside_models`` names them for
model/migration comparisons. Downgrade drops them (never the extension, which other schemas
of the database may use).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

logger = logging.getLogger("alembic.runtime.migration")

TRGM_INDEX = "ix_register_assets_search_text_trgm"
FTS_TABLE = "register_assets_search"
FTS_TRIGGERS = (
    f"{FTS_TABLE}_insert",
    f"{FTS_TABLE}_update",
    f"{FTS_TABLE}_delete",
)
EXTENSION_SCHEMA = "public"
"""Where ``pg_trgm`` is created when the database has none yet: a schema every search path
can name, so no test or tenant schema owns (and, dropped, takes away) the extension."""


COMPOSITE_INDEXES = (
    # two filters together walk one index in serial order (a page, then the count cap)
    ("ix_register_assets_category_status_serial", ["category", "status", "serial"]),
    ("ix_register_assets_sector_id_category_serial", ["sector_id", "category", "serial"]),
    ("ix_register_assets_project_id_status_serial", ["project_id", "status", "serial"]),
)


def upgrade() -> None:
    for name, columns in COMPOSITE_INDEXES:
        op.create_index(name, "register_assets", columns)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _upgrade_postgresql(op.get_bind())
    elif dialect == "sqlite":
        _upgrade_sqlite(op.get_bind())


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(sa.text(f"DROP INDEX IF EXISTS {TRGM_INDEX}"))
    elif dialect == "sqlite":
        for trigger in FTS_TRIGGERS:
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {trigger}"))
        op.execute(sa.text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
    for name, _columns in reversed(COMPOSITE_INDEXES):
        op.drop_index(name, table_name="register_assets")


# --- PostgreSQL ------------------------------------------------------------------------


def _trgm_schema(bind: sa.Connection) -> str | None:
    found = bind.scalar(
        sa.text(
            "SELECT n.nspname FROM pg_extension e"
            " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        )
    )
    return None if found is None else str(found)


def _ensure_pg_trgm(bind: sa.Connection) -> str | None:
    """The schema holding ``pg_trgm``, creating the extension if needed; ``None`` if it
    cannot be had (the reason is logged)."""
    schema = _trgm_schema(bind)
    if schema is not None:
        return schema
    try:
        with bind.begin_nested():  # a failure must not abort the migration's transaction
            bind.execute(
                sa.text(f'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA "{EXTENSION_SCHEMA}"')
            )
    except DBAPIError as error:
        schema = _trgm_schema(bind)  # another session may have created it meanwhile
        if schema is None:
            logger.warning(
                "register search: PostgreSQL extension pg_trgm is not available (%s); "
                "text search will scan every asset. To index it later run: "
                "CREATE EXTENSION pg_trgm; CREATE INDEX %s ON register_assets "
                "USING gin (search_text gin_trgm_ops);",
                str(error.orig).strip().splitlines()[0] if error.orig else error,
                TRGM_INDEX,
            )
        return schema
    return _trgm_schema(bind)


def _upgrade_postgresql(bind: sa.Connection) -> None:
    schema = _ensure_pg_trgm(bind)
    if schema is None:
        return
    quoted = bind.dialect.identifier_preparer.quote_identifier(schema)
    op.execute(
        sa.text(
            f"CREATE INDEX {TRGM_INDEX} ON register_assets "
            f"USING gin (search_text {quoted}.gin_trgm_ops)"
        )
    )


# --- SQLite ----------------------------------------------------------------------------


def _fts5_trigram_available(bind: sa.Connection) -> str | None:
    """``None`` when FTS5 with the trigram tokenizer works here, else why not."""
    version = str(bind.scalar(sa.text("SELECT sqlite_version()")))
    if tuple(int(p) for p in version.split(".")[:2]) < (3, 34):
        return f"SQLite {version} has no trigram tokenizer (3.34 or newer needed)"
    options = {str(o) for o in bind.scalars(sa.text("PRAGMA compile_options"))}
    if "ENABLE_FTS5" not in options:
        return f"SQLite {version} was built without FTS5"
    return None


def _upgrade_sqlite(bind: sa.Connection) -> None:
    missing = _fts5_trigram_available(bind)
    if missing is not None:
        logger.warning("register search: %s; text search will scan every asset", missing)
        return
    op.execute(
        sa.text(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
            "asset_id UNINDEXED, search_text, tokenize = 'trigram')"
        )
    )
    op.execute(
        sa.text(
            f"INSERT INTO {FTS_TABLE} (asset_id, search_text) "
            "SELECT id, search_text FROM register_assets"
        )
    )
    # Assets are never deleted and their search text changes only on a correction, so the
    # update and delete triggers may look the old row up by a scan of the index's rows.
    op.execute(
        sa.text(
            f"CREATE TRIGGER {FTS_TRIGGERS[0]} AFTER INSERT ON register_assets BEGIN "
            f"INSERT INTO {FTS_TABLE} (asset_id, search_text) "
            "VALUES (new.id, new.search_text); END"
        )
    )
    op.execute(
        sa.text(
            f"CREATE TRIGGER {FTS_TRIGGERS[1]} AFTER UPDATE OF id, search_text "
            "ON register_assets "
            "WHEN old.id IS NOT new.id OR old.search_text IS NOT new.search_text BEGIN "
            f"DELETE FROM {FTS_TABLE} WHERE asset_id = old.id; "
            f"INSERT INTO {FTS_TABLE} (asset_id, search_text) "
            "VALUES (new.id, new.search_text); END"
        )
    )
    op.execute(
        sa.text(
            f"CREATE TRIGGER {FTS_TRIGGERS[2]} AFTER DELETE ON register_assets BEGIN "
            f"DELETE FROM {FTS_TABLE} WHERE asset_id = old.id; END"
        )
    )

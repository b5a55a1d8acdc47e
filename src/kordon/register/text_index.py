"""``TextIndex``: narrows a register search to the assets that can match, before the ``LIKE``.

A search is ``search_text LIKE '%text%'`` (``kordon.register.search``), which no b-tree
serves; migration ``0010`` adds a trigram index for it:

- PostgreSQL: a ``pg_trgm`` GIN index the planner uses for the ``LIKE`` itself, so
  nothing is needed here (``narrowing`` answers ``None``).
- SQLite: an FTS5 ``trigram`` table, ``register_assets_search`` (``asset_id``,
  ``search_text``). Its phrase query for the search text finds every asset whose text
  contains it (case-folded: a superset of the ``LIKE``, which stays the final test).

The trigram table pays off when few assets match. When many do, walking the assets in
serial order and testing the ``LIKE`` reaches a full page (and the count cap) after a few
rows, and reading thousands of candidates first would be slower; so ``narrowing`` first
counts the candidates, up to ``max_candidates``, and answers ``None`` above that.
Texts of fewer than ``MIN_CHARS`` characters have no trigram and are never narrowed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

FTS_TABLE = "register_assets_search"
TRGM_INDEX = "ix_register_assets_search_text_trgm"
MIN_CHARS = 3
MAX_CANDIDATES = 1_000
"""Above this many candidates a search walks the serial order instead (see the module)."""

_FTS = table(FTS_TABLE, column("asset_id"))
_FTS_SELF: ColumnClause[Any] = literal_column(FTS_TABLE)
_SQLITE_FTS_OBJECTS = frozenset(
    {
        FTS_TABLE,
        *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "content", "docsize", "config")),
    }
)


def outside_models(name: str | None, type_: str, _parents: object = None) -> bool:
    """``False`` for the search index's objects, which are not ORM models (an Alembic
    ``include_name`` hook for comparing the models with the migrated schema)."""
    if type_ == "table":
        return name not in _SQLITE_FTS_OBJECTS
    if type_ == "index":
        return name != TRGM_INDEX
    return True


def fts_phrase(query: str) -> str:
    """``query`` as one FTS5 phrase (a string, inner quotes doubled)."""
    return '"' + query.replace('"', '""') + '"'


class TextIndex:
    def __init__(self, *, max_candidates: int = MAX_CANDIDATES) -> None:
        if max_candidates < 1:
            raise ValueError(f"max_candidates must be >= 1, got {max_candidates}")
        self._max_candidates = max_candidates

    def narrowing(self, session: Session, query: str) -> Select[tuple[Any]] | None:
        """A ``SELECT`` of the ids of every asset whose search text may contain ``query``
        (lower-cased, stripped), when that narrows the search to at most ``max_candidates``
        assets; ``None`` when the search should test every asset in serial order."""
        if len(query) < MIN_CHARS or session.get_bind().dialect.name != "sqlite":
            return None
        if not self._has_fts(session):
            return None
        phrase = fts_phrase(query)
        matching = (
            select(literal_column("rowid"))
            .select_from(_FTS)
            .where(_FTS_SELF.match(phrase))
            .limit(self._max_candidates + 1)
            .subquery()
        )
        found = session.scalar(select(func.count()).select_from(matching)) or 0
        if found > self._max_candidates:
            return None
        return select(_FTS.c.asset_id).where(_FTS_SELF.match(phrase))

    @staticmethod
    def _has_fts(session: Session) -> bool:
        return (
            session.scalar(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
                {"name": FTS_TABLE},
            )
            is not None
        )

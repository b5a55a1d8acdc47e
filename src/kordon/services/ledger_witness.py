"""``DatabaseWitness``: the ledger's latest signed tree head, kept in the site database.

One row per ledger in ``ledger_witness``, replaced (never moved back) each time the ledger
signs a head. With PostgreSQL on another machine it survives a data directory rewritten
as a whole; with SQLite it guards against the ledger files being cut back on their own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kordon.evidence.errors import WitnessError
from kordon.evidence.tree_head import SignedTreeHead
from kordon.store import StoreError
from kordon.store.engine import create_engine_for
from kordon.store.models_ledger import LedgerWitnessRow

SITE_LEDGER = "site"
"""Name of the site ledger's row (one node keeps one ledger)."""


class WitnessUnavailableError(WitnessError):
    """The witness cannot be reached or read at all (no database, no table yet)."""


class DatabaseWitness:
    """Implements :class:`kordon.evidence.witness.TreeHeadWitness` on the site database."""

    def __init__(
        self, sessions: Callable[[], sessionmaker[Session]], *, ledger: str = SITE_LEDGER
    ) -> None:
        self._sessions = sessions
        self._ledger = ledger

    @property
    def name(self) -> str:
        return "database witness (table ledger_witness)"

    def load(self) -> SignedTreeHead | None:
        try:
            with self._sessions()() as session:
                row = session.get(LedgerWitnessRow, self._ledger)
                if row is None:
                    return None
                fields = {
                    "tree_size": row.tree_size,
                    "root_sha256": row.root_sha256,
                    "time": row.time,
                    "key_id": row.key_id,
                    "signature": row.signature,
                }
        except (SQLAlchemyError, StoreError) as exc:
            raise WitnessUnavailableError(f"{self.name} cannot be read: {exc}") from exc
        try:
            return SignedTreeHead.model_validate(fields)
        except ValidationError as exc:
            raise WitnessError(f"{self.name} is damaged or altered: {exc}") from exc

    def record(self, head: SignedTreeHead) -> None:
        try:
            with self._sessions().begin() as session:
                row = session.get(LedgerWitnessRow, self._ledger, with_for_update=True)
                if row is None:
                    row = LedgerWitnessRow(ledger=self._ledger)
                    session.add(row)
                elif head.tree_size < row.tree_size:
                    raise WitnessError(
                        f"{self.name} holds a head at size {row.tree_size}; refusing to "
                        f"replace it with one at size {head.tree_size}"
                    )
                row.tree_size = head.tree_size
                row.root_sha256 = head.root_sha256
                row.time = head.time
                row.key_id = head.key_id
                row.signature = head.signature
        except (SQLAlchemyError, StoreError) as exc:
            raise WitnessUnavailableError(f"{self.name} cannot be written: {exc}") from exc


def witnessed_in_database(database_url: str) -> SignedTreeHead | None:
    """The head the database at ``database_url`` witnesses, for offline checks.

    Nothing is migrated or created: a SQLite file that does not exist, an unreachable
    server or a database without the table raise :class:`WitnessUnavailableError`.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        raise WitnessUnavailableError(f"no database file at {url.database}")
    try:
        engine = create_engine_for(database_url)
    except StoreError as exc:
        raise WitnessUnavailableError(f"database {database_url!r}: {exc}") from exc
    try:
        factory = sessionmaker(engine)
        return DatabaseWitness(lambda: factory).load()
    finally:
        engine.dispose()

"""``LedgerService``: the site's evidence ledger with a node lifetime.

Opens (and recovers) the ledger at start, signs a tree head periodically while entries
arrive and once more at stop, so every entry written by a clean run is covered by a
signed head. Other services append through :meth:`append` from any thread.

Every signed head is also kept by two witnesses outside ``<data_dir>/ledger``: the file
``<data_dir>/ledger-witness.json`` and, when given, the site database. A ledger that no
longer reproduces a witnessed head (cut back or rewritten) is refused at start: the node
does not start, and says why, rather than append to it and sign over the loss.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from pydantic import JsonValue
from sqlalchemy.orm import Session, sessionmaker

from kordon.evidence.entry import EntryKind, LedgerEntry
from kordon.evidence.keys import Signer, fingerprint
from kordon.evidence.ledger import Ledger
from kordon.evidence.witness import WITNESS_FILE, FileWitness, TreeHeadWitness
from kordon.services.ledger_witness import DatabaseWitness
from kordon.video.source.clock import Clock

logger = logging.getLogger(__name__)


class LedgerService:
    name = "ledger"

    def __init__(
        self,
        data_dir: Path,
        *,
        clock: Clock,
        sign_every_s: float = 60.0,
        database: Callable[[], sessionmaker[Session]] | None = None,
    ) -> None:
        self._data_dir = data_dir
        self._witnesses: tuple[TreeHeadWitness, ...] = (FileWitness(data_dir / WITNESS_FILE),)
        if database is not None:
            self._witnesses += (DatabaseWitness(database),)
        self._clock = clock
        self._sign_every_s = sign_every_s
        self._ledger: Ledger | None = None
        self._task: asyncio.Task[None] | None = None
        self._signed_size = -1

    @property
    def data_dir(self) -> Path:
        """The site's data directory (file entries name paths relative to it)."""
        return self._data_dir

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            raise RuntimeError("ledger used before the ledger service started")
        return self._ledger

    def append(
        self,
        kind: EntryKind,
        subject: str,
        *,
        sha256: str | None = None,
        payload: Mapping[str, JsonValue] | None = None,
        time: datetime | None = None,
    ) -> LedgerEntry:
        """Append one entry now (thread-safe; synced before it returns)."""
        return self.ledger.append(
            kind, subject, time=time or self._clock.now(), sha256=sha256, payload=payload
        )

    async def start(self) -> None:
        def _open() -> Ledger:
            signer = Signer.load_or_create(self._data_dir)
            ledger = Ledger(self._data_dir / "ledger", signer, witnesses=self._witnesses)
            report = ledger.open()
            for tail in report.quarantined:
                logger.warning(
                    "ledger: incomplete last line of %s moved to %s", tail.file, tail.moved_to
                )
            logger.info(
                "ledger open: %d entries, key %s", report.entries, fingerprint(signer.key_id)
            )
            return ledger

        self._ledger = await asyncio.to_thread(_open)
        self._task = asyncio.create_task(self._sign_periodically(), name="ledger-sign")

    async def _sign_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._sign_every_s)
            await asyncio.to_thread(self._sign_if_grown)

    def _sign_if_grown(self) -> None:
        ledger = self.ledger
        if ledger.size != self._signed_size:
            ledger.sign_tree_head(self._clock.now())
            self._signed_size = ledger.size

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._ledger is not None:
            ledger = self._ledger

            def _close() -> None:
                self._sign_if_grown()
                ledger.close()

            await asyncio.to_thread(_close)
            self._ledger = None

"""A real :class:`LedgerService` for service tests, started and stopped on its own loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from kordon.services.ledger_service import LedgerService
from kordon.video.source.clock import Clock


@contextmanager
def running_ledger(
    data_dir: Path,
    clock: Clock,
    *,
    database: Callable[[], sessionmaker[Session]] | None = None,
) -> Iterator[LedgerService]:
    """Start the service (key, ledger, witnesses under ``data_dir``); stop it afterwards.

    The periodic signer waits an hour of loop time, which never passes here: heads are
    signed by the service's stop and by exports.
    """
    loop = asyncio.new_event_loop()
    service = LedgerService(data_dir, clock=clock, sign_every_s=3600.0, database=database)
    try:
        loop.run_until_complete(service.start())
        try:
            yield service
        finally:
            loop.run_until_complete(service.stop())
    finally:
        loop.close()

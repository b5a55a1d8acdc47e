"""``PeriodicTask``: run a blocking job every N seconds off the event loop (escalations,
retention sweeps); a failing run is logged and the next one still happens."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


class PeriodicTask:
    def __init__(self, name: str, job: Callable[[], object], *, every_s: float) -> None:
        self._name = name
        self._job = job
        self._every_s = every_s
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self._name

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self._name)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._every_s)
            try:
                await asyncio.to_thread(self._job)
            except Exception:
                logger.exception("%s failed", self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

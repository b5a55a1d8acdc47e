"""``StoreService``: opens the database (running migrations) at start, closes it at stop."""

from __future__ import annotations

import asyncio

from kordon.store.store import Store


class StoreService:
    """Owns the node's :class:`Store`; other services get it after ``start``."""

    name = "store"

    def __init__(self, url: str) -> None:
        self._store = Store(url)
        self._open = False

    @property
    def store(self) -> Store:
        if not self._open:
            raise RuntimeError("store used before the store service started")
        return self._store

    async def start(self) -> None:
        await asyncio.to_thread(self._store.open)
        self._open = True

    async def stop(self) -> None:
        if self._open:
            await asyncio.to_thread(self._store.close)
            self._open = False

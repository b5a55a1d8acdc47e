"""Ordering glue in the service list: a service that runs one callable at start."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class StartHook:
    """A service that runs one callable at start (ordering glue in the service list)."""

    def __init__(self, name: str, hook: Callable[[], None]) -> None:
        self.name = name
        self._hook = hook

    async def start(self) -> None:
        await asyncio.to_thread(self._hook)

    async def stop(self) -> None:
        return None

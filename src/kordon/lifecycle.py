"""The service role: every long-running part of a node starts and stops the same way.

The composition root (``kordon.app``) builds services from the configuration (cheap
constructors, no I/O), starts them in order and stops them in reverse.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kordon.domain.errors import KordonError

logger = logging.getLogger(__name__)


class Service(Protocol):
    """A part of the node with a lifetime: ``start`` does the work, ``stop`` undoes it."""

    @property
    def name(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ServiceStartError(KordonError):
    """A service failed to start; the services started before it were stopped again."""


@dataclass(frozen=True, slots=True)
class ServiceState:
    name: str
    running: bool


class ServiceGroup:
    """Starts services in order, stops them in reverse, each stop bounded in time."""

    def __init__(self, services: Sequence[Service], *, stop_timeout_s: float = 4.0) -> None:
        self._services = list(services)
        self._started: list[Service] = []
        self._stop_timeout_s = stop_timeout_s

    @property
    def services(self) -> list[Service]:
        return list(self._services)

    def states(self) -> list[ServiceState]:
        started = {id(s) for s in self._started}
        return [ServiceState(s.name, id(s) in started) for s in self._services]

    async def start(self) -> None:
        for service in self._services:
            t0 = time.perf_counter()
            try:
                await service.start()
            except Exception as exc:
                logger.error("service %s failed to start: %s", service.name, exc)
                await self.stop()
                raise ServiceStartError(f"{service.name} failed to start: {exc}") from exc
            self._started.append(service)
            logger.info("started %s in %.0f ms", service.name, (time.perf_counter() - t0) * 1000.0)

    async def stop(self) -> None:
        while self._started:
            service = self._started.pop()
            try:
                await asyncio.wait_for(service.stop(), timeout=self._stop_timeout_s)
                logger.info("stopped %s", service.name)
            except TimeoutError:
                logger.error(
                    "service %s did not stop within %.1f s", service.name, self._stop_timeout_s
                )
            except Exception:
                logger.exception("service %s failed while stopping", service.name)

"""The composition root: builds every service of a node from the site configuration.

Constructors here are cheap and do no I/O; ``Node.run`` starts the services in order
(store first, API last) and stops them in reverse when asked to.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from kordon import __version__
from kordon.api.health import health_router
from kordon.api.server import ApiServer
from kordon.bus.inprocess import InProcessBus
from kordon.config.models import SiteConfig
from kordon.lifecycle import Service, ServiceGroup
from kordon.services.store_service import StoreService

logger = logging.getLogger(__name__)


class Node:
    """One running Kordon node: its services, its bus, and how to run them."""

    def __init__(self, *, config: SiteConfig, services: ServiceGroup, bus: InProcessBus) -> None:
        self.config = config
        self.services = services
        self.bus = bus

    async def run(self, stop: asyncio.Event) -> None:
        """Start every service, wait for ``stop``, then stop them in reverse order."""
        self.bus.bind(asyncio.get_running_loop())
        await self.services.start()
        logger.info(
            "site %s running (%d services)", self.config.site.id, len(self.services.services)
        )
        try:
            await stop.wait()
        finally:
            logger.info("stopping site %s", self.config.site.id)
            await self.services.stop()


def build_node(
    config: SiteConfig, *, api_host: str | None = None, api_port: int | None = None
) -> Node:
    """Wire the all-in-one node (SQLite, in-process bus, API on the configured address)."""
    bus = InProcessBus()
    store = StoreService(config.database_url())
    group_ref: list[ServiceGroup] = []

    api = FastAPI(title=f"Kordon — {config.site.name}", version=__version__)
    api.include_router(
        health_router(
            site_id=config.site.id,
            version=__version__,
            provider=lambda: group_ref[0].states() if group_ref else [],
        )
    )
    api_server = ApiServer(
        api,
        host=api_host or config.api.host,
        port=api_port if api_port is not None else config.api.port,
    )
    services: list[Service] = [store, api_server]
    group = ServiceGroup(services)
    group_ref.append(group)
    return Node(config=config, services=group, bus=bus)

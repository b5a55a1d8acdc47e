"""``build_central``: the central server's composition root.

Services start in this order and stop in reverse: the store (PostgreSQL, migrated), the
ledger (the centre's own audit trail), the first admin account, one link receiver per
broker, the API and web UI over the central store — the same operator API as a node
(``kordon.api.app.create_api``), so one UI shows every outpost's events, incidents and
device health. What the receivers store is published on the centre's bus (bound to the
server's event loop by :meth:`CentralServer.run`; :class:`~kordon.central.live_feed.LinkLiveFeed`),
so ``/api/live`` shows it as it arrives; what they refuse becomes link health
(:class:`~kordon.central.link_health.LinkHealth`). Constructors are cheap and do no I/O.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from fastapi import FastAPI

import kordon
from kordon import __version__
from kordon.accounts.demo import ensure_demo_admin
from kordon.accounts.first_password import hand_over_password
from kordon.accounts.service import AccountService
from kordon.api.app import create_api
from kordon.api.context import ApiContext
from kordon.api.health import health_router
from kordon.api.server import ApiServer
from kordon.api.settings import api_settings, tls_files
from kordon.bus.inprocess import InProcessBus
from kordon.central.command_sender import CommandSender
from kordon.central.commands import CommandQueue
from kordon.central.config import CentralConfig
from kordon.central.evidence_pull_service import EvidencePullService
from kordon.central.evidence_routes import central_evidence_router
from kordon.central.link_health import LinkHealth
from kordon.central.link_routes import (
    central_command_router,
    central_link_router,
    central_outpost_router,
)
from kordon.central.link_service import (
    LinkReceiverService,
    broker_endpoint,
    command_brokers,
)
from kordon.central.live_feed import LinkLiveFeed
from kordon.central.outpost_view import (
    NoClips,
    NoExports,
    ReadOnlyIncidentActions,
)
from kordon.central.outposts import OutpostReader
from kordon.central.snapshots import CentralSnapshots
from kordon.central.track_picture import TrackPicture
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.geo.site_geometry import SiteGeometry
from kordon.heap import settle_heap
from kordon.incidents.service import IncidentService
from kordon.lifecycle import ServiceGroup
from kordon.link.kinds import Shipped
from kordon.link.topics import LinkTopics
from kordon.services.basemap_files import basemap_files
from kordon.services.evidence_log import EvidenceLog
from kordon.services.ledger_service import LedgerService
from kordon.services.site_view import SiteView
from kordon.services.store_service import StoreService
from kordon.video.source.clock import Clock, SystemClock

logger = logging.getLogger(__name__)


class CentralBuildError(KordonError):
    """The central server cannot be built from its configuration."""


class _FirstAdmin:
    """Creates the first admin (generated password handed over in a 0600 file)."""

    name = "first-admin"

    def __init__(self, create: Callable[[], None]) -> None:
        self._create = create

    async def start(self) -> None:
        await asyncio.to_thread(self._create)

    async def stop(self) -> None:
        return None


class CentralServer:
    """The running central server: its services and its API."""

    def __init__(
        self,
        *,
        config: CentralConfig,
        services: ServiceGroup,
        api: ApiServer,
        receivers: list[LinkReceiverService],
        store: StoreService,
        bus: InProcessBus,
    ) -> None:
        self.config = config
        self.services = services
        self.api = api
        self.receivers = receivers
        self.store = store
        self.bus = bus

    async def run(self, stop: asyncio.Event) -> None:
        """Start every service, wait for ``stop``, then stop them in reverse order."""
        self.bus.bind(asyncio.get_running_loop())  # the live feed's subscribers run here
        await self.services.start()
        settle_heap()
        logger.info(
            "central %s running: %d edge(s) over %d broker(s); operator UI and API at %s",
            self.config.central.id,
            len(self.config.allowed_edges),
            len(self.receivers),
            self.api.url,
        )
        try:
            await stop.wait()
        finally:
            logger.info("stopping central %s", self.config.central.id)
            await self.services.stop()


def _web_dir() -> Path | None:
    candidate = Path(kordon.__file__).resolve().parents[2] / "web" / "dist"
    return candidate if (candidate / "index.html").is_file() else None


def build_central(
    config: CentralConfig,
    site: SiteConfig,
    *,
    api_host: str | None = None,
    api_port: int | None = None,
    web_dir: Path | None = None,
    clock: Clock | None = None,
) -> CentralServer:
    """Wire the central server; ``site`` is the map (its devices are not run)."""
    clock = clock or SystemClock()
    bus = InProcessBus()
    live_feed = LinkLiveFeed(bus)
    data_dir = config.resolve(config.data_dir)
    store_svc = StoreService(config.database_url)
    ledger_svc = LedgerService(data_dir, clock=clock, database=lambda: store_svc.store.sessions)
    evidence = EvidenceLog(ledger_svc)
    try:
        geometry = SiteGeometry.from_config(site)
    except KordonError as exc:
        raise CentralBuildError(f"site {config.site}: {exc}") from exc
    site_view = SiteView(site, geometry)
    tiles = site.basemap.tiles  # the map's offline basemap, served as a node serves it
    basemap = basemap_files(site.resolve_path(tiles) if tiles is not None else None)
    try:
        basemap.check()
    except KordonError as exc:
        raise CentralBuildError(f"site {config.site}: basemap.tiles: {exc}") from exc

    def first_admin() -> None:
        password = ensure_demo_admin(store_svc.store, time=clock.now())
        if password is None:
            return
        evidence.record(
            "system", "user.create", "user:admin", "done", {"role": "admin"}, clock.now()
        )
        handover = hand_over_password("admin", password, directory=data_dir, terminal=sys.stderr)
        logger.warning(
            "first start: created user 'admin'; its password is in %s: change it, then "
            "delete the file",
            handover.path,
        )

    link_health = LinkHealth(lambda: store_svc.store, clock=clock.now, publish=live_feed.device)
    track_picture = TrackPicture(clock=clock.now, publish=live_feed.track)

    def stored(edge: str, items: Sequence[Shipped]) -> None:
        link_health.stored(edge)
        live_feed.stored(edge, items)

    try:
        receivers = [
            LinkReceiverService(
                config,
                broker,
                store=lambda: store_svc.store,
                clock=clock.now,
                on_stored=stored,
                on_refused=link_health.refused,
                on_clock=link_health.clock,
                on_tracks=track_picture.update,
            )
            for broker in config.brokers
        ]
        commands = CommandSender(
            lambda: CommandQueue(store_svc.store.sessions),
            command_brokers(config),
            edges=config.allowed_edges,
            revoked=config.revoked_edges,
            clock=clock.now,
        )
        # Clips and exports pulled from the outposts on demand (through the first broker).
        first_broker = config.brokers[0]
        evidence_pull = EvidencePullService(
            broker_endpoint(config, first_broker),
            store=lambda: store_svc.store,
            data_dir=data_dir,
            allowed_edge=lambda edge: edge in config.allowed_edges,
            topics=LinkTopics(root=first_broker.topic_root),
            audit=evidence,
            clock=clock.monotonic,
            now=clock.now,
        )
    except (OSError, ValueError) as exc:
        raise CentralBuildError(f"broker credentials: {exc}") from exc
    outposts = {e.id: e.name or e.id for e in config.edges if not e.revoked}
    group_holder: list[ServiceGroup] = []

    def make_api() -> FastAPI:
        store = store_svc.store
        incidents = IncidentService(store, bus_publish=lambda _incident: None)
        context = ApiContext(
            accounts=AccountService(store.sessions),
            events=store.events,
            incidents=incidents,
            incident_actions=ReadOnlyIncidentActions(),
            devices=store.devices,
            map_layers=site_view,
            cameras=site_view,
            clips=NoClips(),
            snapshots=CentralSnapshots(lambda: store_svc.store),
            exports=NoExports(),
            audit=evidence,
            audit_reader=evidence,
            basemap=basemap,
            bus=bus,
            current_tracks=track_picture.current,
            clock=clock.now,
            monotonic_s=clock.monotonic,
            settings=api_settings(config.api, static_dir=web_dir or _web_dir()),
        )
        health = health_router(
            site_id=config.central.id,
            version=__version__,
            provider=group_holder[0].states,  # made below, before the API starts
        )
        link = central_link_router(
            config.central.id,
            receivers,
            edges=sorted(config.allowed_edges),
            revoked=sorted(config.revoked_edges),
        )
        command_routes = central_command_router(
            queue=lambda: CommandQueue(store.sessions),
            wake=commands.wake,
            edges=outposts,
            revoked=config.revoked_edges,
        )
        outpost_routes = central_outpost_router(
            reader=lambda: OutpostReader(store.sessions),
            queue=lambda: CommandQueue(store.sessions),
            edges=outposts,
            revoked=config.revoked_edges,
        )
        pulls = central_evidence_router(lambda: evidence_pull.puller)
        return create_api(
            context, extra_routers=[health, link, command_routes, outpost_routes, pulls]
        )

    api_config = config.api.model_copy(update={"host": api_host or config.api.host})
    api_server = ApiServer(
        make_api,
        host=api_config.host,
        port=api_port if api_port is not None else config.api.port,
        tls=tls_files(api_config, config.resolve),
    )
    group = ServiceGroup(
        [
            store_svc,
            ledger_svc,
            _FirstAdmin(first_admin),
            *receivers,
            commands,
            evidence_pull,
            api_server,
        ]
    )
    group_holder.append(group)
    return CentralServer(
        config=config,
        services=group,
        api=api_server,
        receivers=receivers,
        store=store_svc,
        bus=bus,
    )

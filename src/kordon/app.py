"""The composition root: builds every service of a node from the site configuration.

Constructors here are cheap and do no I/O. ``Node.run`` starts the services in order —
store, ledger, site geometry, incidents, cameras (simulated cameras, recorders,
analytics), periodic jobs, API — and stops them in reverse when asked to. Components that
need an open store receive it through small callables, resolved when first used. The
parts are built by the private modules of ``kordon.compose`` (and the device kinds by
``kordon.wiring``); this module decides their order.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from kordon.api.server import ApiServer
from kordon.api.settings import tls_files
from kordon.bus.channels import ALERTS, INCIDENTS
from kordon.bus.inprocess import InProcessBus
from kordon.compose.api import api_factory
from kordon.compose.cameras import camera_services
from kordon.compose.devices import field_devices
from kordon.compose.edge import EdgeParts, edge_parts
from kordon.compose.events import event_path
from kordon.compose.jobs import periodic_jobs
from kordon.compose.outbound import outbound
from kordon.compose.picture import picture_parts
from kordon.compose.recording import recordings_on, retention_task
from kordon.compose.reports import scheduled_reports
from kordon.compose.site import site_basemap, site_geometry
from kordon.compose.slots import IncidentSlot, RegisterSlot, UnitRegister
from kordon.compose.start_hook import StartHook
from kordon.compose.store_open import start_incidents
from kordon.config.models import SiteConfig
from kordon.config.support import unsupported_in
from kordon.domain.incident import Incident
from kordon.heap import settle_heap
from kordon.incidents.alerts import IncidentAlert
from kordon.lifecycle import Service, ServiceGroup
from kordon.node_errors import NodeBuildError
from kordon.record.playback import PlaybackFiles
from kordon.record.retention import RetentionPolicy
from kordon.services.clips import ClipService
from kordon.services.evidence_log import EvidenceLog
from kordon.services.exports import ExportService
from kordon.services.ledger_service import LedgerService
from kordon.services.live_frames import CameraOverlay, LiveFrames
from kordon.services.pulled_evidence import NodeEvidenceSource
from kordon.services.recent_alerts import RecentAlerts
from kordon.services.recorder_service import RecorderService
from kordon.services.site_view import SiteView
from kordon.services.store_service import StoreService
from kordon.services.track_feed import TrackFeed
from kordon.sim.scenes import Scene
from kordon.store.store import Store
from kordon.video.live.service import LiveVideoService
from kordon.video.source.clock import Clock, SystemClock
from kordon.wiring.worlds import shared_worlds

logger = logging.getLogger(__name__)


class Node:
    """One running Kordon node: its services, its bus, and how to run them."""

    def __init__(
        self,
        *,
        config: SiteConfig,
        services: ServiceGroup,
        bus: InProcessBus,
        api: ApiServer,
    ) -> None:
        self.config = config
        self.services = services
        self.bus = bus
        self.api = api

    async def run(self, stop: asyncio.Event) -> None:
        """Start every service, wait for ``stop``, then stop them in reverse order."""
        self.bus.bind(asyncio.get_running_loop())
        await self.services.start()
        settle_heap()
        logger.info(
            "site %s running (%d services); operator UI and API at %s",
            self.config.site.id,
            len(self.services.services),
            self.api.url,
        )
        try:
            await stop.wait()
        finally:
            logger.info("stopping site %s", self.config.site.id)
            await self.services.stop()


def default_web_dir() -> Path | None:
    """``web/dist`` of a source checkout (``make run`` builds it), when present."""
    candidate = Path(__file__).resolve().parents[2] / "web" / "dist"
    return candidate if (candidate / "index.html").is_file() else None


def build_node(
    config: SiteConfig,
    *,
    api_host: str | None = None,
    api_port: int | None = None,
    web_dir: Path | None = None,
    clock: Clock | None = None,
) -> Node:
    """Wire the all-in-one node (SQLite by default, in-process bus, API and web UI)."""
    if refused := unsupported_in(config):  # never start with configured devices ignored
        raise NodeBuildError("; ".join(r.describe() for r in refused))
    clock = clock or SystemClock()
    bus = InProcessBus()
    data_dir = config.data_path()
    store_svc = StoreService(config.database_url())

    def store() -> Store:
        return store_svc.store

    ledger_svc = LedgerService(data_dir, clock=clock, database=lambda: store_svc.store.sessions)
    evidence = EvidenceLog(ledger_svc)
    geometry = site_geometry(config)
    site_view = SiteView(config, geometry)
    basemap = site_basemap(config)
    incidents = IncidentSlot()
    register = RegisterSlot()
    units = UnitRegister(store, sector_ids=[s.id for s in config.sectors], audit=evidence)
    recent_alerts = RecentAlerts()

    def publish_incident(incident: Incident) -> None:
        bus.publish(INCIDENTS, incident)

    def publish_alert(alert: IncidentAlert) -> None:
        recent_alerts.add(alert)  # numbered first: a reconnecting browser asks by number
        bus.publish(ALERTS, alert)

    # Filled as the cameras are wired; read (by camera id) once the node runs.
    overlays: dict[str, CameraOverlay] = {}
    scenes: dict[str, Scene] = {}
    recorders: dict[str, RecorderService] = {}
    roll_s: dict[str, tuple[float, float]] = {}
    recordings = recordings_on(store)
    events = event_path(
        config,
        geometry,
        bus,
        store=store,
        incidents=incidents,
        recordings=recordings,
        roll_s=roll_s,
        clock=clock,
    )
    ingest = events.pending_events.submit
    record_status = events.record_status
    retention_policy = RetentionPolicy.from_config(config.storage)

    services: list[Service] = [store_svc]
    snapshot_dir = data_dir / "snapshots"
    edge: EdgeParts | None = None
    if config.edge is not None:  # an outpost: its changes go to the centre (docs/edge-central.md)
        edge = edge_parts(
            config.edge,
            resolve=config.resolve_path,
            store=store,
            ledger=lambda: ledger_svc.ledger,
            snapshot_dir=snapshot_dir,
            bus=bus,
            now=clock.now,
            audit=evidence,
            incidents=incidents,
            # the centre pulls clips and exports on demand (made further down)
            evidence=lambda: NodeEvidenceSource(clips=clips, exports=exports),
        )
        services.append(edge.outbox)  # before anything writes
    services.append(ledger_svc)
    if edge is not None:  # after the ledger: the sender ships it too (audit entries)
        services.append(edge.link)
    services += [
        StartHook("geometry", geometry.build_indexes),
        StartHook(
            "incidents",
            lambda: start_incidents(
                config,
                store=store,
                data_dir=data_dir,
                evidence=evidence,
                clock=clock,
                publish_incident=publish_incident,
                publish_alert=publish_alert,
                incidents=incidents,
                register=register,
                units=units,
            ),
        ),
    ]
    if edge is not None:  # after the incidents: the centre's commands act through them
        services.append(edge.commands)
    # right after the incidents: notifiers see the first events
    told = outbound(config, geometry, bus, clock=clock, record_status=record_status, units=units)
    services.extend(told.services)
    live_frames = LiveFrames(
        snapshot_dir,
        overlays,
        evidence=evidence,
        on_event_snapshot=None if edge is None else edge.snapshots.written,
    )
    track_feed = TrackFeed(bus, sector_of=geometry.sectors.sector_of)
    live_video = LiveVideoService(
        clock=clock,
        playback=PlaybackFiles(
            data_dir=data_dir,
            repository=recordings,
            live=lambda cid: recorders[cid].live_packets() if cid in recorders else None,
            recorded_sha256=evidence.recorded_sha256,
        ),
    )

    worlds = shared_worlds(config)
    fusion = picture_parts(
        config,
        geometry,
        bus,
        ingest=ingest,
        snapshot=lambda e: live_frames.save_event_snapshots(e.source_id, [e]),
    )
    services.extend(fusion.services)
    services.extend(
        camera_services(
            config,
            geometry,
            bus,
            clock=clock,
            worlds=worlds,
            live_frames=live_frames,
            live_video=live_video,
            track_feed=track_feed,
            ingest=ingest,
            record_status=record_status,
            data_dir=data_dir,
            recordings=recordings,
            evidence=evidence,
            retention_policy=retention_policy,
            overlays=overlays,
            scenes=scenes,
            recorders=recorders,
            roll_s=roll_s,
        )
    )
    devices = field_devices(
        config,
        geometry,
        bus,
        ground=fusion.ground,
        radars=fusion.radars,
        clock=clock,
        record_status=record_status,
        scenes=scenes,
        worlds=worlds,
    )
    services.extend(devices.services)

    clips = ClipService(
        store=store,
        repository=recordings,
        data_dir=data_dir,
        roll_s=roll_s,
        live=lambda cid: recorders[cid].live_packets() if cid in recorders else None,
        clock=clock.now,
        evidence=evidence,
    )
    exports = ExportService(
        site_id=config.site.id,
        data_dir=data_dir,
        ledger=ledger_svc,
        clips=clips,
        snapshots=live_frames,
        store=store,
        read_incident=lambda incident_id: incidents.get().get(incident_id),
        privacy_masks={cid: overlay.privacy_masks for cid, overlay in overlays.items()},
    )
    services.extend(
        periodic_jobs(
            incidents=incidents,
            events=events,
            reports=scheduled_reports(config, store=store, evidence=evidence, clock=clock),
            clock=clock,
        )
    )
    services.append(live_video)
    if recorders:
        services.append(
            retention_task(
                store=store,
                data_dir=data_dir,
                recordings=recordings,
                policy=retention_policy,
                alarm=ingest,
                exported=exports.has_export,
                clock=clock,
                evidence=evidence,
            )
        )

    api_config = config.api.model_copy(update={"host": api_host or config.api.host})
    api_server = ApiServer(
        api_factory(
            config,
            api_config,
            store=store,
            bus=bus,
            clock=clock,
            static_dir=lambda: web_dir or default_web_dir(),
            states=lambda: group.states(),  # noqa: PLW0108 (group is made below)
            incidents=incidents,
            register=register,
            units=units,
            site_view=site_view,
            basemap=basemap,
            evidence=evidence,
            recent_alerts=recent_alerts,
            clips=clips,
            exports=exports,
            live_frames=live_frames,
            live_video=live_video,
            recorders=recorders,
            ground=devices.ground,
            picture=fusion.picture,
            track_book=fusion.track_book,
            drone_tasking=devices.drone_tasking,
            notifiers=[*told.notifiers, *told.taks],
        ),
        host=api_config.host,
        port=api_port if api_port is not None else config.api.port,
        tls=tls_files(api_config, config.resolve_path),
    )
    services.append(api_server)
    group = ServiceGroup(services)
    return Node(config=config, services=group, bus=bus, api=api_server)

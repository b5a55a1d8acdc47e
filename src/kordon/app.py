"""The composition root: builds every service of a node from the site configuration.

Constructors here are cheap and do no I/O. ``Node.run`` starts the services in order —
store, ledger, site geometry, incidents, cameras (simulated cameras, recorders,
analytics), periodic jobs, API — and stops them in reverse when asked to. Components that
need an open store receive it through small callables, resolved when first used.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from kordon import __version__
from kordon.accounts.demo import ensure_demo_admin
from kordon.accounts.first_password import hand_over_password
from kordon.accounts.service import AccountService
from kordon.api.app import create_api
from kordon.api.context import ApiContext
from kordon.api.health import camera_conditions, health_router
from kordon.api.routes import drones as drone_routes
from kordon.api.routes import geoexport as geoexport_routes
from kordon.api.routes import units as unit_routes
from kordon.api.routes import video as video_routes
from kordon.api.routes.metrics import metrics_router
from kordon.api.routes.reports import session_router
from kordon.api.server import ApiServer
from kordon.api.settings import api_settings, tls_files
from kordon.bus.channels import ALERTS, DEVICE_STATUS, EVENTS, INCIDENTS, OBSERVATIONS
from kordon.bus.inprocess import InProcessBus
from kordon.central.edge_commands import EdgeCommandService
from kordon.central.edge_link import EdgeLinkService
from kordon.config.integrations import AsterixRadar, GroundSensor, MavlinkSensor
from kordon.config.models import (
    CameraConfig,
    FileSource,
    SimulatorSource,
    SiteConfig,
)
from kordon.config.support import unsupported_in
from kordon.domain.errors import KordonError
from kordon.domain.event import Event
from kordon.domain.incident import Incident
from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceStatus
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.geo.stage import GeoStage, GeoStageSettings
from kordon.heap import settle_heap
from kordon.incidents.alerts import IncidentAlert
from kordon.incidents.correlator import CorrelationPolicy, Correlator
from kordon.incidents.device_watch import DeviceWatch, WatchedDevice
from kordon.incidents.service import IncidentService
from kordon.incidents.sla import SlaPolicy
from kordon.incidents.store_outbox import EdgeOutbox
from kordon.interop.geoexport import TrackBook
from kordon.lifecycle import Service, ServiceGroup
from kordon.link.durability import require_full_sync
from kordon.link.outbox import Outbox
from kordon.link.snapshot_entry import EdgeSnapshots
from kordon.node_errors import NodeBuildError
from kordon.notify.factory import build_notifiers
from kordon.notify.incident_counts import incidents_by_status
from kordon.notify.metrics import MetricsCollector
from kordon.record.packet_source import AvPacketSource, PacketSource
from kordon.record.playback import PlaybackFiles
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.record.retention import RetentionManager, RetentionPolicy
from kordon.register.context import RegisterContext
from kordon.register.demo import DemoCamera, seed_demo
from kordon.register.photos import PhotoStore
from kordon.register.queries import RegisterQueries
from kordon.register.site import SiteDevices
from kordon.reports.record import ledger_sink
from kordon.reports.register_link import RegisterProjectFacts, register_project_access
from kordon.reports.schedule import Schedule, ScheduledReports
from kordon.reports.service import ReportService
from kordon.reports.site_service import report_service_for
from kordon.sensors.asterix.service import AsterixRadarService, rate_limit
from kordon.services.basemap_files import basemap_files
from kordon.services.camera_service import CameraService
from kordon.services.clips import ClipService
from kordon.services.evidence_log import EvidenceLog
from kordon.services.exports import ExportService
from kordon.services.incident_actions import IncidentActionsAdapter
from kordon.services.ledger_service import LedgerService
from kordon.services.live_frames import CameraOverlay, LiveFrames
from kordon.services.maintenance import PeriodicTask, StorageMaintenance
from kordon.services.pending_events import PendingEvents
from kordon.services.pulled_evidence import NodeEvidenceSource
from kordon.services.recent_alerts import RecentAlerts
from kordon.services.recorder_service import RecorderService
from kordon.services.site_view import SiteView
from kordon.services.store_service import StoreService
from kordon.services.track_feed import TrackFeed
from kordon.sim.camera import SimulatedCamera
from kordon.sim.camera_scene import scene_for_camera
from kordon.sim.drone_camera import SimulatedFlight
from kordon.sim.render import Renderer
from kordon.sim.scenes import Scene
from kordon.sim.source import SimulatedSource
from kordon.site.picture import SitePicture
from kordon.units.demo import seed_demo_units
from kordon.units.positions import FieldReport, store_report_or_log
from kordon.units.service import UnitService
from kordon.video.factory import build_camera_pipeline, build_frame_source
from kordon.video.live.pacing import PacedPacketSource
from kordon.video.live.service import LiveVideoService, camera_shapes
from kordon.video.pipeline.pipeline import CameraPipeline
from kordon.video.pipeline.result import FrameResult
from kordon.video.source.base import FrameSource, HealthSink
from kordon.video.source.clock import Clock, SystemClock
from kordon.video.source.decimate import next_slot_start_s
from kordon.video.source.frame import Frame
from kordon.wiring.drone_video import drone_video_specs, drone_videos
from kordon.wiring.drones import drones
from kordon.wiring.ground import ground_sensors
from kordon.wiring.radars import radars as wire_radars
from kordon.wiring.site_picture import site_picture
from kordon.wiring.tak import tak_services
from kordon.wiring.tak_phones import simulated_phones
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


@dataclass
class _Register:
    """The equipment register, created once the store is open."""

    context: RegisterContext | None = None


@dataclass
class _Incidents:
    """The incident service, created once the store is open."""

    service: IncidentService | None = None

    def get(self) -> IncidentService:
        if self.service is None:
            raise RuntimeError("incident service used before the node started")
        return self.service


class _StartHook:
    """A service that runs one callable at start (ordering glue in the service list)."""

    def __init__(self, name: str, hook: Callable[[], None]) -> None:
        self.name = name
        self._hook = hook

    async def start(self) -> None:
        await asyncio.to_thread(self._hook)

    async def stop(self) -> None:
        return None


def default_web_dir() -> Path | None:
    """``web/dist`` of a source checkout (``make run`` builds it), when present."""
    candidate = Path(__file__).resolve().parents[2] / "web" / "dist"
    return candidate if (candidate / "index.html").is_file() else None


def _scene_for(config: SiteConfig, camera: CameraConfig, source: SimulatorSource) -> Scene:
    try:
        return scene_for_camera(config, camera, source)
    except KordonError as exc:
        raise NodeBuildError(f"camera {camera.id!r}: {exc}") from exc


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
    ledger_svc = LedgerService(data_dir, clock=clock, database=lambda: store_svc.store.sessions)
    evidence = EvidenceLog(ledger_svc)
    try:
        geometry = SiteGeometry.from_config(config)
    except KordonError as exc:
        raise NodeBuildError(str(exc)) from exc
    site_view = SiteView(config, geometry)
    tiles = config.basemap.tiles
    basemap = basemap_files(config.resolve_path(tiles) if tiles is not None else None)
    try:
        basemap.check()
    except KordonError as exc:
        raise NodeBuildError(f"basemap.tiles: {exc}") from exc
    incidents = _Incidents()
    register = _Register()

    def publish_incident(incident: Incident) -> None:
        bus.publish(INCIDENTS, incident)

    recent_alerts = RecentAlerts()

    built_units: list[UnitService] = []

    def unit_register() -> UnitService:
        """The patrol-unit register, built once on first use (the store opens at start)."""
        if not built_units:
            built_units.append(
                UnitService(
                    store_svc.store, sector_ids=[s.id for s in config.sectors], audit=evidence
                )
            )
        return built_units[0]

    def field_unit_position(report: FieldReport) -> None:
        store_report_or_log(unit_register(), report)

    def publish_alert(alert: IncidentAlert) -> None:
        recent_alerts.add(alert)  # numbered first: a reconnecting browser asks by number
        bus.publish(ALERTS, alert)

    def start_incidents() -> None:
        settings = config.incidents
        incidents.service = IncidentService(
            store_svc.store,
            publish_incident,
            alert_publish=publish_alert,
            audit=evidence,
            correlator=Correlator(
                CorrelationPolicy(
                    window_s=settings.correlation_window_s,
                    radius_m=settings.correlation_radius_m,
                )
            ),
            sla=SlaPolicy(ack_s=settings.sla.by_priority()),
        )
        register.context = RegisterContext.build(
            store_svc.store.sessions,
            evidence,
            photos=PhotoStore(data_dir / "register" / "photos"),
            site=SiteDevices.of_site(config),
        )
        if config.site.demo:
            seed_demo(
                register.context.service,
                cameras=[DemoCamera(c.id, c.sector) for c in config.cameras],
                sector_ids=[s.id for s in config.sectors],
                time=clock.now(),
            )
            seed_demo_units(
                unit_register(),
                sectors=[(s.id, s.name) for s in config.sectors],
                time=clock.now(),
            )
        password = ensure_demo_admin(store_svc.store, time=clock.now())
        if password is not None:
            evidence.record(
                "system", "user.create", "user:admin", "done", {"role": "admin"}, clock.now()
            )
            # Only its hash is stored; the password itself never goes through logging.
            handover = hand_over_password(
                "admin", password, directory=data_dir, terminal=sys.stderr
            )
            logger.warning(
                "first start: created user 'admin'; its password is in %s (readable only by "
                "this account%s): change it with `kordon user reset-password`, then delete it",
                handover.path,
                ", and printed on the terminal" if handover.on_terminal else "",
            )

    def record_status(status: DeviceStatus) -> None:
        try:
            store_svc.store.devices.record(status)
        except KordonError as exc:
            logger.warning("device status of %s not stored: %s", status.device_id, exc)
        bus.publish(DEVICE_STATUS, status)
        device_watch.observe(status)

    def ingest(event: Event) -> None:
        result = incidents.get().ingest(event, event.time)
        if result.incident is not None:
            for camera_id in _cameras_behind(event):
                if camera_id in roll_s:
                    hold_incident_footage(event, camera_id, result.incident.incident.id)
        bus.publish(EVENTS, event)

    def hold_incident_footage(event: Event, camera_id: str, incident_id: str) -> None:
        """Evidence lock: the footage around an incident's event is never deleted by retention."""
        pre_s, post_s = roll_s[camera_id]
        try:
            recordings().hold(
                camera_id,
                event.time - timedelta(seconds=pre_s),
                event.time + timedelta(seconds=post_s),
                "incident",
                time=clock.now(),
                incident_id=incident_id,
                event_id=event.id,
            )
        except KordonError as exc:
            logger.error("footage of event %s on %s not held: %s", event.id, camera_id, exc)

    def recordings() -> RecordingRepository:
        return RecordingRepository.on_sessions(store_svc.store.sessions)

    pending_events = PendingEvents(ingest)  # events wait here while the store cannot write
    watched: dict[str, WatchedDevice] = {}
    for camera in config.cameras:
        if camera.enabled:
            watched[camera.id] = WatchedDevice(sector_id=camera.sector, reports_periodically=True)
            if camera.recording.enabled:
                watched[f"{camera.id}/recorder"] = WatchedDevice(sector_id=camera.sector)
    for sensor in config.sensors:  # these report their own losses (watchdogs, heartbeats)
        sector = geometry.sectors.sector_of([_sensor_xy(geometry, sensor)])[0] or None
        if isinstance(sensor, MavlinkSensor):
            for system_id in sensor.system_ids:  # a drone lost in flight is an incident
                watched[f"{sensor.id}:{system_id}"] = WatchedDevice(sector_id=None)
        else:
            watched[sensor.id] = WatchedDevice(sector_id=str(sector) if sector else None)
    device_watch = DeviceWatch(
        watched, offline_after_s=config.incidents.device_offline_after_s, emit=pending_events.submit
    )
    retention_policy = RetentionPolicy.from_config(config.storage)

    services: list[Service] = [store_svc]
    snapshot_dir = data_dir / "snapshots"
    edge_snapshots: EdgeSnapshots | None = None
    if config.edge is not None:  # an outpost: its changes go to the centre (docs/edge-central.md)
        # Each event's snapshot follows its event (kordon.link.snapshot_entry).
        edge_snapshots = EdgeSnapshots(
            store=lambda: store_svc.store,
            read=lambda event_id: LiveFrames.read_event_jpeg(snapshot_dir, event_id),
            clock=clock.now,
        )

        def start_edge_outbox() -> None:
            # Before anything writes: from here on every event, incident change and device
            # status is queued for the centre in its own transaction, fsynced at commit.
            store = store_svc.store
            require_full_sync(store.engine)
            outbox = Outbox(store.sessions)
            store.add_commit_hook(EdgeOutbox(outbox, clock=clock.now, snapshots=edge_snapshots))

        services.append(_StartHook("edge-outbox", start_edge_outbox))
    services.append(ledger_svc)
    if config.edge is not None:  # after the ledger: the sender ships it too (audit entries)
        services.append(
            EdgeLinkService(
                config.edge,
                store=lambda: store_svc.store,
                resolve=config.resolve_path,
                ledger=lambda: ledger_svc.ledger,
                now=clock.now,
                bus=bus,
                # the centre pulls clips and exports on demand (made further down)
                evidence=lambda: NodeEvidenceSource(clips=clips, exports=exports),
            )
        )
    services += [
        _StartHook("geometry", geometry.build_indexes),
        _StartHook("incidents", start_incidents),
    ]
    if config.edge is not None:  # after the incidents: the centre's commands act through them
        services.append(
            EdgeCommandService(
                config.edge,
                store=lambda: store_svc.store,
                incidents=lambda: incidents.service,
                resolve=config.resolve_path,
                audit=evidence,
                now=clock.now,
            )
        )
    try:  # right after the incidents: notifiers see the first events
        notifiers = build_notifiers(
            config.notifiers,
            bus,
            site_id=config.site.id,
            environ=os.environ,
            clock=clock.now,
            resolve_path=config.resolve_path,
            on_status=record_status,
        )
    except KordonError as exc:
        raise NodeBuildError(f"notifiers: {exc}") from exc
    services.extend(notifiers)
    taks = tak_services(
        config,
        geometry,
        bus,
        clock=clock.now,
        on_status=record_status,
        on_field_unit=field_unit_position,
    )
    services.extend(taks)
    services.extend(
        simulated_phones(config, geometry, taks, lambda: unit_register().list(), clock=clock)
    )
    overlays: dict[str, CameraOverlay] = {}
    live_frames = LiveFrames(
        snapshot_dir,
        overlays,
        evidence=evidence,
        on_event_snapshot=None if edge_snapshots is None else edge_snapshots.written,
    )
    recorders: dict[str, RecorderService] = {}
    roll_s: dict[str, tuple[float, float]] = {}
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
    scenes: dict[str, Scene] = {}
    ground = [s for s in config.sensors if isinstance(s, GroundSensor)]
    radars = AsterixRadarService.radars(config.sensors)
    fused = config.fusion.enabled
    if ground and not fused:
        raise NodeBuildError(
            "ground sensors report areas, not tracks: they need the site picture "
            "(fusion.enabled: true)"
        )
    if radars and not fused:
        raise NodeBuildError(
            "radars report plots, not site tracks: they need the site picture "
            "(fusion.enabled: true)"
        )
    drone_cameras = drone_video_specs(config)
    if drone_cameras and not fused:
        raise NodeBuildError(
            "drone cameras report geolocated detections, not site tracks: they need the site "
            "picture (fusion.enabled: true)"
        )
    stage_settings = GeoStageSettings(geo_rules=not fused)
    picture: SitePicture | None = None
    track_book: TrackBook | None = None
    if fused:
        # started before the picture, so the exports have every step's tracks
        track_book = TrackBook(bus)
        services.append(track_book)
        picture = site_picture(
            config,
            geometry,
            bus,
            ingest=pending_events.submit,
            snapshot=lambda e: live_frames.save_event_snapshots(e.source_id, [e]),
            extra_sensors=[
                SensorSpec(
                    s.id,
                    SensorKind.GROUND,
                    max_rate_hz=s.max_alarm_rate_hz,
                    burst=float(s.alarm_burst),
                )
                for s in ground
            ]
            + [
                SensorSpec(
                    r.id,
                    SensorKind.RADAR,
                    max_rate_hz=r.max_plots_per_s,
                    burst=float(rate_limit(r).burst),
                )
                for r in radars
            ]
            + drone_cameras,
        )
        services.append(picture)
    for camera in config.cameras:
        if not camera.enabled:
            continue
        geo_stage = GeoStage.from_site(
            config, camera.id, geometry=geometry, settings=stage_settings
        )
        model = geometry.camera_model(camera)
        border = geometry.border_for_camera(camera, config)
        overlays[camera.id] = CameraOverlay(
            privacy_masks=tuple(m for m in camera.masks if m.purpose == "privacy"),
            camera_model=model,
            border_xy=(border.vertices_xy,) if border is not None else (),
        )
        make_source: Callable[[HealthSink], FrameSource]
        packet_source: object = None
        live_source: Callable[[], PacketSource]
        if isinstance(camera.source, SimulatorSource):
            scene = _scene_for(config, camera, camera.source)
            scenes[camera.id] = scene
            simulated = SimulatedSource(
                Renderer(scene.scenario, scene.projector),
                None,  # frames are stamped with the wall time they are paced out at
                realtime=True,
                clock=clock,
                source_id=camera.id,
                epoch=worlds.get(camera.source.world or camera.id),
            )
            hub = SimulatedCamera(camera.id, simulated)
            services.append(hub)
            fps = camera.analytics.fps

            def make_sim_source(
                _health: HealthSink, hub: SimulatedCamera = hub, fps: float = fps
            ) -> FrameSource:
                return hub.frame_source(target_fps=fps)

            make_source = make_sim_source
            packet_source = hub.packet_source()
            live_source = hub.packet_source
        else:

            def make_real_source(health: HealthSink, camera: CameraConfig = camera) -> FrameSource:
                return build_frame_source(camera, config, clock=clock, health=health)

            make_source = make_real_source
            if isinstance(camera.source, FileSource):
                live_source = functools.partial(
                    _paced_file, str(config.resolve_path(camera.source.path)), clock
                )
                if camera.recording.enabled:
                    logger.info(
                        "camera %s: a video file is its own recording; not re-recorded",
                        camera.id,
                    )
            else:
                packet_source = camera.source.url
                live_source = functools.partial(AvPacketSource, camera.source.url)
        live_video.add_camera(
            camera.id,
            live_source,
            masks=overlays[camera.id].privacy_masks,
            shapes=camera_shapes(
                camera.rules,
                model,
                overlays[camera.id].border_xy,
                model.image_size_wh if model is not None else (0, 0),
            ),
        )
        if camera.recording.enabled and packet_source is not None:
            roll_s[camera.id] = (camera.recording.pre_roll_s, camera.recording.post_roll_s)
            recorders[camera.id] = _recorder_service(
                camera,
                packet_source,
                data_dir=data_dir,
                recordings=recordings,
                clock=clock,
                health=record_status,
                evidence=evidence,
                alarm=pending_events.submit,
                policy=retention_policy,
            )
            services.append(recorders[camera.id])
        services.append(
            CameraService(
                camera.id,
                make_source=make_source,
                make_pipeline=_pipeline_factory(camera, config, geo_stage),
                on_result=_result_handler(
                    live_frames,
                    pending_events.submit,
                    geo_stage,
                    camera.id,
                    scans=(lambda scan: bus.publish(OBSERVATIONS, scan)) if fused else None,
                    track_feed=None if fused else track_feed,
                    live_video=live_video,
                    analytics_fps=camera.analytics.fps,
                ),
                on_status=record_status,
                clock=clock,
            )
        )

    flights: dict[str, SimulatedFlight] = {}
    drone_tasking = drones(
        config,
        geometry,
        bus,
        clock=clock,
        record_status=record_status,
        services=services,
        flights=flights,
    )
    drone_videos(
        config,
        geometry,
        bus,
        clock=clock,
        worlds=worlds,
        flights=flights,
        services=services,
        record_status=record_status,
    )
    ground_service = ground_sensors(
        config,
        ground,
        geometry,
        bus,
        clock=clock,
        record_status=record_status,
        scenes=scenes,
        worlds=worlds,
        services=services,
    )
    wire_radars(
        config,
        radars,
        geometry,
        bus,
        clock=clock,
        record_status=record_status,
        scenes=scenes,
        worlds=worlds,
        services=services,
    )

    clips = ClipService(
        store=lambda: store_svc.store,
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
        store=lambda: store_svc.store,
        read_incident=lambda incident_id: incidents.get().get(incident_id),
        privacy_masks={cid: overlay.privacy_masks for cid, overlay in overlays.items()},
    )
    services.append(
        PeriodicTask(
            "escalations",
            lambda: incidents.get().check_escalations(clock.now()),
            every_s=5.0,
        )
    )
    services.append(PeriodicTask("event-retry", pending_events.flush, every_s=5.0))
    services.append(
        PeriodicTask("device-watch", lambda: device_watch.check(clock.now()), every_s=5.0)
    )

    def reports() -> ReportService:
        store = store_svc.store
        return report_service_for(
            config,
            store,
            ledger_sink(evidence),
            projects=RegisterProjectFacts(RegisterQueries(store.sessions)),
            banner="DEMO DATA" if config.site.demo else "",
        )

    def scheduled_reports() -> None:
        facts = RegisterProjectFacts(RegisterQueries(store_svc.store.sessions))
        ScheduledReports(
            reports(),
            clock=clock.now,
            schedule=Schedule(sectors=(None, *(s.id for s in config.sectors))),
            projects=facts.project_ids,
        ).run()

    services.append(PeriodicTask("reports", scheduled_reports, every_s=600.0))
    services.append(live_video)
    if recorders:
        storage_maintenance = StorageMaintenance(
            store=lambda: store_svc.store,
            retention=lambda: RetentionManager(
                data_dir=data_dir,
                repository=recordings(),
                policy=retention_policy,
                alarm=pending_events.submit,
            ),
            exported=exports.has_export,
            clock=clock.now,
            audit=evidence,
            recorded_entry=evidence.recorded_entry,
        )
        services.append(PeriodicTask("retention", storage_maintenance.run, every_s=60.0))

    def make_api() -> FastAPI:
        store = store_svc.store
        context = ApiContext(
            accounts=AccountService(store.sessions),
            events=store.events,
            incidents=incidents.get(),
            incident_actions=IncidentActionsAdapter(incidents.get()),
            devices=store.devices,
            map_layers=site_view,
            cameras=site_view,
            clips=clips,
            snapshots=live_frames,
            exports=exports,
            audit=evidence,
            audit_reader=evidence,
            clock=clock.now,
            monotonic_s=clock.monotonic,
            bus=bus,
            recent_alerts=recent_alerts,
            ground_sensors=ground_service.http_intake if ground_service is not None else None,
            basemap=basemap,
            settings=api_settings(api_config, static_dir=web_dir or default_web_dir()),
            register=register.context,
        )
        health = health_router(
            site_id=config.site.id,
            version=__version__,
            provider=lambda: group.states(),  # noqa: PLW0108 (group is made below)
            conditions=lambda: {r.name: r.condition() for r in recorders.values()},
            cameras=lambda: camera_conditions(
                [c.id for c in config.cameras if c.enabled], store_svc.store.devices.latest()
            ),
        )
        collector = MetricsCollector(
            devices=store.devices.latest,
            camera_ids=[c.id for c in config.cameras if c.enabled],
            bus=bus,
            incidents_by_status=lambda: incidents_by_status(store.sessions),
            site=(lambda: picture.core) if picture is not None else None,
            notifiers=[*notifiers, *taks],
        )
        metrics = metrics_router(
            collector.render, token=os.environ.get("KORDON_METRICS_TOKEN") or None
        )
        report_routes = session_router(
            reports(),
            project_access=register_project_access(
                RegisterQueries(store.sessions), _register_of(register).service.donors_of
            ),
        )
        return create_api(
            context,
            extra_routers=[
                health,
                metrics,
                video_routes.router(live_video),
                report_routes,
                unit_routes.session_router(unit_register(), incidents.get()),
                geoexport_routes.session_router(track_book),
                drone_routes.session_router(drone_tasking),
            ],
        )

    api_config = config.api.model_copy(update={"host": api_host or config.api.host})
    api_server = ApiServer(
        make_api,
        host=api_config.host,
        port=api_port if api_port is not None else config.api.port,
        tls=tls_files(api_config, config.resolve_path),
    )
    services.append(api_server)
    group = ServiceGroup(services)
    return Node(config=config, services=group, bus=bus, api=api_server)


def _sensor_xy(
    geometry: SiteGeometry, sensor: GroundSensor | AsterixRadar | MavlinkSensor
) -> tuple[float, float]:
    """A fixed sensor's place in the site frame (a drone's home is not fixed: the origin)."""
    if isinstance(sensor, MavlinkSensor):
        return (0.0, 0.0)
    xy = geometry.frame.lonlat_to_xy([[sensor.lon, sensor.lat]])[0]
    return (float(xy[0]), float(xy[1]))


def _register_of(register: _Register) -> RegisterContext:
    if register.context is None:
        raise RuntimeError("equipment register used before the node started")
    return register.context


def _cameras_behind(event: Event) -> list[str]:
    """The event's source and every sensor the site picture names behind it, in order."""
    out = [event.source_id]
    sensors = event.attributes.get("sensors")
    if isinstance(sensors, str):
        out.extend(s for s in sensors.split(",") if s and s not in out)
    return out


def _recorder_service(
    camera: CameraConfig,
    source: object,
    *,
    data_dir: Path,
    recordings: Callable[[], RecordingRepository],
    clock: Clock,
    health: HealthSink,
    evidence: EvidenceLog,
    alarm: Callable[[Event], None],
    policy: RetentionPolicy,
) -> RecorderService:
    def make() -> Recorder:
        repository = recordings()
        disk_full = RetentionManager(
            data_dir=data_dir, repository=repository, policy=policy, alarm=alarm
        )
        return Recorder(
            camera_id=camera.id,
            source=source,  # type: ignore[arg-type]
            data_dir=data_dir,
            repository=repository,
            clock=clock,
            health=health,
            sink=evidence,
            alarm=alarm,
            settings=RecorderSettings(segment_s=camera.recording.segment_s),
            reclaim=disk_full.reclaim,
        )

    return RecorderService(camera.id, make)


def _paced_file(path: str, clock: Clock) -> PacketSource:
    """A video file as a live camera: its packets at recorded speed."""
    return PacedPacketSource(AvPacketSource(path), clock)


def _pipeline_factory(
    camera: CameraConfig, config: SiteConfig, geo_stage: GeoStage | None
) -> Callable[[], CameraPipeline]:
    def make() -> CameraPipeline:
        stages = (geo_stage,) if geo_stage is not None else ()
        return build_camera_pipeline(camera, config, track_stages=stages)

    return make


def _result_handler(
    live_frames: LiveFrames,
    ingest: Callable[[Event], None],
    geo_stage: GeoStage | None,
    camera_id: str,
    *,
    scans: Callable[[SensorScan], None] | None,
    track_feed: TrackFeed | None,
    live_video: LiveVideoService,
    analytics_fps: float | None = None,
) -> Callable[[str, Frame, FrameResult], None]:
    """What a camera does with each analysed frame (on its own thread): keep the frame for
    live view and snapshots, ingest its events (image rules; geo rules without fusion),
    and hand its ground observations to the site picture (or, without fusion, its own
    geo tracks to the map)."""

    def on_result(_camera: str, frame: Frame, result: FrameResult) -> None:
        live_frames.update(camera_id, frame.image, result.tracks)
        live_video.update_tracks(camera_id, frame.time, result.tracks)
        if result.events:
            live_frames.save_event_snapshots(camera_id, result.events)
            for event in result.events:
                try:
                    ingest(event)
                except KordonError as exc:
                    logger.error("event %s of camera %s not ingested: %s", event.id, camera_id, exc)
        if geo_stage is None:
            return
        if scans is not None:
            scans(geo_stage.scan(result.time, next_after_s=_next_frame_after(frame, analytics_fps)))
        if track_feed is not None:
            track_feed.publish(camera_id, geo_stage.latest_positions(), result.time)

    return on_result


PROMISE_MARGIN_S = 0.01
"""Slack on a camera's promise about its next frame's time (pts and clock jitter)."""


def _next_frame_after(frame: Frame, analytics_fps: float | None) -> float | None:
    """The earliest time the camera's next analysed frame can be stamped with: the start
    of the decimator's next slot, less a margin (``None`` when the camera keeps every frame)."""
    if analytics_fps is None:
        return None
    gap_s = next_slot_start_s(frame.pts_s, analytics_fps) - frame.pts_s - PROMISE_MARGIN_S
    return frame.time.timestamp() + max(gap_s, 0.0)

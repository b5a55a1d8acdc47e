"""The node's operator API: its context and its routers, assembled when the API server
starts (every service before it has started: the store is open)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from fastapi import FastAPI

from kordon import __version__
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
from kordon.api.settings import api_settings
from kordon.bus.inprocess import InProcessBus
from kordon.compose.reports import report_service
from kordon.compose.slots import IncidentSlot, RegisterSlot, UnitRegister
from kordon.config.models import SiteConfig
from kordon.config.storage import ApiConfig
from kordon.drones.tasking import DroneTaskingService
from kordon.interop.geoexport import TrackBook
from kordon.lifecycle import ServiceState
from kordon.notify.health import Notifier
from kordon.notify.incident_counts import incidents_by_status
from kordon.notify.metrics import MetricsCollector
from kordon.register.queries import RegisterQueries
from kordon.reports.register_link import register_project_access
from kordon.sensors.ugs.service import GroundSensorService
from kordon.services.basemap_files import BasemapFiles
from kordon.services.clips import ClipService
from kordon.services.evidence_log import EvidenceLog
from kordon.services.exports import ExportService
from kordon.services.incident_actions import IncidentActionsAdapter
from kordon.services.live_frames import LiveFrames
from kordon.services.recent_alerts import RecentAlerts
from kordon.services.recorder_service import RecorderService
from kordon.services.site_view import SiteView
from kordon.site.picture import SitePicture
from kordon.store.store import Store
from kordon.video.live.service import LiveVideoService
from kordon.video.source.clock import Clock


def api_factory(
    config: SiteConfig,
    api_config: ApiConfig,
    *,
    store: Callable[[], Store],
    bus: InProcessBus,
    clock: Clock,
    static_dir: Callable[[], Path | None],
    states: Callable[[], list[ServiceState]],
    incidents: IncidentSlot,
    register: RegisterSlot,
    units: UnitRegister,
    site_view: SiteView,
    basemap: BasemapFiles,
    evidence: EvidenceLog,
    recent_alerts: RecentAlerts,
    clips: ClipService,
    exports: ExportService,
    live_frames: LiveFrames,
    live_video: LiveVideoService,
    recorders: Mapping[str, RecorderService],
    ground: GroundSensorService | None,
    picture: SitePicture | None,
    track_book: TrackBook | None,
    drone_tasking: DroneTaskingService,
    notifiers: Sequence[Notifier],
) -> Callable[[], FastAPI]:
    """What the API server calls at start to make its app; ``states`` are the node's
    services (for health), ``static_dir`` the web UI."""

    def make_api() -> FastAPI:
        opened = store()
        context = ApiContext(
            accounts=AccountService(opened.sessions),
            events=opened.events,
            incidents=incidents.get(),
            incident_actions=IncidentActionsAdapter(incidents.get()),
            devices=opened.devices,
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
            ground_sensors=ground.http_intake if ground is not None else None,
            basemap=basemap,
            settings=api_settings(api_config, static_dir=static_dir()),
            register=register.context,
        )
        health = health_router(
            site_id=config.site.id,
            version=__version__,
            provider=states,
            conditions=lambda: {r.name: r.condition() for r in recorders.values()},
            cameras=lambda: camera_conditions(
                [c.id for c in config.cameras if c.enabled], store().devices.latest()
            ),
        )
        collector = MetricsCollector(
            devices=opened.devices.latest,
            camera_ids=[c.id for c in config.cameras if c.enabled],
            bus=bus,
            incidents_by_status=lambda: incidents_by_status(opened.sessions),
            site=(lambda: picture.core) if picture is not None else None,
            notifiers=notifiers,
        )
        metrics = metrics_router(
            collector.render, token=os.environ.get("KORDON_METRICS_TOKEN") or None
        )
        report_routes = session_router(
            report_service(config, opened, evidence),
            project_access=register_project_access(
                RegisterQueries(opened.sessions), register.get().service.donors_of
            ),
        )
        return create_api(
            context,
            extra_routers=[
                health,
                metrics,
                video_routes.router(live_video),
                report_routes,
                unit_routes.session_router(units.get(), incidents.get()),
                geoexport_routes.session_router(track_book),
                drone_routes.session_router(drone_tasking),
            ],
        )

    return make_api

"""How events and device statuses reach the store, the incidents and the bus: the event
path (with its retry queue while the store cannot write) and the device watch."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from kordon.bus.channels import DEVICE_STATUS, EVENTS
from kordon.bus.inprocess import InProcessBus
from kordon.compose.slots import IncidentSlot
from kordon.config.integrations import AsterixRadar, GroundSensor, MavlinkSensor
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.domain.event import Event
from kordon.domain.status import DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.incidents.device_watch import DeviceWatch, WatchedDevice
from kordon.record.repository import RecordingRepository
from kordon.services.pending_events import PendingEvents
from kordon.store.store import Store
from kordon.video.source.clock import Clock

logger = logging.getLogger("kordon.app")  # the composition root's log lines keep its name


@dataclass(frozen=True)
class EventPath:
    """Where the node's devices hand their events and statuses."""

    pending_events: PendingEvents
    """Every event goes in here; it waits while the store cannot write."""
    device_watch: DeviceWatch
    record_status: Callable[[DeviceStatus], None]
    """Store a device's status, publish it, and tell the device watch."""


def event_path(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    store: Callable[[], Store],
    incidents: IncidentSlot,
    recordings: Callable[[], RecordingRepository],
    roll_s: dict[str, tuple[float, float]],
    clock: Clock,
) -> EventPath:
    """The event path; ``roll_s`` (each recorded camera's pre- and post-roll) is read when
    an event opens or joins an incident, so it may be filled after this is built."""

    def record_status(status: DeviceStatus) -> None:
        try:
            store().devices.record(status)
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

    pending_events = PendingEvents(ingest)  # events wait here while the store cannot write
    device_watch = DeviceWatch(
        watched_devices(config, geometry),
        offline_after_s=config.incidents.device_offline_after_s,
        emit=pending_events.submit,
    )
    return EventPath(
        pending_events=pending_events, device_watch=device_watch, record_status=record_status
    )


def watched_devices(config: SiteConfig, geometry: SiteGeometry) -> dict[str, WatchedDevice]:
    """Every device whose silence the watch reports: enabled cameras (and their
    recorders), fixed sensors, and each system of a MAVLink sensor."""
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
    return watched


def _sensor_xy(
    geometry: SiteGeometry, sensor: GroundSensor | AsterixRadar | MavlinkSensor
) -> tuple[float, float]:
    """A fixed sensor's place in the site frame (a drone's home is not fixed: the origin)."""
    if isinstance(sensor, MavlinkSensor):
        return (0.0, 0.0)
    xy = geometry.frame.lonlat_to_xy([[sensor.lon, sensor.lat]])[0]
    return (float(xy[0]), float(xy[1]))


def _cameras_behind(event: Event) -> list[str]:
    """The event's source and every sensor the site picture names behind it, in order."""
    out = [event.source_id]
    sensors = event.attributes.get("sensors")
    if isinstance(sensors, str):
        out.extend(s for s in sensors.split(",") if s and s not in out)
    return out

"""``TakService``: the site picture out to a TAK endpoint, field units' positions in.

Out (each layer on or off in :class:`~kordon.tak.settings.TakSettings`):

- ``tracks``: every site-tracker step (``SITE_TRACKS``), each confirmed track at most
  once per ``track_interval_s`` of the picture's own clock; hostile once the node has
  alerted on the track crossing the border inbound (``ALERTS``).
- ``incidents``: each incident change (``INCIDENTS``) as an alarm at the incident's
  place: the latest alerting event's position (``ALERTS``), else its sector's (the
  ``locate_sector`` callable); an incident with no place yet waits for one.
  Resolved/closed incidents are sent as cancels.
- ``drones``: each ``DRONES`` message.
- ``sensors``, ``drawings`` and Kordon's own position: on every (re)connection and
  every ``static_interval_s``.

In: every event read from the link (or the UDP listener) that is a friendly ground
unit's position with a callsign — and not one of Kordon's own — goes to ``on_field_unit``
as a :class:`~kordon.interop.cot.inbound.FieldUnitPosition`; :meth:`send_tasking` sends
one unit a "go to" waypoint for an incident.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from kordon.bus.channels import ALERTS, DRONES, INCIDENTS, SITE_TRACKS
from kordon.bus.protocol import Bus, Route, Subscription, route
from kordon.domain.drone import DroneState
from kordon.domain.event import Direction, EventKind
from kordon.domain.incident import Incident, IncidentStatus
from kordon.domain.site_tracks import SiteTracks
from kordon.domain.status import DeviceStatus
from kordon.geo.frame import LocalFrame
from kordon.incidents.alerts import IncidentAlert
from kordon.interop.cot.encode import CotEncodeError, OutEvent, node
from kordon.interop.cot.errors import CotParseError
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.inbound import FieldUnitPosition, field_unit_of
from kordon.interop.cot.site import (
    Drawing,
    IncidentPlace,
    SensorPoint,
    UidScheme,
    drawing_event,
    drone_event,
    incident_event,
    sensor_event,
    tasking_event,
    track_events,
)
from kordon.notify.health import HealthReporter, NotifierHealth
from kordon.tak.negotiation import NegotiationState, WireFormat
from kordon.tak.settings import TakLayer, TakSettings
from kordon.tak.transport import LinkCounters, TakTransport, cancel_all

logger = logging.getLogger(__name__)

REMEMBERED = 10_000
"""Most tracks, incidents and units remembered (oldest forgotten first)."""
SELF_TYPE = "a-f-G-E-S"
HEALTH_INTERVAL_S = 2.0
"""How often the link's health is checked (reported to ``on_status`` when it changes)."""
HEALTH_REPEAT_S = 10.0
_CLOSED = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED})


_WIRE_TEXT = {
    WireFormat.XML: "CoT XML",
    WireFormat.STREAM: "TAK protocol v1",
    WireFormat.MESH: "TAK protocol v1 (mesh)",
}
_NEGOTIATION_TEXT = {
    NegotiationState.XML: "no TAK protocol offer",
    NegotiationState.REQUESTED: "TAK protocol v1 requested",
    NegotiationState.STREAMING: "negotiated",
    NegotiationState.REFUSED: "the server refused TAK protocol v1",
    NegotiationState.UNSUPPORTED: "the server offers no TAK protocol v1",
    NegotiationState.NOT_ASKED: "TAK protocol v1 offered, not asked for",
}


def _protocol_text(c: LinkCounters) -> str:
    """``CoT XML (the server refused TAK protocol v1)`` and the like."""
    text = _WIRE_TEXT[c.wire]
    if c.negotiation is not None and c.negotiation is not NegotiationState.STREAMING:
        text += f" ({_NEGOTIATION_TEXT[c.negotiation]})"
    if c.negotiation_timeouts:
        text += f", {c.negotiation_timeouts} unanswered TAK protocol request(s)"
    if c.framing_errors:
        text += f", {c.framing_errors} broken TAK protocol stream(s)"
    return text


def _remember(store: OrderedDict[Any, Any], key: object, value: object) -> None:
    store.pop(key, None)
    store[key] = value
    if len(store) > REMEMBERED:
        store.popitem(last=False)


class TakService:
    """One ``cot`` notifier; see the module docstring."""

    def __init__(
        self,
        settings: TakSettings,
        bus: Bus,
        *,
        frame: LocalFrame,
        clock: Callable[[], datetime],
        sensors: Sequence[SensorPoint] = (),
        drawings: Sequence[Drawing] = (),
        locate_sector: Callable[[str], IncidentPlace | None] | None = None,
        on_field_unit: Callable[[FieldUnitPosition], None] | None = None,
        on_status: Callable[[DeviceStatus], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.name = f"notifier-{settings.notifier_id}"
        self.uids = UidScheme(settings.uid_prefix)
        self._bus = bus
        self._frame = frame
        self._clock = clock
        self._sensors = tuple(sensors)
        self._drawings = tuple(drawings)
        self._locate_sector = locate_sector
        self._on_field_unit = on_field_unit
        self._sleep = sleep
        self._reporter = HealthReporter(on_status, clock, repeat_s=HEALTH_REPEAT_S)
        self.transport = TakTransport(
            settings,
            on_event=self._on_cot,
            on_error=self._on_cot_error,
            on_connect=self._send_static,
            sleep=sleep,
            clock=clock,
        )
        self._subscription: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._track_sent_s: OrderedDict[int, float] = OrderedDict()
        self._hostile: OrderedDict[int, None] = OrderedDict()
        self._places: OrderedDict[str, IncidentPlace] = OrderedDict()
        self._incidents: OrderedDict[str, Incident] = OrderedDict()
        self.units: OrderedDict[str, FieldUnitPosition] = OrderedDict()
        """The latest position of each field unit heard (by uid)."""
        self.encode_errors = 0
        self.unplaced_incidents = 0
        self.last_receive_error: str | None = None

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        await self.transport.start()
        layers = self.settings.layers
        routes: list[Route[Any]] = [route(ALERTS, self._on_alert)]
        if TakLayer.TRACKS in layers:
            routes.append(route(SITE_TRACKS, self._on_tracks))
        if TakLayer.INCIDENTS in layers:
            routes.append(route(INCIDENTS, self._on_incident))
        if TakLayer.DRONES in layers:
            routes.append(route(DRONES, self._on_drone))
        self._subscription = self._bus.subscribe(*routes)
        self._tasks = [
            asyncio.create_task(self._deliver(self._subscription), name=self.name),
            asyncio.create_task(self._static_loop(), name=f"{self.name}-static"),
            asyncio.create_task(self._health_loop(), name=f"{self.name}-health"),
        ]

    async def stop(self) -> None:
        if self._subscription is not None:
            self._bus.unsubscribe(self._subscription)
            self._subscription = None
        await cancel_all(self._tasks)
        self._tasks.clear()
        await self.transport.stop()

    async def _deliver(self, subscription: Subscription) -> None:
        while True:
            try:
                await subscription.deliver_next()
            except (ValueError, TypeError) as exc:  # one bad message must not end the feed
                self.encode_errors += 1
                logger.warning("%s: cannot encode a message: %s", self.name, exc)

    async def _static_loop(self) -> None:
        while True:
            await self._sleep(self.settings.static_interval_s)
            self._send_static()

    async def _health_loop(self) -> None:
        while True:
            self._reporter.report(self.health())
            await self._sleep(HEALTH_INTERVAL_S)

    # --- out -------------------------------------------------------------------------

    def _static_stale_s(self) -> float:
        return 3.0 * self.settings.static_interval_s

    def self_event(self, now: datetime) -> OutEvent:
        """Kordon's own position report (at the site origin) so TAK users see the node."""
        return OutEvent(
            uid=self.uids.prefix,
            type=SELF_TYPE,
            how="h-e",
            time=now,
            start=now,
            stale=now + timedelta(seconds=self._static_stale_s()),
            lat=self._frame.origin_lat,
            lon=self._frame.origin_lon,
            callsign=self.settings.callsign,
            detail=(
                node("__group", name="Cyan", role="HQ"),
                node("takv", device="Kordon", platform="Kordon", os="Linux", version="1"),
            ),
        )

    def _send_static(self) -> None:
        now = self._clock()
        stale_s = self._static_stale_s()
        self.transport.send_update(self.self_event(now))
        layers = self.settings.layers
        if TakLayer.SENSORS in layers:
            for sensor in self._sensors:
                self.transport.send_update(
                    sensor_event(sensor, uids=self.uids, now=now, stale_s=stale_s)
                )
        if TakLayer.DRAWINGS in layers:
            for drawing in self._drawings:
                try:
                    event = drawing_event(drawing, uids=self.uids, now=now, stale_s=stale_s)
                except ValueError as exc:
                    self.encode_errors += 1
                    logger.warning("%s: drawing %s: %s", self.name, drawing.drawing_id, exc)
                    continue
                self.transport.send_update(event)

    async def _on_tracks(self, tracks: SiteTracks) -> None:
        if len(tracks) == 0:
            return
        only_confirmed = self.settings.only_confirmed_tracks
        confirmed = tracks.confirmed.tolist()
        due = [
            i
            for i, tid in enumerate(tracks.site_track_id.tolist())
            if (confirmed[i] or not only_confirmed)
            and tracks.time_s - self._track_sent_s.get(tid, float("-inf"))
            >= self.settings.track_interval_s
        ]
        if not due:
            return
        subset = tracks[np.asarray(due, dtype=np.int64)]
        lonlat = self._frame.xy_to_lonlat(subset.east_north_m)
        for event in track_events(
            subset,
            lonlat,
            uids=self.uids,
            hostile=self._hostile,
            stale_s=self.settings.stale_s,
            only_confirmed=self.settings.only_confirmed_tracks,
        ):
            self.transport.send_update(event)
        for tid in subset.site_track_id.tolist():
            _remember(self._track_sent_s, tid, tracks.time_s)

    async def _on_drone(self, state: DroneState) -> None:
        self.transport.send_update(
            drone_event(state, uids=self.uids, stale_s=self.settings.stale_s)
        )

    async def _on_alert(self, alert: IncidentAlert) -> None:
        event = alert.event
        if (
            event.kind is EventKind.BORDER_CROSSING
            and event.direction is Direction.INBOUND
            and event.track_id is not None
            and event.track_id.startswith("site-")
        ):
            with contextlib.suppress(ValueError):
                _remember(self._hostile, int(event.track_id.removeprefix("site-")), None)
        if event.lat is not None and event.lon is not None:
            place = IncidentPlace(event.lat, event.lon, event.uncertainty_m)
            _remember(self._places, alert.incident_id, place)
            incident = self._incidents.get(alert.incident_id)
            if incident is not None and TakLayer.INCIDENTS in self.settings.layers:
                self._send_incident(incident, place)

    async def _on_incident(self, incident: Incident) -> None:
        if incident.status in _CLOSED:
            self._incidents.pop(incident.id, None)
        else:
            _remember(self._incidents, incident.id, incident)
        place = self.place_of(incident)
        if place is None:
            self.unplaced_incidents += 1
            return
        self._send_incident(incident, place)
        if incident.status in _CLOSED:
            self._places.pop(incident.id, None)

    def place_of(self, incident: Incident) -> IncidentPlace | None:
        """Where the incident is shown: its latest alert's position, else its sector's."""
        place = self._places.get(incident.id)
        if place is None and incident.sector_id is not None and self._locate_sector is not None:
            place = self._locate_sector(incident.sector_id)
        return place

    def _send_incident(self, incident: Incident, place: IncidentPlace) -> None:
        try:
            event = incident_event(
                incident,
                place,
                uids=self.uids,
                now=self._clock(),
                stale_s=self.settings.incident_stale_s,
            )
        except CotEncodeError as exc:
            self.encode_errors += 1
            logger.warning("%s: incident %s: %s", self.name, incident.id, exc)
            return
        if not self.transport.send_alarm(event):
            logger.error("%s: alarm queue full, incident %s not sent", self.name, incident.id)

    def send_tasking(
        self,
        unit_uid: str,
        incident: Incident,
        *,
        note: str = "",
        place: IncidentPlace | None = None,
    ) -> bool:
        """Send unit ``unit_uid`` a "go to" waypoint at the incident (addressed to it only).

        The place defaults to the incident's (:meth:`place_of`). False when there is none
        or the alarm lane is full; the unit's callsign comes from its last position report.
        """
        where = place or self.place_of(incident)
        if where is None:
            return False
        unit = self.units.get(unit_uid)
        event = tasking_event(
            unit_uid=unit_uid,
            unit_callsign=None if unit is None else unit.callsign,
            incident=incident,
            place=where,
            uids=self.uids,
            now=self._clock(),
            stale_s=self.settings.incident_stale_s,
            note=note,
        )
        return self.transport.send_alarm(event)

    # --- in --------------------------------------------------------------------------

    def _on_cot(self, event: CotEvent) -> None:
        if self.uids.owns(event.uid):
            return
        unit = field_unit_of(event)
        if unit is None:
            return
        _remember(self.units, unit.uid, unit)
        if self._on_field_unit is not None:
            self._on_field_unit(unit)

    def _on_cot_error(self, error: CotParseError) -> None:
        self.last_receive_error = error.reason
        logger.debug("%s: refused CoT: %s", self.name, error)

    # --- health ----------------------------------------------------------------------

    def health(self) -> NotifierHealth:
        c = self.transport.counters()
        endpoint = self.transport.endpoint
        return NotifierHealth(
            notifier_id=self.settings.notifier_id,
            kind="cot",
            connected=c.connected,
            queue_depth=c.queue_depth,
            queue_capacity=self.settings.queue_size + self.settings.alarm_queue_size,
            sent=c.sent,
            dropped=c.dropped_alarms,
            dropped_tracks=c.dropped_updates,
            failures=c.send_failures + c.connect_failures,
            detail=(
                f"{endpoint.scheme.value}://{endpoint.host}:{endpoint.port} "
                f"{'connected' if c.connected else 'unreachable'}; {_protocol_text(c)}; "
                f"received {c.received}, refused {c.receive_errors}, "
                f"field units {len(self.units)}"
            ),
        )

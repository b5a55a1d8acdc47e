"""``TakService`` on a real in-process bus and a loopback CoT server: the site picture
out (layers, rates, hostility, incident places), field units in, tasking to one unit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import numpy as np

from kordon.bus.channels import ALERTS, DRONES, INCIDENTS, SITE_TRACKS
from kordon.bus.inprocess import InProcessBus
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import CrossingCounts, IncidentStatus
from kordon.geo.frame import LocalFrame
from kordon.incidents.alerts import AlertReason, IncidentAlert
from kordon.interop.cot.encode import OutEvent, to_xml
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.inbound import FieldUnitPosition
from kordon.interop.cot.site import Drawing, IncidentPlace, SensorPoint
from kordon.interop.cot.xml import parse_xml_element
from kordon.tak.service import TakService
from kordon.tak.settings import TakLayer, TakSettings
from tests.interop.cot import builders
from tests.interop.cot.builders import T0
from tests.tak.servers import CotServer
from tests.tak.test_transport import _until

FRAME = LocalFrame(51.2, 24.1)


async def _never(_delay: float) -> None:
    await asyncio.Event().wait()


def _alert(track_id: str, direction: Direction) -> IncidentAlert:
    event = Event(
        kind=EventKind.BORDER_CROSSING,
        time=T0,
        source_id="cam-1",
        track_id=track_id,
        direction=direction,
        lat=51.21,
        lon=24.11,
        uncertainty_m=8.0,
    )
    return IncidentAlert(
        incident_id="inc-1",
        event=event,
        reasons=(AlertReason.OPENED,),
        alerted_at=T0,
        priority=1,
        title="Border crossing",
        sector_id="north",
        crossings=CrossingCounts(inbound=1),
    )


def _service(
    server: CotServer, bus: InProcessBus, units: list[FieldUnitPosition], **extra: object
) -> TakService:
    settings = TakSettings(
        notifier_id="tak",
        url=f"tcp://127.0.0.1:{server.port}",
        uid_prefix="kordon.volyn",
        callsign="Kordon Volyn",
        **extra,  # type: ignore[arg-type]
    )
    return TakService(
        settings,
        bus,
        frame=FRAME,
        clock=lambda: T0,
        sensors=[SensorPoint("cam-1", "Tower 1", 51.21, 24.12, 90.0, 60.0, 1200.0)],
        drawings=[
            Drawing("border", "Border", np.array([[24.0, 51.0], [24.2, 51.3]]), closed=False)
        ],
        locate_sector=lambda sector: IncidentPlace(51.3, 24.3) if sector == "south" else None,
        on_field_unit=units.append,
        sleep=_never,
    )


def _by_uid(events: list[CotEvent], uid: str) -> list[CotEvent]:
    return [e for e in events if e.uid == uid]


def _run(
    body: Callable[[CotServer, InProcessBus, TakService, list[FieldUnitPosition]], object],
    **extra: object,
) -> None:
    async def go() -> None:
        server = CotServer()
        await server.start()
        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        units: list[FieldUnitPosition] = []
        service = _service(server, bus, units, **extra)
        await service.start()
        try:
            await body(server, bus, service, units)  # type: ignore[misc]
        finally:
            await service.stop()
            await server.stop()

    asyncio.run(go())


def test_static_layers_on_connection() -> None:
    async def body(
        server: CotServer, bus: InProcessBus, service: TakService, units: object
    ) -> None:
        events = await server.wait_for(3)
        assert [(e.uid, e.type) for e in events] == [
            ("kordon.volyn", "a-f-G-E-S"),
            ("kordon.volyn.sensor.cam-1", "a-f-G-E-S"),
            ("kordon.volyn.drawing.border", "u-d-f"),
        ]
        assert events[0].callsign == "Kordon Volyn"
        assert (events[0].lat, events[0].lon) == (51.2, 24.1)

    _run(body)


def test_tracks_rates_hostility_incidents_and_drones() -> None:
    async def body(
        server: CotServer, bus: InProcessBus, service: TakService, units: object
    ) -> None:
        await server.wait_for(3)
        t = T0.timestamp()
        bus.publish(SITE_TRACKS, builders.tracks(time_s=t))
        bus.publish(SITE_TRACKS, builders.tracks(time_s=t + 0.5))  # within track_interval_s
        bus.publish(INCIDENTS, builders.incident())  # no place yet: waits for its alert
        await _until(lambda: service.unplaced_incidents == 1, "the incident")
        bus.publish(ALERTS, _alert("site-7", Direction.INBOUND))
        bus.publish(SITE_TRACKS, builders.tracks(time_s=t + 1.0))
        bus.publish(DRONES, builders.drone())
        bus.publish(INCIDENTS, builders.incident(status=IncidentStatus.RESOLVED))
        events = await server.wait_for(3 + 2 + 1 + 2 + 1 + 1)
        track7 = _by_uid(events, "kordon.volyn.track.7")
        assert [e.type for e in track7] == ["a-u-G", "a-h-G"]  # hostile after the alert
        assert [e.type for e in _by_uid(events, "kordon.volyn.track.8")] == ["a-u-G-E-V"] * 2
        incident = _by_uid(events, "kordon.volyn.incident.inc-1")
        assert [(e.type, e.lat, e.lon) for e in incident] == [
            ("b-a-o-tbl", 51.21, 24.11),
            ("b-a-o-can", 51.21, 24.11),
        ]
        assert incident[0].ce == round(2.1460 * 8.0, 2)
        lonlat = FRAME.xy_to_lonlat(builders.tracks().east_north_m)
        assert (track7[0].lat, track7[0].lon) == (round(lonlat[0, 1], 7), round(lonlat[0, 0], 7))
        assert [e.type for e in _by_uid(events, "kordon.volyn.drone.uav:1")] == ["a-f-A-M-F-Q"]
        health = service.health()
        assert (health.kind, health.connected, health.sent, health.dropped) == ("cot", True, 10, 0)

    _run(body)


def test_incident_placed_by_its_sector_and_layers_off() -> None:
    async def body(
        server: CotServer, bus: InProcessBus, service: TakService, units: object
    ) -> None:
        await server.wait_for(1)
        bus.publish(SITE_TRACKS, builders.tracks())
        bus.publish(INCIDENTS, builders.incident(sector_id="south"))
        events = await server.wait_for(2)
        assert [(e.uid, e.type, e.lat) for e in events[1:]] == [
            ("kordon.volyn.incident.inc-1", "b-a-o-tbl", 51.3)
        ]

    _run(body, layers=frozenset({TakLayer.INCIDENTS}))


def test_field_units_in_and_tasking_out() -> None:
    async def body(
        server: CotServer, bus: InProcessBus, service: TakService, units: list[FieldUnitPosition]
    ) -> None:
        await server.wait_for(3)
        t = T0 + timedelta(seconds=5)
        alpha = OutEvent(
            uid="ANDROID-alpha",
            type="a-f-G-U-C",
            how="m-g",
            time=t,
            start=t,
            stale=t + timedelta(minutes=5),
            lat=51.22,
            lon=24.13,
            ce=4.5,
            callsign="ALPHA",
        )
        echo = OutEvent(
            uid="kordon.volyn.sensor.cam-1",
            type="a-f-G-E-S",
            how="h-e",
            time=t,
            start=t,
            stale=t,
            lat=51.0,
            lon=24.0,
            callsign="Tower 1",
        )
        hostile = OutEvent(
            uid="X",
            type="a-h-G",
            how="m-g",
            time=t,
            start=t,
            stale=t,
            lat=51.0,
            lon=24.0,
            callsign="enemy",
        )
        await server.send(to_xml(echo) + to_xml(hostile) + b"<event>" * 3 + to_xml(alpha))
        await _until(lambda: units, "the field unit")
        assert units == [
            FieldUnitPosition(
                uid="ANDROID-alpha",
                callsign="ALPHA",
                type="a-f-G-U-C",
                lat=51.22,
                lon=24.13,
                hae=9_999_999.0,
                ce=4.5,
                time=t,
                stale=t + timedelta(minutes=5),
            )
        ]
        assert service.units["ANDROID-alpha"].callsign == "ALPHA"
        incident = builders.incident(sector_id="south")
        assert service.send_tasking("ANDROID-alpha", incident, note="block the road")
        assert not service.send_tasking("ANDROID-alpha", builders.incident(sector_id=None))
        events = await server.wait_for(4)
        task = events[3]
        assert (task.uid, task.type, task.lat, task.lon) == (
            "kordon.volyn.task.inc-1.ANDROID-alpha",
            "b-m-p-w-GOTO",
            51.3,
            24.3,
        )

    _run(body)


def test_tasking_detail_names_the_unit() -> None:
    async def body(
        server: CotServer, bus: InProcessBus, service: TakService, units: list[FieldUnitPosition]
    ) -> None:
        await server.wait_for(3)
        service.send_tasking(
            "ANDROID-b", builders.incident(), place=IncidentPlace(51.0, 24.0), note="n"
        )
        await server.wait_for(4)

    raw: list[bytes] = []
    original = TakService.send_tasking

    def spy(self: TakService, *args: object, **kwargs: object) -> bool:
        ok = original(self, *args, **kwargs)  # type: ignore[arg-type]
        item = self.transport.queue._alarms[-1].payload
        raw.append(item)
        return ok

    TakService.send_tasking = spy  # type: ignore[method-assign]
    try:
        _run(body)
    finally:
        TakService.send_tasking = original  # type: ignore[method-assign]
    dest = parse_xml_element(raw[0]).find("detail/marti/dest")
    assert dest is not None
    assert dest.get("uid") == "ANDROID-b"
    assert dest.get("callsign") is None


def test_link_health_is_reported_as_device_status() -> None:
    from kordon.domain.status import DeviceState, DeviceStatus
    from tests.support.demo_site import free_port

    async def go() -> None:
        statuses: list[DeviceStatus] = []
        service = TakService(
            TakSettings(notifier_id="tak", url=f"tcp://127.0.0.1:{free_port()}", uid_prefix="k"),
            InProcessBus(),
            frame=FRAME,
            clock=lambda: T0,
            on_status=statuses.append,
            sleep=_never,
        )
        await service.start()
        try:
            await _until(lambda: statuses, "a health report")
            assert statuses[0].device_id == "tak"
            assert statuses[0].state is DeviceState.OFFLINE
        finally:
            await service.stop()

    asyncio.run(go())


def test_a_track_is_sent_as_soon_as_it_is_confirmed() -> None:
    async def body(
        server: CotServer, bus: InProcessBus, service: TakService, units: object
    ) -> None:
        await server.wait_for(3)
        t = T0.timestamp()
        bus.publish(SITE_TRACKS, builders.tracks(confirmed=(False, True), time_s=t))
        bus.publish(SITE_TRACKS, builders.tracks(confirmed=(True, True), time_s=t + 0.2))
        events = await server.wait_for(5)
        assert sorted(e.uid for e in events[3:]) == ["kordon.volyn.track.7", "kordon.volyn.track.8"]
        assert service.health().dropped_tracks == 0

    _run(body)

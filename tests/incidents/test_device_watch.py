"""Device-offline incidents: a camera or recorder lost longer than the threshold raises one
incident; short drop-outs raise nothing; recovery joins (annotates) that incident."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

from kordon.config.incidents import IncidentsConfig
from kordon.domain.event import Event, EventKind
from kordon.domain.incident import IncidentStatus
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.incidents import IncidentService
from kordon.incidents.device_watch import RULE_ID, DeviceWatch, WatchedDevice
from kordon.store import Store
from tests.incidents.builders import at

AFTER_S = 60.0
CAMERA = "cam-1"
RECORDER = "cam-1/recorder"
DEVICES = {
    CAMERA: WatchedDevice(sector_id="sector-1", reports_periodically=True),
    RECORDER: WatchedDevice(sector_id="sector-1"),
}


@dataclass
class Emitted:
    events: list[Event]

    def __call__(self, event: Event) -> None:
        self.events.append(event)


def _watch(devices: dict[str, WatchedDevice] = DEVICES) -> tuple[DeviceWatch, Emitted]:
    emitted = Emitted([])
    return DeviceWatch(devices, offline_after_s=AFTER_S, emit=emitted), emitted


def _recorder_watch() -> tuple[DeviceWatch, Emitted]:
    return _watch({RECORDER: DEVICES[RECORDER]})


def _status(device: str, seconds: float, state: DeviceState, detail: str = "") -> DeviceStatus:
    return DeviceStatus(device, at(seconds), state, detail)


def _kinds(events: list[Event]) -> list[tuple[str, EventKind]]:
    return [(e.source_id, e.kind) for e in events]


@pytest.mark.parametrize(
    ("offline_for_s", "raised"),
    [(30.0, False), (AFTER_S, False), (AFTER_S + 1.0, True), (3600.0, True)],
)
def test_only_outages_longer_than_the_threshold_raise(offline_for_s: float, raised: bool) -> None:
    watch, emitted = _recorder_watch()
    watch.observe(_status(RECORDER, 0, DeviceState.ONLINE))
    watch.observe(_status(RECORDER, 10, DeviceState.OFFLINE, "connection refused"))
    watch.check(at(10 + offline_for_s))
    assert _kinds(emitted.events) == ([(RECORDER, EventKind.DEVICE_OFFLINE)] if raised else [])


def test_an_outage_raises_once_and_recovery_raises_device_online() -> None:
    watch, emitted = _recorder_watch()
    watch.observe(_status(RECORDER, 0, DeviceState.OFFLINE, "connection refused"))
    first = watch.check(at(61))
    assert watch.check(at(120)) == []  # still the same outage
    watch.observe(_status(RECORDER, 130, DeviceState.OFFLINE, "still refused"))
    assert watch.check(at(200)) == []
    back = watch.observe(_status(RECORDER, 250, DeviceState.ONLINE, "recording"))
    assert _kinds(emitted.events) == [
        (RECORDER, EventKind.DEVICE_OFFLINE),
        (RECORDER, EventKind.DEVICE_ONLINE),
    ]
    assert emitted.events == [*first, *back]
    offline, online = emitted.events
    assert offline.time == at(61)
    assert offline.sector_id == "sector-1"
    assert offline.rule_id == RULE_ID
    assert offline.attributes["detail"] == "connection refused"
    assert offline.attributes["lost_for_s"] == 61.0
    assert online.time == at(250)
    assert online.attributes["offline_for_s"] == 250.0


def test_a_short_drop_out_raises_nothing_even_on_recovery() -> None:
    watch, emitted = _watch()
    watch.observe(_status(CAMERA, 0, DeviceState.OFFLINE))
    watch.check(at(30))
    watch.observe(_status(CAMERA, 40, DeviceState.ONLINE))
    watch.check(at(90))  # silent for 50 s: not yet lost
    watch.observe(_status(CAMERA, 95, DeviceState.ONLINE))
    watch.check(at(150))
    assert emitted.events == []


def test_a_silent_camera_is_lost_but_a_quiet_recorder_is_not() -> None:
    watch, emitted = _watch()
    watch.observe(_status(CAMERA, 0, DeviceState.ONLINE))
    watch.observe(_status(RECORDER, 0, DeviceState.ONLINE))
    assert watch.check(at(50)) == []
    watch.check(at(61))
    assert _kinds(emitted.events) == [(CAMERA, EventKind.DEVICE_OFFLINE)]
    assert emitted.events[0].attributes["detail"] == "no status reported"


def test_a_camera_that_never_reports_is_lost_from_the_first_check() -> None:
    watch, _ = _watch()
    assert watch.check(at(0)) == []
    assert watch.check(at(60)) == []
    assert _kinds(watch.check(at(61))) == [(CAMERA, EventKind.DEVICE_OFFLINE)]


def test_stopped_is_not_lost_and_unwatched_devices_are_ignored() -> None:
    watch, emitted = _watch()
    watch.observe(_status(RECORDER, 0, DeviceState.STOPPED, "recorder stopped"))
    watch.observe(_status("radar-9", 0, DeviceState.OFFLINE))
    watch.observe(_status(CAMERA, 500, DeviceState.ONLINE))
    watch.check(at(540))
    assert emitted.events == []


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError, match="offline_after_s"):
        DeviceWatch(DEVICES, offline_after_s=0.0, emit=Emitted([]))


def test_the_threshold_is_configured_per_site() -> None:
    assert IncidentsConfig().device_offline_after_s == 60.0
    assert IncidentsConfig(device_offline_after_s=15).device_offline_after_s == 15.0
    with pytest.raises(ValueError, match="device_offline_after_s"):
        IncidentsConfig(device_offline_after_s=0)


def test_outage_opens_a_device_incident_and_recovery_annotates_it(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    service = IncidentService(store, lambda _incident: None)

    def ingest(event: Event) -> None:
        service.ingest(event, event.time)

    watch = DeviceWatch(DEVICES, offline_after_s=AFTER_S, emit=ingest)
    with caplog.at_level(logging.INFO, logger="kordon"):
        watch.observe(_status(CAMERA, 0, DeviceState.OFFLINE, "rtsp: timeout"))
        watch.check(at(90))
        watch.observe(_status(CAMERA, 300, DeviceState.ONLINE, "analytics running"))
    incidents = store.incidents.list()
    assert len(incidents) == 1
    incident = incidents[0].incident
    assert incident.status is IncidentStatus.OPEN  # an operator closes it
    assert incident.sector_id == "sector-1"
    events = store.events.get_many(incident.event_ids)
    assert [e.kind for e in events] == [EventKind.DEVICE_OFFLINE, EventKind.DEVICE_ONLINE]
    assert events[1].attributes["offline_for_s"] == 300.0
    messages = [r.getMessage() for r in caplog.records]
    assert "device cam-1 lost for 90 s (rtsp: timeout): raising a device-offline incident" in (
        messages
    )
    assert "device cam-1 back (online) after 300 s lost" in messages
    assert any(m.startswith(f"incident {incident.id} opened: ") for m in messages)

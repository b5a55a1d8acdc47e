"""DeviceStatusRepository: latest per device plus history."""

from __future__ import annotations

import pytest

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.store import InvalidInputError, NotFoundError, Store
from tests.store.builders import at


def status(device_id: str, seconds: float, state: DeviceState, fps: float = 25.0) -> DeviceStatus:
    return DeviceStatus(
        device_id=device_id,
        time=at(seconds),
        state=state,
        detail=f"{state} at {seconds}s",
        metrics={"fps": fps, "decode_errors": 3},
    )


def test_record_updates_latest_and_appends_history(store: Store) -> None:
    reports = [
        status("cam-1", 0, DeviceState.STARTING, 0.0),
        status("cam-1", 10, DeviceState.ONLINE),
        status("cam-2", 5, DeviceState.ONLINE),
        status("cam-1", 20, DeviceState.DEGRADED, 4.5),
    ]
    for report in reports:
        store.devices.record(report)
    assert store.devices.latest() == [reports[3], reports[2]]
    assert store.devices.get("cam-1") == reports[3]
    assert store.devices.history("cam-1", since=at(0)) == [reports[0], reports[1], reports[3]]
    assert store.devices.history("cam-1", since=at(5), until=at(20)) == [reports[1]]
    assert store.devices.history("cam-1", since=at(0), limit=1) == [reports[0]]


def test_an_older_report_goes_to_history_but_not_latest(store: Store) -> None:
    newer = status("cam-1", 30, DeviceState.OFFLINE)
    older = status("cam-1", 10, DeviceState.ONLINE)
    store.devices.record(newer)
    store.devices.record(older)
    assert store.devices.get("cam-1") == newer
    assert store.devices.history("cam-1", since=at(0)) == [older, newer]


def test_unknown_device_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="'cam-9'"):
        store.devices.get("cam-9")
    assert store.devices.history("cam-9", since=at(0)) == []


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ({"fps": float("inf")}, "must be finite"),
        ({"fps": "fast"}, "must be one of int, float"),
    ],
)
def test_bad_metrics_are_refused(store: Store, metrics: dict[str, float], message: str) -> None:
    bad = DeviceStatus(device_id="cam-1", time=at(0), state=DeviceState.ONLINE, metrics=metrics)
    with pytest.raises(InvalidInputError, match=message):
        store.devices.record(bad)
    assert store.devices.latest() == []


def test_the_history_keeps_only_changes(store: Store) -> None:
    reports = [status("cam-1", s, DeviceState.ONLINE) for s in range(0, 100, 10)]
    reports.append(status("cam-1", 100, DeviceState.OFFLINE))
    reports.append(status("cam-1", 110, DeviceState.OFFLINE))
    for report in reports:
        store.devices.record(report)
    assert store.devices.history("cam-1", since=at(0)) == [reports[0], reports[10]]
    assert store.devices.get("cam-1") == reports[11]  # the latest still moves on


def test_a_silence_is_written_where_it_became_an_outage(store: Store) -> None:
    first = status("cam-1", 0, DeviceState.ONLINE)
    back = status("cam-1", 600, DeviceState.ONLINE)
    store.devices.record(first)
    store.devices.record(status("cam-1", 10, DeviceState.ONLINE))
    store.devices.record(back)
    history = store.devices.history("cam-1", since=at(0))
    assert [(h.time, h.state) for h in history] == [
        (at(0), DeviceState.ONLINE),
        (at(130), DeviceState.OFFLINE),
        (at(600), DeviceState.ONLINE),
    ]
    assert history[1].detail == f"no report since {at(10).isoformat()}"


def test_an_older_report_is_written_only_when_it_differs(store: Store) -> None:
    store.devices.record(status("cam-1", 0, DeviceState.ONLINE))
    store.devices.record(status("cam-1", 60, DeviceState.OFFLINE))
    store.devices.record(status("cam-1", 20, DeviceState.ONLINE))  # repeats the row before it
    store.devices.record(status("cam-1", 40, DeviceState.STOPPED))
    states = [(h.time, h.state) for h in store.devices.history("cam-1", since=at(0))]
    assert states == [
        (at(0), DeviceState.ONLINE),
        (at(40), DeviceState.STOPPED),
        (at(60), DeviceState.OFFLINE),
    ]
    assert store.devices.get("cam-1").time == at(60)

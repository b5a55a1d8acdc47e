"""Uptime and outages from the device status history: the one set of rules
(``kordon.register.uptime``) that the register and the reports both use."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.register.uptime import (
    NO_REPORT,
    Report,
    compute_uptime,
    device_uptime,
    read_changes,
    read_uptime,
)
from kordon.reports.uptime import read_device_uptime
from kordon.store import Store
from kordon.store.models import DeviceStatusHistoryRow, DeviceStatusRow
from tests.register.conftest import T0


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_step_function_with_outages() -> None:
    reports = [
        (at(10), "online", ""),
        (at(30), "offline", "no frames"),
        (at(40), "stopped", "restart"),
        (at(45), "degraded", "low fps"),
    ]
    result = compute_uptime("cam-1", reports, since=T0, until=at(60), stale_after_s=None)
    assert result.unknown_s == 600  # before the first report
    assert result.down_s == 15 * 60
    assert result.up_s == 35 * 60
    assert result.degraded_s == 15 * 60
    assert result.ratio == pytest.approx(35 / 50)
    assert [(o.start, o.end, o.state, o.ongoing) for o in result.outages] == [
        (at(30), at(45), "offline", False)
    ]


def test_the_silence_after_the_last_report_is_an_ongoing_outage() -> None:
    last_seen = T0 + timedelta(seconds=590)
    result = compute_uptime(
        "cam-1",
        [(T0, "online", "")],  # a change log: heartbeats that repeat the state are not rows
        since=T0,
        until=at(20),
        before=(at(-5), "online", ""),
        last_seen=last_seen,
        stale_after_s=120,
    )
    assert result.unknown_s == 0
    [outage] = result.outages
    assert (outage.start, outage.end, outage.state) == (
        last_seen + timedelta(seconds=120),
        at(20),
        NO_REPORT,
    )
    assert outage.ongoing
    assert outage.detail == f"no report since {last_seen.isoformat()}"
    assert result.down_s == pytest.approx(20 * 60 - 710)


def test_a_state_holds_between_changes_however_long() -> None:
    """A change log has no row per heartbeat: hours between rows are not a silence."""
    result = compute_uptime(
        "cam-1",
        [(at(0), "online", ""), (at(600), "offline", "rtsp timeout")],
        since=at(0),
        until=at(720),
        last_seen=at(719),
        stale_after_s=120,
    )
    assert result.up_s == 600 * 60
    assert [(o.start, o.end, o.ongoing) for o in result.outages] == [(at(600), at(720), True)]


def test_a_silence_ending_before_the_window_does_not_count() -> None:
    result = compute_uptime(
        "cam-1", [], since=at(0), until=at(10), before=(at(-60), "online", ""), last_seen=at(30)
    )
    assert (result.up_s, result.down_s, result.outages) == (600, 0, [])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": T0, "until": T0}, "until must be after since"),
        ({"since": T0, "until": at(1), "stale_after_s": 0}, "stale_after_s must be positive"),
        ({"since": T0.replace(tzinfo=None), "until": at(1)}, "since"),
    ],
)
def test_invalid_windows(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_uptime("x", [], **kwargs)  # type: ignore[arg-type]


def test_an_unknown_state_is_an_error_not_an_outage() -> None:
    with pytest.raises(ValueError, match="'exploded'"):
        compute_uptime("x", [(T0, "exploded", "")], since=T0, until=at(1))


STATES = [str(s) for s in DeviceState]


@settings(max_examples=200, deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.integers(0, 120), st.sampled_from(STATES)),
        max_size=12,
        unique_by=lambda c: c[0],
    ),
    repeats=st.lists(st.integers(0, 120), max_size=12),
    last_seen=st.none() | st.integers(0, 100),
)
def test_repeated_states_change_nothing_and_time_adds_up(
    changes: list[tuple[int, str]], repeats: list[int], last_seen: int | None
) -> None:
    """A history written a row per report gives the uptime of the change log it repeats."""
    log: list[Report] = [(at(m), state, "") for m, state in sorted(changes)]
    noisy = list(log)
    for minute in repeats:
        earlier = [r for r in log if r[0] <= at(minute)]
        if earlier:
            noisy.append((at(minute), earlier[-1][1], ""))
    noisy.sort(key=lambda r: r[0])
    # the latest status is never older than a history row
    newest = max([m for m, _ in changes] + repeats, default=0)
    seen = None if last_seen is None else at(newest + last_seen)
    window = {"since": at(10), "until": at(110), "last_seen": seen, "stale_after_s": 120.0}
    clean = compute_uptime("d", log, **window)  # type: ignore[arg-type]
    again = compute_uptime("d", noisy, **window)  # type: ignore[arg-type]
    assert (again.up_s, again.down_s, again.unknown_s) == pytest.approx(
        (clean.up_s, clean.down_s, clean.unknown_s)
    )
    assert [(o.start, o.end, o.ongoing) for o in again.outages] == [
        (o.start, o.end, o.ongoing) for o in clean.outages
    ]
    assert clean.up_s + clean.down_s + clean.unknown_s == pytest.approx(100 * 60)
    assert clean.degraded_s <= clean.up_s


def test_uptime_from_the_store(store: Store) -> None:
    for minute in range(-10, 71):  # a heartbeat a minute, down from 20 to 50
        state = DeviceState.OFFLINE if 20 <= minute < 50 else DeviceState.ONLINE
        store.devices.record(DeviceStatus("cam-1", at(minute), state))
    store.devices.record(DeviceStatus("cam-2", T0, DeviceState.OFFLINE))
    result = device_uptime(store.sessions, "cam-1", since=T0, until=at(60))
    assert (result.up_s, result.down_s, result.unknown_s) == (30 * 60, 30 * 60, 0)
    assert [(o.start, o.end, o.ongoing) for o in result.outages] == [(at(20), at(50), False)]
    later = device_uptime(store.sessions, "cam-1", since=at(60), until=at(90))
    assert [(o.start, o.state) for o in later.outages] == [(at(72), NO_REPORT)]


def test_a_written_silence_and_the_tail_silence_read_from_the_store(store: Store) -> None:
    """The change log as the status writer leaves it after a silence: an ``offline``
    "no report since" row where the silence became an outage; the latest status says
    when the device last reported."""
    rows = [
        (at(0), "online", ""),
        (at(12), "offline", f"no report since {at(10).isoformat()}"),
        (at(30), "online", ""),
    ]
    with store.sessions.begin() as session:
        for time, state, detail in rows:
            session.execute(
                insert(DeviceStatusHistoryRow).values(
                    device_id="cam-1", time=time, state=state, detail=detail, metrics={}
                )
            )
        session.execute(
            insert(DeviceStatusRow).values(
                device_id="cam-1", time=at(40), state="online", detail="", metrics={}
            )
        )
    result = device_uptime(store.sessions, "cam-1", since=at(0), until=at(60))
    assert [(o.start, o.end, o.state, o.ongoing) for o in result.outages] == [
        (at(12), at(30), "offline", False),
        (at(42), at(60), NO_REPORT, True),
    ]
    assert result.up_s == (12 + 12) * 60
    # the reports read the same rules, in their own terms
    with store.sessions() as session:
        report = read_device_uptime(session, "cam-1", start=at(0), end=at(60))
    assert report.observed_s == result.known_s
    assert report.up_s == result.up_s
    assert [(o.start, o.end, o.ongoing) for o in report.outages] == [
        (o.start, o.end, o.ongoing) for o in result.outages
    ]


@pytest.mark.parametrize("max_seeks", [1, 3, 64])
def test_reading_only_the_changes_gives_the_uptime_of_every_row(
    store: Store, max_seeks: int
) -> None:
    """A history written a row per heartbeat, with rows that share a time (the last written
    holds), read by seeking the changes (and, past ``max_seeks``, by reading the rest as it
    is), gives the uptime that ``compute_uptime`` gives from every row."""
    rng = random.Random(7)
    states = ["online", "online", "degraded", "offline", "stopped"]
    rows: list[Report] = []
    state = "online"
    for minute in range(-5, 90):
        if rng.random() < 0.15:
            state = rng.choice(states)
        rows.append((at(minute), state, f"m{minute}"))
        if rng.random() < 0.1:  # a second row at the same time
            rows.append((at(minute), rng.choice(states), f"tie {minute}"))
    with store.sessions.begin() as session:
        for time, state, detail in rows:
            session.execute(
                insert(DeviceStatusHistoryRow).values(
                    device_id="cam-1", time=time, state=state, detail=detail, metrics={}
                )
            )
    since, until = at(0), at(80)
    with store.sessions() as session:
        before = [r for r in rows if r[0] < since][-1]
        changes = read_changes(
            session, "cam-1", since=since, until=until, state=before[1], max_seeks=max_seeks
        )
        read = read_uptime(session, "cam-1", since=since, until=until, stale_after_s=None)
    inside = [r for r in rows if since <= r[0] < until]
    if max_seeks == 64:  # the heartbeats that repeat a state were skipped
        assert len(changes) < len(inside) / 3
    expected = compute_uptime("cam-1", rows, since=since, until=until, stale_after_s=None)
    from_changes = compute_uptime(
        "cam-1", changes, since=since, until=until, before=before, stale_after_s=None
    )
    for got in (from_changes, read):
        assert (got.up_s, got.down_s, got.degraded_s, got.unknown_s) == (
            expected.up_s,
            expected.down_s,
            expected.degraded_s,
            expected.unknown_s,
        )
        assert got.outages == expected.outages
    assert expected.outages  # the history has outages to compare

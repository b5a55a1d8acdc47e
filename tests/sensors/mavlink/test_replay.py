"""tlog replay through the ingest: the real logs in ../shared/data/mavlink, pacing, framing."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymavlink import mavutil  # type: ignore[import-untyped]

from kordon.domain.status import DeviceState
from kordon.sensors.mavlink.endpoint import TlogReplay, tlog_frames
from kordon.sensors.mavlink.ingest import IngestIssue, IngestLimits, TelemetryIngest
from kordon.video.source.clock import FakeClock
from tests.sensors.mavlink_logs import Fix, tlog_bytes

VTOL = "UAVLogViewer_vtol_SITL.tlog"
SUB_TLOG = "ardusub_log_tools_small_real.tlog"
T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _log(shared_data: Path, name: str) -> Path:
    path = shared_data / "mavlink" / name
    if not path.is_file():
        pytest.fail(f"{path} is missing from the shared data", pytrace=False)
    return path


@functools.cache
def _oracle(path: Path) -> dict[str, list[Any]]:
    """Every message of a log by type, read straight with pymavlink."""
    conn = mavutil.mavlink_connection(str(path))
    out: dict[str, list[Any]] = {}
    try:
        while (msg := conn.recv_match()) is not None:
            out.setdefault(msg.get_type(), []).append(msg)
    finally:
        conn.close()
    return out


def _replay(path: Path) -> tuple[TelemetryIngest, list[Any]]:
    frames = tlog_frames(path.read_bytes())
    start = datetime.fromtimestamp(frames[0][0], UTC)
    ingest = TelemetryIngest(
        "uav-1", [1], started=start, limits=IngestLimits(min_publish_interval_s=0.0)
    )
    states = []
    for t, frame in frames:
        states += ingest.feed(frame, datetime.fromtimestamp(t, UTC)).states
    return ingest, states


def test_the_vtol_sitl_log_replays_to_one_state_per_position(shared_data: Path) -> None:
    path = _log(shared_data, VTOL)
    ingest, states = _replay(path)
    oracle = _oracle(path)
    positions = [m for m in oracle["GLOBAL_POSITION_INT"] if m.lat != 0 or m.lon != 0]
    # every GLOBAL_POSITION_INT becomes a state except those whose vehicle clock ran back
    backwards = ingest.counts[IngestIssue.TIME_BACKWARDS]
    from_gps = sum(
        1 for s in states if s.time < datetime.fromtimestamp(positions[0]._timestamp, UTC)
    )
    assert len(states) - from_gps == len(positions) - backwards
    assert backwards <= 5
    assert set(ingest.counts) <= {IngestIssue.TIME_BACKWARDS}
    last, expected = states[-1], positions[-1]
    assert last.position.lat == pytest.approx(expected.lat * 1e-7)
    assert last.position.lon == pytest.approx(expected.lon * 1e-7)
    assert last.position.alt_m == pytest.approx(expected.alt / 1000.0)
    assert last.mode == "QLAND"
    assert {s.mode for s in states} >= {"QLOITER", "GUIDED"}
    assert ingest.messages == sum(len(v) for k, v in oracle.items() if k != "BAD_DATA")


def test_the_ardusub_log_counts_bad_crc_and_ignores_the_ground_station(
    shared_data: Path,
) -> None:
    path = _log(shared_data, SUB_TLOG)
    ingest, states = _replay(path)
    bad = len(_oracle(path).get("BAD_DATA", []))
    assert bad > 0
    assert ingest.counts[IngestIssue.CORRUPT] == bad
    assert ingest.ground_station_messages > 0  # QGroundControl (system 255) on the link
    # only what the station sent before its first heartbeat counts as unknown
    assert ingest.counts[IngestIssue.UNKNOWN_SYSTEM] == 1
    assert ingest.ground_station_messages > 1_000
    assert len(states) > 100
    assert all(abs(s.position.lat - 48.386) < 0.01 for s in states)  # stationary vehicle


def test_replay_is_paced_on_the_clock_at_the_chosen_speed(tmp_path: Path) -> None:
    fixes = [Fix(1_700_000_000.0 + 0.5 * i, 1, 51.5 + 1e-5 * i, 24.0, 100.0) for i in range(21)]
    path = tmp_path / "flight.tlog"
    path.write_bytes(tlog_bytes(fixes))
    clock = FakeClock(T0)
    replay = TlogReplay(path, clock=clock, speed=5.0)
    frames = 0
    while replay.receive(0.1) is not None:
        frames += 1
    assert frames == 21
    assert clock.monotonic() == pytest.approx(10.0 / 5.0)  # 10 s of flight at 5x
    fast_clock = FakeClock(T0)
    fast = TlogReplay(path, clock=fast_clock, speed=0.0)
    while fast.receive(0.1) is not None:
        pass
    assert fast_clock.sleeps == []


def test_tlog_framing_passes_garbage_on_as_its_own_chunk() -> None:
    good = tlog_bytes([Fix(1_700_000_000.0, 1, 51.5, 24.0, 100.0)])
    frames = tlog_frames(good + b"\x01\x02junk" + good)
    assert [len(f) for _, f in frames] == [len(good) - 8, 6, len(good) - 8]
    ingest = TelemetryIngest("uav-1", [1], started=T0)
    for t, frame in frames:
        ingest.feed(frame, T0 + timedelta(seconds=t - 1_700_000_000.0))
    assert ingest.counts[IngestIssue.CORRUPT] >= 1
    assert ingest.messages == 2


def test_a_replay_that_ends_leaves_the_drone_offline_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "flight.tlog"
    path.write_bytes(tlog_bytes([Fix(1_700_000_000.0, 1, 51.5, 24.0, 100.0)]))
    ingest, _ = _replay(path)
    later = datetime.fromtimestamp(1_700_000_000.0 + 30, UTC)
    states = {s.device_id: s.state for s in ingest.check(later).statuses}
    assert states["uav-1"] is DeviceState.OFFLINE

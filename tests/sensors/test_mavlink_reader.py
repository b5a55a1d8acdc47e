"""TelemetryLogReader on the real logs in ../shared/data/mavlink and on broken input."""

from __future__ import annotations

import functools
import math
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pymavlink import DFReader, mavutil  # type: ignore[import-untyped]

from kordon.sensors.mavlink import (
    DropReason,
    PositionScreen,
    PositionSource,
    TelemetryLogReader,
    TelemetryReadError,
    tracks_of,
)
from tests.sensors.mavlink_logs import DataFlashFix, Fix, dataflash_bytes, write_tlog

VTOL = "UAVLogViewer_vtol_SITL.tlog"
SUB_TLOG = "ardusub_log_tools_small_real.tlog"
SUB_BIN = "ardusub_log_tools_small_real.BIN"


def _log(shared_data: Path, name: str) -> Path:
    path = shared_data / "mavlink" / name
    if not path.is_file():
        pytest.fail(f"{path} is missing from the shared data", pytrace=False)
    return path


@functools.cache
def _direct_all(path: Path) -> dict[str, list[Any]]:
    """Every message of a log by type, read straight with pymavlink (the oracle)."""
    conn = mavutil.mavlink_connection(str(path))
    out: dict[str, list[Any]] = {}
    try:
        while (msg := conn.recv_match()) is not None:
            out.setdefault(msg.get_type(), []).append(msg)
    finally:
        conn.close()
    return out


def _direct(path: Path, kind: str) -> list[Any]:
    return _direct_all(path).get(kind, [])


def test_vtol_tlog_positions_and_attitude_match_pymavlink(shared_data: Path) -> None:
    path = _log(shared_data, VTOL)
    log = TelemetryLogReader().read(path)
    expected = _direct(path, "GLOBAL_POSITION_INT")
    got = [p for p in log.positions if p.source is PositionSource.GLOBAL_POSITION_INT]
    assert len(got) == len(expected) == 807
    for p, m in zip(got, expected, strict=True):
        assert p.system_id == m.get_srcSystem()
        assert p.lat == pytest.approx(m.lat * 1e-7, abs=1e-9)
        assert p.lon == pytest.approx(m.lon * 1e-7, abs=1e-9)
        assert p.alt_m == pytest.approx(m.alt / 1000.0, abs=1e-6)
        assert p.time == datetime.fromtimestamp(m._timestamp, UTC)
    attitudes = _direct(path, "ATTITUDE")
    assert len(log.attitudes) == len(attitudes)
    assert log.attitudes[100].yaw_deg == pytest.approx(math.degrees(attitudes[100].yaw) % 360)
    assert log.attitudes[100].roll_deg == pytest.approx(math.degrees(attitudes[100].roll))
    assert [m.mode for m in log.modes[:3]] == ["QLOITER", "CIRCLE", "GUIDED"]
    assert not log.dropped
    (track,) = tracks_of(log)
    assert track.source is PositionSource.GLOBAL_POSITION_INT
    assert track.system_id == 1


def test_ardusub_tlog_counts_bad_crc_and_fixless_gps(shared_data: Path) -> None:
    path = _log(shared_data, SUB_TLOG)
    log = TelemetryLogReader().read(path)
    bad = _direct(path, "BAD_DATA")
    assert log.dropped[DropReason.BAD_DATA] == len(bad) == 4
    assert any("invalid MAVLink CRC" in d for d in log.drop_details)
    no_fix = [m for m in _direct(path, "GPS_RAW_INT") if m.fix_type < 2 or m.lat == m.lon == 0]
    assert log.dropped[DropReason.NO_FIX] == len(no_fix) > 0
    (track,) = tracks_of(log)
    assert track.source is PositionSource.GLOBAL_POSITION_INT
    assert len(track.positions) == len(_direct(path, "GLOBAL_POSITION_INT"))
    volts = [m.voltage_battery / 1000 for m in _direct(path, "SYS_STATUS")]
    assert [b.voltage_v for b in log.batteries] == pytest.approx(volts)


def test_ardusub_dataflash_attitude_battery_mode_match_pymavlink(shared_data: Path) -> None:
    path = _log(shared_data, SUB_BIN)
    log = TelemetryLogReader().read(path)
    conn = DFReader.DFReader_binary(str(path))
    att: list[Any] = []
    bat: list[Any] = []
    try:
        while (m := conn.recv_match(type=["ATT", "BAT"])) is not None:
            (att if m.get_type() == "ATT" else bat).append(m)
    finally:
        conn.close()
    assert len(log.attitudes) == len(att) == 237
    assert [a.pitch_deg for a in log.attitudes] == pytest.approx([m.Pitch for m in att])
    assert [b.voltage_v for b in log.batteries] == pytest.approx([m.Volt for m in bat])
    assert all(b.remaining_pct is None for b in log.batteries)  # RemPct 255: unknown
    assert [m.mode for m in log.modes] == ["MANUAL"]
    assert log.positions == []  # an underwater vehicle without GPS
    assert log.utc_clock is False


def test_dataflash_gps_gives_positions_at_gps_time(tmp_path: Path) -> None:
    fixes = [
        DataFlashFix(
            1_000_000 + i * 200_000, 2400, 300_000_000 + i * 200, 51.5 + i * 1e-5, 24.0, 180
        )
        for i in range(10)
    ]
    fixes.insert(3, DataFlashFix(1_500_000, 2400, 300_000_100, 0.0, 0.0, 0.0, status=1))
    path = tmp_path / "flight.bin"
    path.write_bytes(dataflash_bytes(fixes))
    log = TelemetryLogReader().read(path)
    assert log.utc_clock is True
    assert log.dropped == {DropReason.NO_FIX: 1}
    (track,) = tracks_of(log)
    assert track.source is PositionSource.DATAFLASH_GPS
    assert [p.lat for p in track.positions] == pytest.approx([51.5 + i * 1e-5 for i in range(10)])
    assert track.positions[0].alt_m == pytest.approx(180.0)
    # GPS week 2400 + 300,000 s is 2026-01-07 11:20:00 GPS time, 18 leap seconds ahead of UTC.
    assert track.positions[0].time == datetime(2026, 1, 7, 11, 19, 42, tzinfo=UTC)


def test_gps_jump_and_time_going_backwards_are_dropped(tmp_path: Path) -> None:
    t0 = 1_700_000_000.0
    fixes = [Fix(t0 + i, 1, 51.5 + i * 1e-4, 24.0, 200.0) for i in range(6)]
    fixes.insert(3, Fix(t0 + 2.5, 1, 51.55, 24.0, 200.0))  # ~5.5 km away half a second later
    fixes.insert(5, Fix(t0 + 1.0, 1, 51.5003, 24.0, 200.0))  # time running backwards
    log = TelemetryLogReader().read(write_tlog(tmp_path / "j.tlog", fixes))
    assert log.dropped == {DropReason.GPS_JUMP: 1, DropReason.TIME_BACKWARDS: 1}
    assert [p.lat for p in log.positions] == pytest.approx([51.5 + i * 1e-4 for i in range(6)])


def test_several_vehicles_make_one_track_each(tmp_path: Path) -> None:
    t0 = 1_700_000_000.0
    fixes = [Fix(t0 + i, 1 + i % 2, 51.5 + i * 1e-5, 24.0 + i % 2, 100.0) for i in range(8)]
    log = TelemetryLogReader().read(write_tlog(tmp_path / "two.tlog", fixes))
    assert [(t.system_id, len(t.positions)) for t in tracks_of(log)] == [(1, 4), (2, 4)]


def test_corrupt_bytes_never_crash_and_never_invent_positions(
    shared_data: Path, tmp_path: Path
) -> None:
    path = _log(shared_data, VTOL)
    clean = TelemetryLogReader().read(path)
    data = bytearray(path.read_bytes())
    rng = random.Random(13)
    for offset in rng.sample(range(len(data)), 400):
        data[offset] ^= 0xFF
    broken = tmp_path / "broken.tlog"
    broken.write_bytes(bytes(data[: len(data) - 37]))  # also cut inside a message
    log = TelemetryLogReader().read(broken)
    assert log.dropped[DropReason.BAD_DATA] > 0
    assert 0 < len(log.positions) < len(clean.positions)
    good = {(p.lat, p.lon, p.alt_m) for p in clean.positions}
    assert all((p.lat, p.lon, p.alt_m) in good for p in log.positions)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.tlog", None, "does not exist"),
        ("empty.tlog", b"", "empty"),
        ("noise.bin", bytes(range(256)) * 20, "not a DataFlash log"),
        ("log.ulg", b"ULog\x01\x12", "unsupported log type '.ulg'"),
        ("noise.tlog", b"\x00" * 4096, "no decodable MAVLink message"),
    ],
)
def test_unreadable_files_raise_a_clear_error(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TelemetryReadError, match=message):
        TelemetryLogReader().read(path)


def test_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dir.tlog"
    folder.mkdir()
    with pytest.raises(TelemetryReadError, match="not a regular file"):
        TelemetryLogReader().read(folder)


def test_screen_believes_a_relocation_after_repeated_jumps() -> None:
    from kordon.sensors.mavlink import PositionSample

    screen = PositionScreen(max_speed_mps=50.0, min_jump_m=100.0, resync_after=3)
    t0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()

    def sample(i: int, lat: float) -> PositionSample:
        return PositionSample(
            datetime.fromtimestamp(t0 + i, UTC), 1, lat, 24.0, 0.0, PositionSource.GPS_RAW_INT
        )

    verdicts = [screen.check(sample(i, lat)) for i, lat in enumerate([51.0, 52.0, 52.0, 52.0])]
    assert [v is None for v in verdicts] == [True, False, False, True]
    assert verdicts[1] is not None
    assert verdicts[1][0] is DropReason.GPS_JUMP

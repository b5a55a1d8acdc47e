"""``kordon drone track``: a log to a GeoJSON track, exit codes on bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from kordon.cli.main import app
from tests.sensors.mavlink_logs import Fix, write_tlog

runner = CliRunner()


def test_track_of_a_real_tlog(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "track.geojson"
    log = shared_data / "mavlink" / "UAVLogViewer_vtol_SITL.tlog"
    result = runner.invoke(app, ["drone", "track", str(log), "--out", str(out)])
    assert result.exit_code == 0, result.output
    feature = json.loads(out.read_text())
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "LineString"
    coords = feature["geometry"]["coordinates"]
    times = feature["properties"]["times"]
    assert len(coords) == len(times) == 807
    assert feature["properties"]["system_id"] == 1
    lon, lat, alt = coords[0]
    assert (round(lat, 4), round(lon, 4)) == (-35.363, 149.1649)  # ArduPilot SITL, Canberra
    assert alt > 500  # AMSL
    parsed = [datetime.fromisoformat(t) for t in times]
    assert parsed[0].tzinfo is not None
    assert parsed[0] == datetime(2018, 8, 8, 14, 6, 1, 912000, tzinfo=UTC)
    assert parsed == sorted(parsed)


def test_two_vehicles_give_a_feature_collection(tmp_path: Path) -> None:
    t0 = 1_700_000_000.0
    fixes = [Fix(t0 + i, 7 + i % 2, 51.5 + i * 1e-5, 24.0, 100.0 + i) for i in range(6)]
    log = write_tlog(tmp_path / "two.tlog", fixes)
    out = tmp_path / "t.geojson"
    result = runner.invoke(app, ["drone", "track", str(log), "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["type"] == "FeatureCollection"
    assert [f["properties"]["system_id"] for f in doc["features"]] == [7, 8]
    first = doc["features"][0]
    assert first["geometry"]["coordinates"][1] == [24.0, 51.50002, 102.0]
    assert first["properties"]["times"][1] == "2023-11-14T22:13:22Z"


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"not a log at all" * 10)
    result = runner.invoke(app, ["drone", "track", str(bad), "--out", str(tmp_path / "o.json")])
    assert result.exit_code == 2
    assert "not a DataFlash log" in result.output
    assert not (tmp_path / "o.json").exists()


def test_log_without_position_exits_1(shared_data: Path, tmp_path: Path) -> None:
    log = shared_data / "mavlink" / "ardusub_log_tools_small_real.BIN"
    result = runner.invoke(app, ["drone", "track", str(log), "--out", str(tmp_path / "o.json")])
    assert result.exit_code == 1
    assert "no position fix" in result.output

"""``kordon asterix decode`` as an operator runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kordon.cli import app
from tests.sensors.builders import block, pcap, udp_frame
from tests.sensors.test_asterix_spec import CAT048_FULL, CAT062_FULL

runner = CliRunner()


def test_raw_blocks_to_jsonl_with_summary(tmp_path: Path) -> None:
    src = tmp_path / "radar.ast"
    src.write_bytes(block(48, CAT048_FULL) + block(62, CAT062_FULL) + bytes([48, 0, 9, 1]))
    out = tmp_path / "records.jsonl"
    result = runner.invoke(app, ["asterix", "decode", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["category"] for r in rows] == [48, 62]
    assert rows[0]["range_m"] == pytest.approx(18520.0)
    assert rows[0]["azimuth_deg"] == 90.0
    assert (rows[0]["sac"], rows[0]["sic"], rows[0]["time_of_day_s"]) == (7, 9, 3600.5)
    assert rows[1]["track_number"] == 4660
    assert {"lat", "lon"} <= rows[1].keys()
    assert "truncated_block" in result.output
    assert '"errors": {"truncated_block": 1}' in result.output
    strict = runner.invoke(app, ["asterix", "decode", str(src), "--out", str(out), "--strict"])
    assert strict.exit_code == 1


def test_pcap_input(tmp_path: Path) -> None:
    src = tmp_path / "radar.pcap"
    src.write_bytes(pcap([udp_frame(block(48, CAT048_FULL))]))
    out = tmp_path / "records.jsonl"
    result = runner.invoke(app, ["asterix", "decode", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["callsign"] == "KOR1"


@pytest.mark.parametrize("name", ["missing.pcap", "."])
def test_unreadable_input_exits_2(tmp_path: Path, name: str) -> None:
    result = runner.invoke(
        app, ["asterix", "decode", str(tmp_path / name), "--out", str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 2
    assert "cannot read" in result.output

"""``kordon cot parse`` as an operator runs it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kordon.cli import app
from tests.interop.cot_samples import event

runner = CliRunner()


def test_events_to_jsonl_and_refusals_on_stderr(tmp_path: Path) -> None:
    src = tmp_path / "in.cot"
    src.write_bytes(event("A") + event("B", ce="1e99") + event("C"))
    out = tmp_path / "events.jsonl"
    result = runner.invoke(app, ["cot", "parse", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["uid"] for r in rows] == ["A", "C"]
    assert rows[0]["callsign"] == "PATROL A"
    assert "event 1 at byte" in result.output
    assert "2 event(s)" in result.output
    strict = runner.invoke(app, ["cot", "parse", str(src), "--out", str(out), "--strict"])
    assert strict.exit_code == 1


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["cot", "parse", str(tmp_path / "nope.xml")])
    assert result.exit_code == 2
    assert "cannot read" in result.output

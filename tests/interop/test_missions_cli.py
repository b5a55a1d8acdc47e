"""``kordon mission plan`` and ``kordon mission check`` on the Volyn example site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pymavlink import mavwp  # type: ignore[import-untyped]
from typer.testing import CliRunner

from kordon.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def site(repo_root: Path) -> Path:
    return repo_root / "examples" / "volyn" / "site.yaml"


@pytest.mark.parametrize("name", ["patrol.plan", "patrol.waypoints", "patrol.txt"])
def test_plan_writes_the_format_of_the_extension(site: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    args = ["mission", "plan", str(site), "--sector", "s3-east", "--out", str(out)]
    result = runner.invoke(app, [*args, "--offset", "400", "--altitude", "120", "--speed", "8"])
    assert result.exit_code == 0, result.output
    if out.suffix == ".plan":
        doc = json.loads(out.read_text())
        assert doc["fileType"] == "Plan"
        alts = {i["params"][6] for i in doc["mission"]["items"] if i["command"] == 16}
    else:
        loader = mavwp.MAVWPLoader()
        count = loader.load(str(out))
        alts = {loader.wp(i).z for i in range(1, count) if loader.wp(i).command == 16}
    assert alts == {120.0}
    check = runner.invoke(app, ["mission", "check", str(out), str(site), "--buffer", "300"])
    assert check.exit_code == 0, check.output
    assert "all clear of the border by 300 m" in check.output


def test_check_exits_1_when_the_buffer_is_broken(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.plan"
    plan = runner.invoke(
        app, ["mission", "plan", str(site), "--sector", "s2-centre", "--out", str(out)]
    )
    assert plan.exit_code == 0, plan.output
    # The patrol flies ~300 m from the line: a 500 m buffer is broken on every leg.
    result = runner.invoke(app, ["mission", "check", str(out), str(site), "--buffer", "500"])
    assert result.exit_code == 1
    assert "comes within" in result.output
    assert "legs break the 500 m buffer" in result.output


def test_unknown_sector_lists_the_valid_ones(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.plan"
    result = runner.invoke(app, ["mission", "plan", str(site), "--sector", "s9", "--out", str(out)])
    assert result.exit_code == 2
    assert "unknown sector 's9' (valid: s1-tripoint, s2-centre, s3-east)" in result.output
    assert not out.exists()


def test_unknown_extension_is_refused(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.kml"
    result = runner.invoke(
        app, ["mission", "plan", str(site), "--sector", "s2-centre", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "unknown mission file extension '.kml'" in result.output
    assert not out.exists()


def test_check_of_an_unreadable_mission_exits_2(site: Path, tmp_path: Path) -> None:
    bad = tmp_path / "m.plan"
    bad.write_text("{not json")
    result = runner.invoke(app, ["mission", "check", str(bad), str(site)])
    assert result.exit_code == 2
    assert "not JSON" in result.output

"""`kordon config check` on a drone's real video: a missing file and a bad stream URL are
refused with the line and field, a present file passes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kordon.cli import app

runner = CliRunner()
SIMULATED = "source: {kind: simulator, world: cam-1}"


def _site(repo_root: Path, tmp_path: Path, source: str) -> Path:
    example = repo_root / "examples" / "volyn"
    text = (example / "site.yaml").read_text(encoding="utf-8")
    assert SIMULATED in text
    for geojson in example.glob("*.geojson"):
        (tmp_path / geojson.name).write_bytes(geojson.read_bytes())
    site = tmp_path / "site.yaml"
    site.write_text(text.replace(SIMULATED, f"source: {source}"), encoding="utf-8")
    return site


def _line(site: Path, source: str) -> int:
    lines = site.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines) if f"source: {source}" in line) + 1


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "{kind: file, path: flights/missing.mp4}",
            r"sensors\[\d+\]\.video\.source\.path: .*flights/missing\.mp4: video file not found",
        ),
        (
            "{kind: rtsp, url: 'http://10.0.0.7/live'}",
            r"sensors\[\d+\]\.video\.source: .*rtsp:// or rtsps://; got scheme 'http'",
        ),
    ],
)
def test_a_bad_drone_video_source_fails_the_check_at_its_line(
    repo_root: Path, tmp_path: Path, source: str, message: str
) -> None:
    site = _site(repo_root, tmp_path, source)
    result = runner.invoke(app, ["config", "check", str(site)])
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())  # rich wraps long lines
    assert f"site.yaml:{_line(site, source)}:" in output
    assert re.search(message, output), output


def test_a_drone_video_file_that_exists_passes(repo_root: Path, tmp_path: Path) -> None:
    (tmp_path / "flights").mkdir()
    (tmp_path / "flights" / "f.mp4").write_bytes(b"\0" * 64)
    site = _site(repo_root, tmp_path, "{kind: file, path: flights/f.mp4, realtime: false}")
    result = runner.invoke(app, ["config", "check", str(site)])
    assert result.exit_code == 0, result.output

"""The ``video:`` block of a mavlink sensor: shape, cross-checks, and the site file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kordon.config.camera import CameraConfig
from kordon.config.drone_video import DroneVideoConfig, world_problem
from kordon.config.integrations import MavlinkSensor
from kordon.config.loader import load_site

SIM = {"kind": "simulator", "world": "cam-1"}


def _sensor(**extra: Any) -> MavlinkSensor:
    fields: dict[str, Any] = {
        "kind": "mavlink",
        "id": "uav-1",
        "url": "udpin:127.0.0.1:14550",
        "simulated_patrol": "s1",
    }
    fields.update(extra)
    return MavlinkSensor.model_validate(fields)


def test_defaults_suit_a_two_core_node() -> None:
    video = DroneVideoConfig.model_validate({"source": SIM})
    assert (video.fps, video.width, video.height, video.tiles) == (2.0, 640, 360, (2, 1))
    assert video.classes == ["person"]
    assert video.offset_s == 0.0


@pytest.mark.parametrize(
    ("video", "message"),
    [
        ({"source": {"kind": "webcam", "device": 0}}, "does not match any of the expected"),
        ({"source": {"kind": "simulator"}}, "world"),
        ({"source": SIM, "fps": 0}, "greater than 0"),
        ({"source": SIM, "fps": 25}, "less than or equal to 10"),
        ({"source": SIM, "tiles": [5, 1]}, "less than or equal to 4"),
        ({"source": SIM, "offset_s": 60}, "less than or equal to 30"),
        ({"source": SIM, "classes": ["person", "person"]}, "duplicates"),
        ({"source": SIM, "colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_video_blocks_are_refused_with_the_reason(video: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DroneVideoConfig.model_validate(video)


def test_a_simulated_view_needs_the_simulated_drone() -> None:
    with pytest.raises(ValidationError, match="set simulated_patrol"):
        _sensor(simulated_patrol=None, video={"source": SIM})
    assert _sensor(video={"source": SIM}).video is not None


def test_the_camera_is_on_one_of_the_sensors_vehicles() -> None:
    with pytest.raises(ValidationError, match=r"video.system_id 2 is not one of system_ids \[1\]"):
        _sensor(video={"source": SIM, "system_id": 2})
    assert _sensor(system_ids=[1, 2], video={"source": SIM, "system_id": 2}).video is not None


def test_a_patrol_stretch_needs_a_patrol() -> None:
    with pytest.raises(ValidationError, match="simulated_patrol_km needs simulated_patrol"):
        _sensor(simulated_patrol=None, simulated_patrol_km=[1.0, 2.0])


def _camera(camera_id: str, source: dict[str, Any], *, enabled: bool = True) -> CameraConfig:
    return CameraConfig.model_validate(
        {"id": camera_id, "name": camera_id, "sector": "s1", "enabled": enabled, "source": source}
    )


BORDER = {"kind": "simulator", "scenario": "border"}


@pytest.mark.parametrize(
    ("cameras", "problem"),
    [
        ([_camera("cam-1", BORDER)], None),
        ([_camera("cam-1", {**BORDER, "world": "cam-1"})], None),
        ([_camera("cam-2", BORDER)], "unknown camera 'cam-1'; known cameras: 'cam-2'"),
        ([_camera("cam-1", BORDER, enabled=False)], "must be an enabled simulated camera"),
        ([_camera("cam-1", {"kind": "simulator", "scenario": "demo"})], "scenario 'border'"),
        ([_camera("cam-1", {"kind": "file", "path": "a.mp4"})], "enabled simulated camera"),
        (
            [_camera("cam-0", BORDER), _camera("cam-1", {**BORDER, "world": "cam-0"})],
            "shows the world of 'cam-0': name 'cam-0'",
        ),
    ],
)
def test_the_world_is_a_simulated_border_camera(
    cameras: list[CameraConfig], problem: str | None
) -> None:
    source = DroneVideoConfig.model_validate({"source": SIM}).source
    found = world_problem(source, cameras)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def test_the_demo_site_flies_a_drone_with_a_camera(repo_root: Path) -> None:
    site = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    drones = [s for s in site.sensors if isinstance(s, MavlinkSensor)]
    assert [(s.id, s.video is not None) for s in drones] == [("uav-1", True)]


def test_config_check_names_the_line_of_an_unknown_world(tmp_path: Path, repo_root: Path) -> None:
    text = (repo_root / "examples" / "volyn" / "site.yaml").read_text(encoding="utf-8")
    assert "world: cam-1}" in text
    bad = tmp_path / "site.yaml"
    bad.write_text(text.replace("world: cam-1}", "world: cam-9}"), encoding="utf-8")
    for name in ("border_ua_by_volyn.geojson",):
        (tmp_path / name).write_bytes((repo_root / "examples" / "volyn" / name).read_bytes())
    with pytest.raises(
        Exception, match=r"sensors\[2\]\.video\.source\.world.*unknown camera 'cam-9'"
    ):
        load_site(bad)

"""A person seen by the drone camera and by a tower is one fused site track."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from kordon.config.fusion import SiteFusionConfig
from kordon.config.loader import load_site
from kordon.domain.detections import Detections
from kordon.domain.live_track import LiveTrack
from kordon.domain.observations import Observations
from kordon.domain.scan import SensorScan
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.sensors.dronecam import (
    CameraIntrinsics,
    DroneCamObserver,
    DronePose,
    GroundProjector,
    PoseHistory,
    PoseSample,
    PoseUncertainty,
)
from kordon.site.factory import site_picture_core

START_S = 1_800_000_000.0
GROUND_M = 180.0
SIZE = (1280, 720)
TOWER, DRONE = "cam-t", "uav-1:cam"


@pytest.fixture(scope="module")
def geometry(repo_root: Path) -> SiteGeometry:
    return SiteGeometry.from_config(load_site(repo_root / "examples" / "volyn" / "site.yaml"))


def test_a_person_seen_by_the_drone_and_a_tower_is_one_site_track(geometry: SiteGeometry) -> None:
    frame = geometry.frame
    border = geometry.borders["ua-by"]
    a, b = border.point_at_km([29.9, 30.1])
    along = (b - a) / np.hypot(*(b - a))
    inland = np.array([along[1], -along[0]])  # right of the line: Ukraine
    assert border.side_names((a + 300 * inland)[None])[0] == "UA"
    start = a + 600.0 * inland
    velocity = 1.4 * along  # walking along the border, 600 m inland

    def person(t: float) -> npt.NDArray[np.float64]:
        out: npt.NDArray[np.float64] = start + velocity * t
        return out

    # the drone hovers 220 m inland of the walk at 80 m, its camera on the walk's middle
    drone_xy = start + 15.0 * along + 220.0 * inland
    look = person(15.0) - drone_xy
    yaw = math.degrees(math.atan2(look[0], look[1])) % 360.0
    pitch = -math.degrees(math.atan2(80.0, float(np.hypot(*look))))
    lon, lat = frame.xy_to_lonlat(drone_xy[None])[0]
    history = PoseHistory()
    for k in range(5 * 32):
        t = 0.2 * k
        history.add(
            PoseSample(
                START_S + t,
                float(lat),
                float(lon),
                GROUND_M + 80.0,
                yaw + 0.3 * math.sin(t),
                pitch,
                0.0,
                60.0,
                34.0,
                GROUND_M,
            )
        )
    projector = GroundProjector(frame, uncertainty=PoseUncertainty(attitude_deg=0.5))
    observer = DroneCamObserver(DRONE, history, projector)
    intrinsics = CameraIntrinsics.from_fov(SIZE, 60.0, 34.0)
    exact = GroundProjector(frame)
    core = site_picture_core(
        geometry,
        [SensorSpec(TOWER, SensorKind.CAMERA), SensorSpec(DRONE, SensorKind.DRONE)],
        SiteFusionConfig(),
    )
    rng = np.random.default_rng(3)
    live: list[LiveTrack] = []
    drone_rows = 0
    for k in range(1, 5 * 30):
        t = 0.2 * k
        truth = person(t)
        tower = Observations.from_arrays(
            time_s=[START_S + t],
            sensor_id=TOWER,
            east_north_m=[truth + rng.normal(0.0, 2.0, 2)],
            cov_m2=[np.eye(2) * 4.0],
            class_name="person",
            confidence=[0.8],
            local_id="7",
        )
        scans = [SensorScan(TOWER, START_S + t, tower)]
        if k % 2 == 0:  # the drone's video at 2.5 fps
            pose = history.at(START_S + t)
            assert isinstance(pose, DronePose)
            uv, front = exact.to_pixel(pose, intrinsics, [[truth[0], truth[1], GROUND_M]])
            assert front[0]
            foot = uv[0] + rng.normal(0.0, 1.5, 2)
            box = [[foot[0] - 6, foot[1] - 40, foot[0] + 6, foot[1]]]
            dets = Detections.from_arrays(box, [0.7], [0], ("person",))
            result = observer.observe(dets, START_S + t, SIZE, local_ids=["d1"])
            assert result.scan is not None, result.detail
            drone_rows += len(result.scan.observations)
            scans.append(result.scan)
        for scan in scans:
            live += core.on_scan(scan, START_S + t + 0.05).live
    assert drone_rows == 74
    ids = {m.track_id for m in live}
    assert len(ids) == 1, f"one person must be one site track, got {sorted(ids)}"
    last = live[-1]
    assert set(last.local_ids) == {TOWER, DRONE}
    east, north = frame.to_local(last.lon, last.lat)
    assert float(np.hypot(east - person(29.8)[0], north - person(29.8)[1])) < 5.0

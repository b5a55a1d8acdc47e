"""Site-picture inputs for the CoT encoder tests: tracks, incidents, drones at known values."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from kordon.domain.drone import DroneState, GeoPoint, GimbalAttitude
from kordon.domain.incident import CrossingCounts, Incident
from kordon.domain.site_tracks import SiteTracks

T0 = datetime(2026, 5, 4, 12, 0, 0, 250_000, tzinfo=UTC)


def tracks(
    *,
    ids: tuple[int, ...] = (7, 8),
    classes: tuple[str, ...] = ("person", "car"),
    confirmed: tuple[bool, ...] = (True, True),
    sigma_m: tuple[float, ...] = (5.0, 12.0),
    time_s: float | None = None,
) -> SiteTracks:
    n = len(ids)
    cov = np.zeros((n, 2, 2))
    for i, s in enumerate(sigma_m):
        cov[i] = np.eye(2) * s * s
    return SiteTracks(
        time_s=T0.timestamp() if time_s is None else time_s,
        site_track_id=np.asarray(ids, dtype=np.int64),
        east_north_m=np.arange(n * 2, dtype=np.float64).reshape(n, 2) * 100.0,
        velocity_mps=np.tile([[3.0, 4.0]], (n, 1)),
        position_cov_m2=cov,
        confirmed=np.asarray(confirmed, dtype=np.bool_),
        last_update_s=np.zeros(n),
        class_name=np.asarray(classes, dtype=np.str_),
        confidence=np.full(n, 0.8),
        sensor_ids=tuple(("cam-1", "radar-1") for _ in range(n)),
    )


def incident(**extra: object) -> Incident:
    values: dict[str, object] = {
        "id": "inc-1",
        "title": "Border crossing km 12.4",
        "opened_at": T0,
        "priority": 1,
        "sector_id": "north",
        "crossings": CrossingCounts(inbound=1),
    }
    values.update(extra)
    return Incident(**values)  # type: ignore[arg-type]


def drone() -> DroneState:
    return DroneState(
        sensor_id="uav",
        system_id=1,
        time=T0,
        position=GeoPoint(51.2, 24.1, 250.0),
        relative_alt_m=100.0,
        heading_deg=90.0,
        ground_speed_mps=12.0,
        gimbal=GimbalAttitude(0.0, -30.0, 10.0),
        camera_hfov_deg=60.0,
        camera_vfov_deg=40.0,
        battery_pct=77.0,
    )

"""Builders for fusion tests: observation batches and trackers with known sensors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kordon.domain.observations import Observations
from kordon.fusion.config import FusionConfig
from kordon.fusion.sensors import SensorRegistry, SensorSpec
from kordon.fusion.tracker import SiteTracker

T0 = 1_700_000_000.0


def obs(
    points: Sequence[tuple[float, float]],
    *,
    time_s: float = T0,
    sensor: str = "cam-1",
    sigma_m: float = 0.5,
    local_ids: Sequence[str] | None = None,
) -> Observations:
    n = len(points)
    return Observations.from_arrays(
        time_s=np.full(n, time_s),
        sensor_id=sensor,
        east_north_m=np.asarray(points, np.float64).reshape(-1, 2),
        cov_m2=np.broadcast_to(np.eye(2) * sigma_m**2, (n, 2, 2)),
        class_name="person",
        confidence=np.full(n, 0.9),
        local_id=list(local_ids) if local_ids is not None else None,
    )


def tracker(
    sensors: Sequence[str] = ("cam-1", "cam-2"), rate_hz: float = 2000.0, **config: float
) -> SiteTracker:
    registry = SensorRegistry(SensorSpec(s, max_rate_hz=rate_hz, burst=rate_hz) for s in sensors)
    return SiteTracker(FusionConfig.model_validate(config), registry)


def walk(
    trk: SiteTracker,
    *,
    start: tuple[float, float],
    velocity: tuple[float, float],
    steps: int,
    sensor: str = "cam-1",
    dt_s: float = 0.1,
    t0: float = T0,
) -> list[int]:
    """Feed one noiseless walker, one scan per step, each advanced at once (lag 0)."""
    ids = []
    for k in range(steps):
        t = t0 + k * dt_s
        p = (start[0] + velocity[0] * k * dt_s, start[1] + velocity[1] * k * dt_s)
        _, step = trk.update(obs([p], time_s=t, sensor=sensor), t + trk.config.reorder_lag_s)
        ids.extend(step.assignments.site_track_id.tolist())
    return ids

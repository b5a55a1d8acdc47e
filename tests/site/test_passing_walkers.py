"""Two walkers pass each other on the border strip, seen by two towers: one crossing each.

The demo's scene (``make run``): a walker comes in across the border and, as they walk on
into the home strip, the next walker sets out from there the other way, on the same line
of sight of tower 1. Tower 1's image tracker swaps the two as they pass (its track ids
go on with the other person); tower 2, looking obliquely, keeps them apart. The site
picture must still give each walker one site track and one crossing: the first walker's
inbound, the second's outbound, never both on one site track (tower 1's local ids must
not carry its swap into the fused picture).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kordon.config.fusion import SiteFusionConfig
from kordon.config.loader import load_site
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.observations import Observations
from kordon.domain.scan import SensorScan
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.site.factory import site_picture_core
from tests.site.scene import BorderFrame, border_frame

START_S = 1_800_000_000.0
FPS = 5.0
PHASE_S = {"cam-1": 0.0, "cam-2": 0.07}
LATENCY_S = 0.05
RANGE_SIGMA_M = 2.0
CROSS_SIGMA_M = 0.6
BLIND_M = 6.0
"""Tower 2 misses both while they are closer than this (it lost them for a second or two
as they passed in the demo)."""

# Walker A comes in from 20 m out to 20 m in; walker B sets out from 20 m in at 20 s and
# walks out: they pass 14 m inside the border at about 24.4 s, on the same line.
A_SPEED, B_SPEED, B_START_S = 1.4, 1.3, 20.0
A_CROSSES_S = 20.0 / A_SPEED
B_CROSSES_S = B_START_S + 20.0 / B_SPEED
DURATION_S = 42.0


def _home_m(t: float) -> dict[str, float]:
    """Each walker in the scene at ``t``: metres on the home side (negative: foreign)."""
    out: dict[str, float] = {}
    a = -20.0 + A_SPEED * t
    if a <= 20.0:
        out["A"] = a
    if t >= B_START_S:
        b = 20.0 - B_SPEED * (t - B_START_S)
        if b >= -20.0:
            out["B"] = b
    return out


Reports = list[tuple[str, float]]  # (local id, home_m) of one frame


def _tower_1(t: float, *, swap_apart_m: float | None) -> Reports:
    """Tower 1 looks straight across the border, along the walkers' line. Its tracker
    swaps their ids once they have passed each other and are ``swap_apart_m`` apart
    (``None``: never): at 0 the ids follow the other walker on from where they met; the
    demo's tower 1 swapped them 4.6 m apart (its track jumped to the other walker)."""
    at = _home_m(t)
    passed = (
        swap_apart_m is not None and "A" in at and "B" in at and at["A"] - at["B"] >= swap_apart_m
    )
    ids = {"A": "b", "B": "a"} if passed else {"A": "a", "B": "b"}
    return [(ids[w], m) for w, m in at.items()]


def _tower_2(t: float) -> Reports:
    at = _home_m(t)
    if "A" in at and "B" in at and abs(at["A"] - at["B"]) < BLIND_M:
        return []
    return [({"A": "p", "B": "q"}[w], m) for w, m in at.items()]


def _scans(
    frame: BorderFrame, tower_1: Callable[[float], Reports]
) -> list[tuple[float, SensorScan]]:
    """Every frame of both towers as a scan (arrival time, scan), in arrival order."""
    rng = np.random.default_rng(3)
    # tower 1's range runs across the border, tower 2's obliquely (45°)
    axes = {
        "cam-1": np.stack([frame.home, frame.tangent]),
        "cam-2": np.stack(
            [(frame.home + frame.tangent) / np.sqrt(2), (frame.home - frame.tangent) / np.sqrt(2)]
        ),
    }
    sigma = np.diag([RANGE_SIGMA_M**2, CROSS_SIGMA_M**2])
    out: list[tuple[float, SensorScan]] = []
    for sensor, phase in PHASE_S.items():
        rot = axes[sensor].T
        cov = rot @ sigma @ rot.T
        for t in np.arange(phase, DURATION_S, 1.0 / FPS).tolist():
            reports = tower_1(t) if sensor == "cam-1" else _tower_2(t)
            time_s = START_S + t
            points = [np.asarray(frame.at(0.0, m)) + rng.normal(0.0, 0.3, 2) for _, m in reports]
            obs = (
                Observations.from_arrays(
                    time_s=np.full(len(reports), time_s),
                    sensor_id=sensor,
                    east_north_m=np.asarray(points, np.float64).reshape(-1, 2),
                    cov_m2=np.broadcast_to(cov, (len(reports), 2, 2)),
                    class_name="person",
                    confidence=np.full(len(reports), 0.8),
                    local_id=[f"{sensor}/{lid}" for lid, _ in reports],
                )
                if reports
                else Observations.empty()
            )
            promise = time_s + 1.0 / FPS - 0.01
            out.append((time_s + LATENCY_S, SensorScan(sensor, time_s, obs, promise)))
    out.sort(key=lambda item: item[0])
    return out


@pytest.fixture(scope="module")
def geometry(repo_root: Path) -> SiteGeometry:
    geometry = SiteGeometry.from_config(load_site(repo_root / "examples" / "volyn" / "site.yaml"))
    geometry.build_indexes()
    return geometry


def _crossings(geometry: SiteGeometry, scans: list[tuple[float, SensorScan]]) -> list[Event]:
    specs = [SensorSpec(s, SensorKind.CAMERA) for s in PHASE_S]
    core = site_picture_core(geometry, specs, SiteFusionConfig())
    events: list[Event] = []
    for arrival, scan in scans:
        events.extend(core.on_scan(scan, arrival).events)
    for k in range(30):
        events.extend(core.step(scans[-1][0] + 0.1 * (k + 1)).events)
    return [e for e in events if e.kind is EventKind.BORDER_CROSSING]


@pytest.mark.parametrize(
    "swap_apart_m",
    [None, 0.0, 4.5],
    ids=["ids kept", "ids swapped where they meet", "ids swapped 4.5 m apart"],
)
def test_each_walker_crosses_once_on_a_track_of_their_own(
    geometry: SiteGeometry, swap_apart_m: float | None
) -> None:
    frame = border_frame(geometry, 10.0)
    events = _crossings(geometry, _scans(frame, lambda t: _tower_1(t, swap_apart_m=swap_apart_m)))
    seen = [(e.direction, round((e.time.timestamp() - START_S), 1), e.track_id) for e in events]
    assert [d for d, _, _ in seen] == [Direction.INBOUND, Direction.OUTBOUND], seen
    (_, a_s, a_track), (_, b_s, b_track) = seen
    assert abs(a_s - A_CROSSES_S) <= 2.0, seen
    assert abs(b_s - B_CROSSES_S) <= 2.0, seen
    # each walker's crossing on a site track of its own, seen by both towers
    assert a_track != b_track, seen
    assert all(e.attributes["sensors"] == "cam-1,cam-2" for e in events), seen

"""DronePublic: the live feed's drone message from a DroneState."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from kordon.api.schemas.drones import DronePublic
from kordon.domain.drone import Attitude, DroneState, GeoPoint, LinkState


def test_a_drone_state_becomes_its_public_message_with_a_closed_footprint() -> None:
    corners = ((24.0, 51.0), (24.1, 51.0), (24.1, 50.9), (24.0, 50.9))
    state = DroneState(
        sensor_id="uav-1",
        system_id=3,
        time=datetime(2026, 5, 1, 12, tzinfo=UTC),
        position=GeoPoint(51.0, 24.05, 250.0),
        relative_alt_m=80.0,
        heading_deg=45.0,
        attitude=Attitude(1.0, -2.0, 45.0),
        battery_pct=64.0,
        mode="AUTO",
        armed=True,
        home=GeoPoint(50.99, 24.0, 170.0),
        link=LinkState.LOST,
        footprint_lonlat=corners,
    )
    data = json.loads(DronePublic.of(state).model_dump_json())
    assert data["drone_id"] == "uav-1:3"
    assert (data["lat"], data["lon"], data["alt_m"]) == (51.0, 24.05, 250.0)
    assert data["footprint"] == [list(c) for c in corners] + [[24.0, 51.0]]
    assert data["home"] == [24.0, 50.99, 170.0]
    assert data["link"] == "lost"
    assert data["attitude"] == {"roll_deg": 1.0, "pitch_deg": -2.0, "yaw_deg": 45.0}
    assert data["gimbal"] is None
    assert data["time"] == "2026-05-01T12:00:00Z"


def test_without_a_footprint_the_ring_is_empty_and_the_reason_is_kept() -> None:
    state = DroneState(
        sensor_id="uav-1",
        system_id=1,
        time=datetime(2026, 5, 1, 12, tzinfo=UTC),
        position=GeoPoint(51.0, 24.0, 250.0),
        footprint_note="the camera looks at the sky",
    )
    public = DronePublic.of(state)
    assert public.footprint == []
    assert public.footprint_note == "the camera looks at the sky"

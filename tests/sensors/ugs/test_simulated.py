"""Simulated ground sensors in the simulator's world: alarms when someone is in range."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import numpy as np
import pytest

from kordon.config.integrations import GroundSensor, UgsSensorType
from kordon.geo.frame import LocalFrame
from kordon.sensors.ugs.area import disc_area
from kordon.sensors.ugs.message import ClassHint, MessageType
from kordon.sensors.ugs.simulated import (
    SimulatedGroundSensor,
    SimulatedSensorSpec,
    cast_positions,
    world_positions,
)
from kordon.sensors.ugs.simulated_service import SimulatedGroundSensorsService
from kordon.sim import scenario as sim_scenario
from kordon.sim.source import SharedEpoch
from kordon.sim.trajectory import Trajectory, Waypoint
from kordon.sim.world import Actor, WorldScenario
from tests.sensors.ugs.support import T0, ManualClock, build_intake

SPEC = SimulatedSensorSpec(
    "ugs-1", UgsSensorType.SEISMIC, 50.0, 0.0, radius_m=10.0, heartbeat_interval_s=30.0
)


def _walker_world() -> WorldScenario:
    """One person walking east along y = 0 from x = 0 at 1 m/s (past the sensor at x = 50)."""
    walk = Trajectory([Waypoint(0.0, 0.0, 1.0), Waypoint(100.0, 0.0, 1.0)], start_s=0.0)
    return WorldScenario(cameras=(), actors=(Actor(0, walk, "person"),), duration_s=100.0)


def _run(
    sensor: SimulatedGroundSensor, until_s: float, step_s: float = 0.5
) -> list[tuple[float, MessageType]]:
    out = []
    for t in np.arange(0.0, until_s + 1e-9, step_s):
        out += [(m.time_s - T0.timestamp(), m.type) for m in sensor.step(float(t), epoch=T0)]
    return out


def test_alarms_while_the_walker_is_in_range_and_heartbeats_throughout() -> None:
    sensor = SimulatedGroundSensor(SPEC, world_positions(_walker_world()))
    sent = _run(sensor, 100.0)
    alarms = [t for t, kind in sent if kind is MessageType.ALARM]
    heartbeats = [t for t, kind in sent if kind is MessageType.HEARTBEAT]
    assert alarms == [40.0, 45.0, 50.0, 55.0, 60.0]  # in range over x ∈ [40, 60], re-armed 5 s
    assert heartbeats == [0.0, 30.0, 60.0, 90.0]


def test_messages_carry_class_hints_sequence_numbers_and_the_spec() -> None:
    sensor = SimulatedGroundSensor(SPEC, world_positions(_walker_world()))
    messages = [m for t in np.arange(0.0, 50.0, 0.5) for m in sensor.step(float(t), epoch=T0)]
    alarm = next(m for m in messages if m.type is MessageType.ALARM)
    assert (alarm.sensor_id, alarm.sensor_type, alarm.class_hint) == (
        "ugs-1",
        UgsSensorType.SEISMIC,
        ClassHint.PERSON,
    )
    assert [m.seq for m in messages] == list(range(1, len(messages) + 1))


def test_nobody_in_range_means_heartbeats_only() -> None:
    far = SimulatedSensorSpec("ugs-1", UgsSensorType.PIR, 50.0, 40.0, radius_m=10.0)
    sensor = SimulatedGroundSensor(far, world_positions(_walker_world()))
    assert {kind for _, kind in _run(sensor, 100.0)} == {MessageType.HEARTBEAT}


def test_a_polygon_area_watches_the_camera_simulators_cast() -> None:
    """An animal crossing a fence section: the cast of the video simulator, polygon area."""
    cast = sim_scenario.FixedCast(
        (
            sim_scenario.Actor(
                1,
                sim_scenario.ActorClass.ANIMAL,
                (Waypoint(0.0, -20.0, 2.0), Waypoint(0.0, 20.0, 2.0)),
            ),
        )
    )
    fence = SimulatedSensorSpec(
        "fence-1",
        UgsSensorType.FENCE,
        0.0,
        0.0,
        polygon_m=((-50.0, -1.0), (50.0, -1.0), (50.0, 1.0), (-50.0, 1.0)),
    )
    sensor = SimulatedGroundSensor(fence, cast_positions(cast))
    alarms = [
        m
        for t in np.arange(0.0, 25.0, 0.25)
        for m in sensor.step(float(t), epoch=T0)
        if m.type is MessageType.ALARM
    ]
    assert [a.time_s - T0.timestamp() for a in alarms] == [9.5]  # y from -1 to 1: t 9.5 … 10.5
    assert alarms[0].class_hint is ClassHint.ANIMAL


def test_the_twin_of_a_configured_sensor_sits_where_the_config_says() -> None:
    frame = LocalFrame(51.6, 23.7)
    configured = GroundSensor(
        kind="ground_sensor",
        id="ugs-7",
        lat=51.601,
        lon=23.701,
        radius_m=25.0,
        heartbeat_interval_s=120.0,
    )
    spec = SimulatedSensorSpec.of(configured, frame)
    east, north = frame.to_local(23.701, 51.601)
    assert (spec.east_m, spec.north_m) == pytest.approx((float(east), float(north)))
    assert (spec.radius_m, spec.heartbeat_interval_s, spec.sensor_type) == (
        25.0,
        120.0,
        UgsSensorType.SEISMIC,
    )


def test_simulated_alarms_become_observations_of_the_sensor_area() -> None:
    """The service steps the sensors with the world's shared epoch and the node's clock."""
    clock = ManualClock()
    area = disc_area(SPEC.east_m, SPEC.north_m, SPEC.radius_m or 0.0)
    intake, got = build_intake(clock, areas={"ugs-1": area, "ugs-2": area, "ugs-any": area})
    epoch = SharedEpoch()
    service = SimulatedGroundSensorsService(
        [SimulatedGroundSensor(SPEC, world_positions(_walker_world()))],
        epoch=epoch,
        clock=clock,
        send=intake.handle,
    )
    for _ in np.arange(0.0, 70.0, 0.5):
        service.step()
        clock.advance(0.5)
    assert epoch.fix(T0 + timedelta(hours=1)) == T0  # the first step fixed it
    assert service.sent == 5 + 3
    assert got.rows == 5
    obs = got.observations[0]
    assert obs.time_s.tolist() == [T0.timestamp() + 40.0]
    assert obs.east_north_m[0].tolist() == [50.0, 0.0]
    assert obs.cov_m2[0].tolist() == [[25.0, 0.0], [0.0, 25.0]]
    assert intake.counters.accepted == 8


def test_a_spec_needs_exactly_one_area() -> None:
    with pytest.raises(ValueError, match="exactly one of radius_m and polygon_m"):
        SimulatedSensorSpec("x", UgsSensorType.PIR, 0.0, 0.0)


def test_the_service_steps_once_when_started_and_stops_cleanly() -> None:
    sent: list[MessageType] = []

    async def scenario() -> None:
        service = SimulatedGroundSensorsService(
            [SimulatedGroundSensor(SPEC, world_positions(_walker_world()))],
            epoch=SharedEpoch(),
            clock=ManualClock(),
            send=lambda m: sent.append(m.type),
            tick_s=3600.0,
        )
        await service.start()
        await asyncio.sleep(0)  # let its task take the first step
        await service.stop()
        assert service.sent == 1

    asyncio.run(scenario())
    assert sent == [MessageType.HEARTBEAT]

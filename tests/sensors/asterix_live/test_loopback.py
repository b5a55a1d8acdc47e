"""Over real UDP on loopback: the simulated radar → the receiver → the intake, and the
service built from site-file entries (unicast and multicast), with results on the loop."""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import timedelta

import pytest

from kordon.config.integrations import AsterixRadar
from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.sensors.asterix.encoder import Plot, plots_block
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.asterix.receiver import UdpReceiver
from kordon.sensors.asterix.service import AsterixRadarService
from kordon.sensors.ugs.simulated import world_positions
from kordon.sim.radar import SimulatedRadar, SimulatedRadarService, SimulatedRadarSpec
from kordon.sim.source import SharedEpoch
from kordon.sim.trajectory import Trajectory, Waypoint
from kordon.sim.world import Actor, WorldScenario
from tests.sensors.asterix_live.support import (
    FRAME,
    SAC,
    SIC,
    T0,
    ManualClock,
    build_intake,
    tod,
)
from tests.support.requirements import require_or_skip

WAIT_S = 10.0
GROUP = "239.255.42.99"


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _radar(port: int, **kw: object) -> AsterixRadar:
    fields: dict[str, object] = {
        "kind": "radar_asterix",
        "id": "radar-1",
        "udp_port": port,
        "bind_address": "127.0.0.1",
        "sac": SAC,
        "sic": SIC,
        "lat": 51.6,
        "lon": 23.7,
    }
    fields.update(kw)
    return AsterixRadar.model_validate(fields)


class Waiter:
    """Counts calls from any thread; ``wait`` blocks until ``n`` have come (or fails)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.items: list[object] = []

    def __call__(self, item: object) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait(self, n: int) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.items) >= n, timeout=WAIT_S), (
                f"{len(self.items)} of {n} arrived"
            )


def test_the_simulated_radar_reaches_the_intake_over_udp() -> None:
    stay = Trajectory([Waypoint(300.0, 400.0, pause_s=1_000.0)])
    world = WorldScenario(cameras=(), actors=(Actor(0, stay, "person"),), duration_s=1_000.0)
    spec = SimulatedRadarSpec(
        "radar-1", SAC, SIC, RadarGeometry(0.0, 0.0), detection_probability=1.0
    )
    clock = ManualClock(T0)
    intake, got = build_intake(clock, geometry=RadarGeometry(0.0, 0.0))
    arrived = Waiter()

    def receive(data: bytes) -> None:
        intake.receive(data)
        arrived(data)

    receiver = UdpReceiver(port=0, bind_address="127.0.0.1", on_datagram=receive)
    receiver.start()
    try:
        sender = SimulatedRadarService(
            SimulatedRadar(spec, world_positions(world)),
            epoch=SharedEpoch(),
            clock=clock,
            address=receiver.address,
        )
        sender.open()
        try:
            for _ in range(81):  # 8 s of scenario time: two rotations
                sender.step()
                clock.advance(0.1)
        finally:
            sender.close()
        arrived.wait(sender.sent)
    finally:
        receiver.stop()
    assert receiver.received == sender.sent
    assert receiver.handler_errors == 0
    observed = [s.observations for s in got.scans if len(s.observations)]
    assert len(observed) == 2
    for obs in observed:
        assert obs.east_north_m[0] == pytest.approx((300.0, 400.0), abs=60.0)
    assert intake.counters.north_markers == 2
    assert intake.counters.errors == {}


def test_the_receiver_reports_where_it_cannot_listen() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        receiver = UdpReceiver(port=port, bind_address="127.0.0.1", on_datagram=print)
        with pytest.raises(OSError, match=f"cannot listen on udp 127.0.0.1:{port}"):
            receiver.start()


def test_a_handler_error_is_counted_and_the_receiver_goes_on() -> None:
    seen = Waiter()

    def handle(data: bytes) -> None:
        seen(data)
        if data == b"bad":
            raise RuntimeError("boom")

    receiver = UdpReceiver(port=0, bind_address="127.0.0.1", on_datagram=handle)
    receiver.start()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"bad", receiver.address)
            s.sendto(b"good", receiver.address)
        seen.wait(2)
    finally:
        receiver.stop()
    assert seen.items == [b"bad", b"good"]
    assert receiver.handler_errors == 1


def _service_round_trip(
    radars: list[AsterixRadar], send_to: tuple[str, int]
) -> tuple[list[SensorScan], list[DeviceStatus], AsterixRadarService]:
    clock = ManualClock(T0 + timedelta(seconds=0.2))
    scans: list[SensorScan] = []
    statuses: list[DeviceStatus] = []
    loop_threads: set[int] = set()

    async def scenario() -> AsterixRadarService:
        done = asyncio.Event()

        def on_scan(scan: SensorScan) -> None:
            loop_threads.add(threading.get_ident())
            scans.append(scan)
            if len(scans) >= len(radars):
                done.set()

        service = AsterixRadarService(
            radars, FRAME, clock=clock, on_scan=on_scan, on_status=statuses.append, tick_s=3600
        )
        await service.start()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.setsockopt(
                    socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1")
                )
                for radar in radars:
                    plot = Plot(radar.sac, radar.sic, tod(T0), 1_000.0, 90.0)
                    s.sendto(plots_block([plot]), send_to)
            await asyncio.wait_for(done.wait(), WAIT_S)
        finally:
            await service.stop()
        assert loop_threads == {threading.get_ident()}  # handed over to the node's loop
        return service

    service = asyncio.run(scenario())
    return scans, statuses, service


def test_the_service_delivers_scans_and_health_on_the_nodes_loop() -> None:
    port = _free_udp_port()
    scans, statuses, service = _service_round_trip(
        [_radar(port), _radar(port, id="radar-2", sic=SIC + 1, lat=51.61)],
        ("127.0.0.1", port),
    )
    assert len(service.receivers) == 1  # two radars on one port share its receiver
    assert sorted(s.sensor_id for s in scans) == ["radar-1", "radar-2"]
    for scan in scans:
        assert len(scan.observations) == 1
    assert {(s.device_id, s.state) for s in statuses} == {
        ("radar-1", DeviceState.ONLINE),
        ("radar-2", DeviceState.ONLINE),
    }
    assert service.intakes["radar-1"].counters.foreign == 1  # radar-2's plot


def test_the_service_joins_a_multicast_group() -> None:
    port = _free_udp_port()
    radar = _radar(port, multicast_group=GROUP)
    try:
        scans, _statuses, _service = _service_round_trip([radar], (GROUP, port))
    except OSError as exc:
        require_or_skip(f"needs IPv4 multicast on loopback: {exc}")
    [scan] = scans
    assert scan.sensor_id == "radar-1"
    assert len(scan.observations) == 1


def test_configured_radars_start_as_starting() -> None:
    service = AsterixRadarService(
        [_radar(8600)], FRAME, clock=ManualClock(), on_scan=print, on_status=print
    )
    [status] = service.statuses()
    assert (status.device_id, status.state) == ("radar-1", DeviceState.STARTING)
    assert AsterixRadarService.radars([_radar(8600), object()]) == [_radar(8600)]


def test_the_simulated_radar_service_runs_on_the_loop_and_stops_cleanly() -> None:
    stay = Trajectory([Waypoint(0.0, 300.0, pause_s=1_000.0)])
    world = WorldScenario(cameras=(), actors=(Actor(0, stay, "person"),), duration_s=1_000.0)
    spec = SimulatedRadarSpec("radar-1", SAC, SIC, RadarGeometry(0.0, 0.0))
    clock = ManualClock(T0)
    arrived = Waiter()
    receiver = UdpReceiver(port=0, bind_address="127.0.0.1", on_datagram=arrived)
    receiver.start()

    async def scenario() -> SimulatedRadarService:
        service = SimulatedRadarService(
            SimulatedRadar(spec, world_positions(world)),
            epoch=SharedEpoch(),
            clock=clock,
            address=receiver.address,
            tick_s=3600.0,
        )
        await service.start()
        await asyncio.sleep(0)  # its first step: the antenna starts turning, nothing sent
        clock.advance(1.0)
        # a quarter turn: the plot of the person due north, then 4 sector messages
        assert service.step() == 2
        await service.stop()
        return service

    try:
        service = asyncio.run(scenario())
        arrived.wait(2)
    finally:
        receiver.stop()
    assert service.sent == 2
    assert [d[0] for d in arrived.items if isinstance(d, bytes)] == [48, 34]
    with pytest.raises(RuntimeError, match="not started"):
        service.step()

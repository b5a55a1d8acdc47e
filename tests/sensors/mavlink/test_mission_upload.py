"""Mission upload over real UDP loopback: Kordon's uploader (pymavlink encoder) against the
simulated vehicle's side of the mission protocol (pymavlink too), with datagrams lost on
the way, a vehicle that refuses or never answers, and border-crossing missions refused."""

from __future__ import annotations

import math
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

from kordon.config.loader import load_site
from kordon.geo.border import Border
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions import (
    Command,
    Mission,
    MissionError,
    MissionItem,
    PatrolSpec,
    patrol_sector,
    plan_patrol,
)
from kordon.interop.missions.cue import CueError
from kordon.interop.missions.model import Frame
from kordon.sensors.mavlink.endpoint import EndpointSpec, UdpEndpoint
from kordon.sensors.mavlink.mission_upload import (
    DroneTasking,
    MissionUploader,
    TokenError,
    UploadError,
    UploadRefusedError,
)
from kordon.sim.mission_receiver import MissionReceiver, MissionServer
from kordon.video.source.clock import FakeClock, SystemClock

BUFFER_M = 100.0


@pytest.fixture(scope="module")
def volyn(repo_root: Path) -> SiteGeometry:
    return SiteGeometry.from_config(load_site(repo_root / "examples" / "volyn" / "site.yaml"))


@pytest.fixture(scope="module")
def borders(volyn: SiteGeometry) -> list[Border]:
    return list(volyn.borders.values())


@pytest.fixture(scope="module")
def patrol(repo_root: Path, volyn: SiteGeometry, borders: list[Border]) -> Mission:
    site = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    spec = PatrolSpec(offset_m=300.0, buffer_m=BUFFER_M, altitude_m=90.0, speed_mps=12.0)
    return plan_patrol(patrol_sector(site, volyn, "s2-centre"), borders, spec)


@pytest.fixture
def vehicle() -> Iterator[MissionServer]:
    server = MissionServer(MissionReceiver(system_id=1))
    server.start()
    yield server
    server.stop()


class LossyRelay:
    """A UDP relay between the station and the vehicle that drops chosen datagrams: the
    first one for which ``drop(direction, message)`` is true, per rule, once."""

    def __init__(self, vehicle: tuple[str, int], rules: list[Callable[[str, Any], bool]]) -> None:
        self._vehicle = vehicle
        self._rules = list(rules)
        self.dropped: list[str] = []
        self._front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._front.bind(("127.0.0.1", 0))
        self._back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._back.bind(("127.0.0.1", 0))
        self._station: tuple[str, int] | None = None
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._pump, args=("up",), daemon=True),
            threading.Thread(target=self._pump, args=("down",), daemon=True),
        ]
        for t in self._threads:
            t.start()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._front.getsockname()[:2]
        return str(host), int(port)

    def _pump(self, direction: str) -> None:
        sock = self._front if direction == "up" else self._back
        sock.settimeout(0.05)
        parser = mav.MAVLink(None)
        while not self._stop.is_set():
            try:
                data, sender = sock.recvfrom(65535)
            except (TimeoutError, OSError):
                continue
            if direction == "up":
                self._station = sender
            msgs = parser.parse_buffer(data) or []
            rule = next(
                (r for m in msgs for r in self._rules if r(direction, m)),
                None,
            )
            if rule is not None:
                self._rules.remove(rule)
                self.dropped.append(f"{direction} {msgs[0].get_type()}")
                continue
            if direction == "up":
                self._back.sendto(data, self._vehicle)
            elif self._station is not None:
                self._front.sendto(data, self._station)

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(2.0)
        self._front.close()
        self._back.close()


def _link(address: tuple[str, int]) -> UdpEndpoint:
    return UdpEndpoint(EndpointSpec("udpout", host=address[0], port=address[1]))


def _uploader(link: UdpEndpoint, borders: list[Border], **kw: Any) -> MissionUploader:
    options: dict[str, Any] = {"item_timeout_s": 0.3, "retries": 4} | kw
    return MissionUploader(
        link, borders, buffer_m=BUFFER_M, clock=SystemClock(), target_system=1, **options
    )


def _assert_same_mission(got: Mission | None, sent: Mission) -> None:
    assert got is not None
    assert got.home[:2] == pytest.approx(sent.home[:2], abs=1e-7)
    assert got.home[2] == pytest.approx(sent.home[2], abs=1e-3)
    assert len(got.items) == len(sent.items)
    for a, b in zip(got.items, sent.items, strict=True):
        assert (a.command, a.frame, a.autocontinue) == (b.command, b.frame, b.autocontinue)
        for i, (x, y) in enumerate(zip(a.params, b.params, strict=True)):
            if math.isnan(y):
                assert math.isnan(x)
            else:
                assert x == pytest.approx(y, abs=1e-7 if i in (4, 5) else 1e-4)


def test_a_confirmed_patrol_is_uploaded_and_the_vehicle_holds_it(
    vehicle: MissionServer, patrol: Mission, borders: list[Border]
) -> None:
    link = _link(vehicle.address)
    try:
        uploader = _uploader(link, borders)
        plan = uploader.prepare(patrol)
        assert vehicle.receiver.requests_sent == 0  # nothing leaves before confirmation
        s = plan.summary
        assert s.items == len(patrol.items)
        assert s.min_border_distance_m >= BUFFER_M
        assert s.max_alt_m == 90.0
        assert s.path_length_m > 30_000  # 20 km of border, out and back
        assert len(plan.token) >= 20
        result = uploader.confirm(plan.token)
    finally:
        link.close()
    assert result.items == len(patrol.items) + 1
    assert result.resent == 0
    assert vehicle.receiver.uploads == 1
    _assert_same_mission(vehicle.receiver.received, patrol)


def _is(kind: str, direction: str, seq: int | None = None) -> Callable[[str, Any], bool]:
    def rule(d: str, m: Any) -> bool:
        return d == direction and m.get_type() == kind and (seq is None or m.seq == seq)

    return rule


def test_lost_items_requests_and_acks_are_sent_again(
    vehicle: MissionServer, patrol: Mission, borders: list[Border]
) -> None:
    relay = LossyRelay(
        vehicle.address,
        [
            _is("MISSION_COUNT", "up"),
            _is("MISSION_ITEM_INT", "up", 3),
            _is("MISSION_REQUEST_INT", "down", 7),
            _is("MISSION_ITEM_INT", "up", 7),
            _is("MISSION_ACK", "down"),
        ],
    )
    link = _link(relay.address)
    try:
        uploader = _uploader(link, borders)
        result = uploader.confirm(uploader.prepare(patrol).token)
    finally:
        link.close()
        relay.close()
    assert len(relay.dropped) == 5
    assert result.resent >= 5
    assert vehicle.receiver.uploads == 1
    _assert_same_mission(vehicle.receiver.received, patrol)


def test_a_vehicle_asking_with_mission_request_gets_the_items_too(
    patrol: Mission, borders: list[Border]
) -> None:
    server = MissionServer(MissionReceiver(system_id=1, use_int=False))
    server.start()
    link = _link(server.address)
    try:
        uploader = _uploader(link, borders)
        uploader.confirm(uploader.prepare(patrol).token)
    finally:
        link.close()
        server.stop()
    _assert_same_mission(server.receiver.received, patrol)


def _crossing(patrol: Mission, volyn: SiteGeometry) -> Mission:
    """The patrol with a waypoint 1 km into Belarus."""
    border = volyn.borders["ua-by"]
    point = border.point_at_km(30.0)[0]
    far = [
        p
        for p in (point + np.array([0.0, 1000.0]), point - np.array([0.0, 1000.0]))
        if border.side_names(p[None])[0] == "BY"
    ]
    lon, lat = volyn.frame.xy_to_lonlat(np.asarray(far[:1]))[0]
    stray = MissionItem(
        int(Command.NAV_WAYPOINT),
        int(Frame.GLOBAL_RELATIVE_ALT),
        (0, 0, 0, math.nan, float(lat), float(lon), 90.0),
    )
    return Mission(patrol.home, (*patrol.items[:4], stray, *patrol.items[4:]))


def test_a_mission_crossing_the_border_is_refused_and_nothing_is_sent(
    vehicle: MissionServer, patrol: Mission, volyn: SiteGeometry, borders: list[Border]
) -> None:
    link = _link(vehicle.address)
    try:
        uploader = _uploader(link, borders)
        with pytest.raises(UploadRefusedError, match="crosses the border") as refused:
            uploader.prepare(_crossing(patrol, volyn))
        assert refused.value.violations
        assert all(v.border_id == "ua-by" for v in refused.value.violations)
        with pytest.raises(MissionError, match="empty mission"):
            uploader.prepare(Mission(patrol.home, ()))
    finally:
        link.close()
    assert vehicle.receiver.requests_sent == 0
    assert vehicle.receiver.received is None


def test_a_vehicle_refusing_the_mission_is_reported_by_name(
    patrol: Mission, borders: list[Border]
) -> None:
    server = MissionServer(MissionReceiver(system_id=1, capacity=5))
    server.start()
    link = _link(server.address)
    try:
        uploader = _uploader(link, borders)
        with pytest.raises(UploadError, match="MAV_MISSION_NO_SPACE"):
            uploader.confirm(uploader.prepare(patrol).token)
    finally:
        link.close()
        server.stop()
    assert server.receiver.received is None


def test_a_silent_vehicle_times_out_after_the_retries_and_is_told_to_cancel(
    patrol: Mission, borders: list[Border]
) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    silent.settimeout(0.5)
    link = _link(silent.getsockname())
    try:
        uploader = _uploader(link, borders, item_timeout_s=0.05, retries=2)
        with pytest.raises(UploadError, match="waiting for the first request after 2 retries"):
            uploader.confirm(uploader.prepare(patrol).token)
        parser = mav.MAVLink(None)
        got = []
        for _ in range(4):
            got += [m.get_type() for m in parser.parse_buffer(silent.recv(65535)) or []]
    finally:
        link.close()
        silent.close()
    assert got == ["MISSION_COUNT"] * 3 + ["MISSION_ACK"]


def test_tokens_are_single_use_cancellable_and_expire(
    patrol: Mission, borders: list[Border]
) -> None:
    clock = FakeClock(datetime(2026, 5, 1, tzinfo=UTC))
    tokens = iter(["t1", "t2", "t3"])
    link = _link(("127.0.0.1", 9))
    try:
        uploader = MissionUploader(
            link,
            borders,
            buffer_m=BUFFER_M,
            clock=clock,
            target_system=1,
            token_ttl_s=60.0,
            token_factory=lambda: next(tokens),
        )
        with pytest.raises(TokenError, match="unknown"):
            uploader.confirm("never-issued")
        first = uploader.prepare(patrol)
        assert uploader.cancel(first.token)
        assert not uploader.cancel(first.token)
        with pytest.raises(TokenError, match="unknown, used or cancelled"):
            uploader.confirm(first.token)
        second = uploader.prepare(patrol)
        clock.advance(61.0)
        with pytest.raises(TokenError, match="expired"):
            uploader.confirm(second.token)
        with pytest.raises(TokenError, match="unknown"):
            uploader.confirm(second.token)  # used up by the failed attempt
    finally:
        link.close()


def test_bad_uploader_options_are_refused(borders: list[Border]) -> None:
    link = _link(("127.0.0.1", 9))
    try:
        with pytest.raises(ValueError, match="target_system"):
            MissionUploader(link, borders, buffer_m=1, clock=SystemClock(), target_system=0)
        with pytest.raises(ValueError, match="borders"):
            MissionUploader(link, [], buffer_m=1, clock=SystemClock(), target_system=1)
        with pytest.raises(ValueError, match="buffer_m"):
            MissionUploader(link, borders, buffer_m=-1, clock=SystemClock(), target_system=1)
    finally:
        link.close()


class _InMemoryVehicle:
    """A link straight into a :class:`MissionReceiver`, with extra datagrams injected
    before the vehicle's own replies; waiting advances the fake clock."""

    def __init__(self, receiver: MissionReceiver, clock: FakeClock, inject: list[bytes]) -> None:
        self._receiver = receiver
        self._clock = clock
        self._parser = mav.MAVLink(None)
        self._inbox: list[bytes] = []
        self._inject = list(inject)

    def send(self, data: bytes) -> None:
        for msg in self._parser.parse_buffer(data) or []:
            replies = self._receiver.handle(msg)
            if replies and self._inject:
                self._inbox.append(self._inject.pop(0))
            self._inbox += replies

    def receive(self, timeout_s: float) -> bytes | None:
        if self._inbox:
            return self._inbox.pop(0)
        self._clock.advance(timeout_s)
        return b""


def test_spoofed_and_out_of_range_requests_and_garbage_are_ignored(
    patrol: Mission, borders: list[Border]
) -> None:
    spoof = mav.MAVLink(None, srcSystem=2, srcComponent=1)
    own = mav.MAVLink(None, srcSystem=1, srcComponent=1)
    inject = [
        bytes(mav.MAVLink_mission_request_int_message(255, 190, 0, 0).pack(spoof)),
        bytes(mav.MAVLink_mission_request_int_message(255, 190, 9999, 0).pack(own)),
        b"\xfd\x09garbage-that-is-not-mavlink",
        bytes(mav.MAVLink_mission_request_int_message(255, 190, 1, 2).pack(own)),  # fence
        bytes(mav.MAVLink_mission_ack_message(255, 190, 0, 0).pack(spoof)),
    ]
    clock = FakeClock(datetime(2026, 5, 1, tzinfo=UTC))
    receiver = MissionReceiver(system_id=1)
    link = _InMemoryVehicle(receiver, clock, inject)
    uploader = MissionUploader(
        link, borders, buffer_m=BUFFER_M, clock=clock, target_system=1, item_timeout_s=1.0
    )
    result = uploader.confirm(uploader.prepare(patrol).token)
    # the truncated frame swallows the reply after it (the parser reads a stream): one
    # timeout and one resend recover; nothing else is taken for the vehicle's answer
    assert result.resent == 1
    _assert_same_mission(receiver.received, patrol)


def test_an_early_accepted_ack_is_not_taken_for_success(
    patrol: Mission, borders: list[Border]
) -> None:
    own = mav.MAVLink(None, srcSystem=1, srcComponent=1)
    early = bytes(mav.MAVLink_mission_ack_message(255, 190, 0, 0).pack(own))
    clock = FakeClock(datetime(2026, 5, 1, tzinfo=UTC))
    link = _InMemoryVehicle(MissionReceiver(system_id=1), clock, [early])
    uploader = MissionUploader(link, borders, buffer_m=BUFFER_M, clock=clock, target_system=1)
    with pytest.raises(UploadError, match="acknowledged after 0 of"):
        uploader.confirm(uploader.prepare(patrol).token)


def test_send_drone_prepares_a_cue_bound_to_its_incident_and_uploads_on_confirm(
    volyn: SiteGeometry, borders: list[Border]
) -> None:
    border = volyn.borders["ua-by"]
    a, b = border.point_at_km([29.9, 30.1])
    along = (b - a) / np.hypot(*(b - a))
    inland = np.array([along[1], -along[0]])
    assert border.side_names((a + 500 * inland)[None])[0] == "UA"
    (inc_lon, inc_lat), (home_lon, home_lat) = volyn.frame.xy_to_lonlat(
        np.stack([a - 400.0 * inland, a + 2_500.0 * inland])
    )
    clock = FakeClock(datetime(2026, 5, 1, tzinfo=UTC))
    receiver = MissionReceiver(system_id=1)
    uploader = MissionUploader(
        _InMemoryVehicle(receiver, clock, []),
        borders,
        buffer_m=BUFFER_M,
        clock=clock,
        target_system=1,
    )
    positions = {"uav-1:1": (float(home_lat), float(home_lon))}
    tasking = DroneTasking({"uav-1:1": uploader, "uav-2:1": uploader}, borders, positions.get)
    with pytest.raises(CueError, match=r"unknown drone 'uav-9:1' \(valid: uav-1:1, uav-2:1\)"):
        tasking.prepare_cue(
            incident_id="inc-1", incident_lat=inc_lat, incident_lon=inc_lon, drone_id="uav-9:1"
        )
    with pytest.raises(CueError, match="not reported a position"):
        tasking.prepare_cue(
            incident_id="inc-1", incident_lat=inc_lat, incident_lon=inc_lon, drone_id="uav-2:1"
        )
    prepared = tasking.prepare_cue(
        incident_id="inc-1", incident_lat=inc_lat, incident_lon=inc_lon, drone_id="uav-1:1"
    )
    assert prepared.cue.incident_across
    assert prepared.plan.summary.min_border_distance_m >= BUFFER_M
    assert receiver.requests_sent == 0  # nothing sent before confirmation
    with pytest.raises(TokenError, match="another incident or drone"):
        tasking.confirm(incident_id="inc-2", drone_id="uav-1:1", token=prepared.plan.token)
    result = tasking.confirm(incident_id="inc-1", drone_id="uav-1:1", token=prepared.plan.token)
    assert result.items == len(prepared.cue.mission.items) + 1
    _assert_same_mission(receiver.received, prepared.cue.mission)
    with pytest.raises(TokenError, match="unknown, used"):
        tasking.confirm(incident_id="inc-1", drone_id="uav-1:1", token=prepared.plan.token)

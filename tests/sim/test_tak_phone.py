"""Simulated ATAK phones: beats on the home side, self-SA events, real UDP to a TAK listener."""

from __future__ import annotations

import asyncio
import math
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.bus.inprocess import InProcessBus
from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.geo.border import Border
from kordon.geo.frame import LocalFrame
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.cot.encode import to_xml
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.inbound import FieldUnitPosition, decode_datagram, field_unit_of
from kordon.sim.errors import SimulationError
from kordon.sim.tak_phone import (
    BEAT_STEP_M,
    SELF_SA_TYPE,
    SIM_UID_PREFIX,
    Beat,
    SimulatedPhone,
    SimulatedTakPhones,
    border_beat,
    phones_for,
    sector_beat,
)
from kordon.tak.service import TakService
from kordon.tak.settings import TakSettings
from kordon.video.source.clock import FakeClock

SITE = Path(__file__).resolve().parents[2] / "examples" / "volyn" / "site.yaml"
T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
INLAND_M = 300.0
STEP_M = 150.0


@dataclass(frozen=True)
class FakeUnit:
    callsign: str
    sector_id: str
    cot_uid: str | None = None


@pytest.fixture(scope="module")
def volyn() -> tuple[SiteConfig, SiteGeometry]:
    config = load_site(SITE)
    geometry = SiteGeometry.from_config(config)
    geometry.build_indexes()
    return config, geometry


def _demo_units(config: SiteConfig) -> list[FakeUnit]:
    out: list[FakeUnit] = []
    for s in config.sectors:
        out.append(FakeUnit(f"{s.id.upper()}-P1", s.id, cot_uid=f"ANDROID-{s.id}-1"))
        out.append(FakeUnit(f"{s.id.upper()}-P2", s.id))
    return out


@pytest.fixture(scope="module")
def volyn_phones(volyn: tuple[SiteConfig, SiteGeometry]) -> list[SimulatedPhone]:
    config, geometry = volyn
    return phones_for(_demo_units(config), config, geometry, inland_m=INLAND_M)


# --- the beat --------------------------------------------------------------------------


def test_beat_walks_back_and_forth_at_exact_places() -> None:
    beat = Beat(np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 50.0]]))
    assert beat.length_m == pytest.approx(150.0)
    cases = [
        (0.0, (0.0, 0.0), 90.0),
        (40.0, (40.0, 0.0), 90.0),
        (120.0, (100.0, 20.0), 0.0),
        (170.0, (100.0, 30.0), 180.0),  # turned round at the end (150 m), 20 m back
        (260.0, (40.0, 0.0), 270.0),
        (340.0, (40.0, 0.0), 90.0),  # a full round trip (300 m) later
    ]
    for distance, xy, heading in cases:
        point, course = beat.at(distance)
        assert tuple(point) == pytest.approx(xy), distance
        assert course == pytest.approx(heading), distance


@pytest.mark.parametrize(
    ("xy", "message"),
    [
        (np.zeros((1, 2)), "N >= 2"),
        (np.zeros((3, 3)), "N >= 2"),
        (np.array([[0.0, 0.0], [math.nan, 1.0]]), "NaN or infinite"),
        (np.array([[1.0, 1.0], [1.0, 1.0]]), "no length"),
    ],
)
def test_bad_beats_are_refused(xy: np.ndarray, message: str) -> None:
    with pytest.raises(SimulationError, match=message):
        Beat(xy)


def _zigzag_border(home: str) -> Border:
    """A 6 km line with a sharp V (a concave corner on one side) near its middle."""
    frame = LocalFrame(51.0, 24.0)
    xy = np.array([[-3000.0, 0.0], [-200.0, 0.0], [0.0, -600.0], [200.0, 0.0], [3000.0, 0.0]])
    return Border(
        "zz", frame.xy_to_lonlat(xy), frame, left_side="N", right_side="S", home_side=home
    )


@pytest.mark.parametrize("home", ["N", "S"])
@pytest.mark.parametrize(("from_km", "to_km"), [(0.0, 6.0), (6.0, 0.0), (1.0, 4.0)])
def test_border_beat_keeps_clear_of_the_border_on_the_home_side(
    home: str, from_km: float, to_km: float
) -> None:
    border = _zigzag_border(home)
    km = min(to_km, border.length_km)
    beat = border_beat(border, min(from_km, border.length_km), km, inland_m=INLAND_M)
    d = border.signed_distance_m(beat.xy).distance_m
    home_d = d if home == "N" else -d
    assert home_d.min() >= INLAND_M / 2.0
    assert beat.length_m > 1_000.0
    steps = np.hypot(*np.diff(beat.xy, axis=0).T)
    assert steps.max() <= BEAT_STEP_M + 1e-6


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"inland_m": 10.0}, "inland_m must be >"),
        ({"inland_m": math.inf}, "inland_m must be >"),
        ({"inland_m": 300.0, "min_clearance_m": 400.0}, "min_clearance_m"),
        ({"inland_m": 300.0, "min_clearance_m": 0.0}, "min_clearance_m"),
    ],
)
def test_border_beat_bad_input(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(SimulationError, match=message):
        border_beat(_zigzag_border("N"), 0.0, 3.0, **kwargs)


def test_sector_beat_names_an_unknown_sector(volyn: tuple[SiteConfig, SiteGeometry]) -> None:
    config, geometry = volyn
    with pytest.raises(SimulationError, match=r"unknown sector 'nowhere' \(known: s1-tripoint"):
        sector_beat(config, geometry, "nowhere", inland_m=INLAND_M)


def test_volyn_phones_one_per_unit_spread_in_their_sectors(
    volyn: tuple[SiteConfig, SiteGeometry], volyn_phones: list[SimulatedPhone]
) -> None:
    config, geometry = volyn
    units = _demo_units(config)
    assert [p.callsign for p in volyn_phones] == [u.callsign for u in units]
    assert volyn_phones[0].uid == "ANDROID-s1-tripoint-1"  # the unit's own CoT uid
    assert volyn_phones[1].uid == SIM_UID_PREFIX + "S1-TRIPOINT-P2"
    assert [p.group for p in volyn_phones] == ["Cyan", "Cyan", "Green", "Green", "Yellow", "Yellow"]
    border = geometry.borders["ua-by"]
    for phone, unit in zip(volyn_phones, units, strict=True):
        xy, _ = phone.local_at(0.0)
        assert geometry.sectors.sector_of(xy)[0] == unit.sector_id
    # the two patrols of a sector start a quarter and three quarters of the way along it
    starts = np.array([p.local_at(0.0)[0] for p in volyn_phones])
    km = border.km_post(border.signed_distance_m(starts).along_m)
    assert km == pytest.approx([5.0, 15.0, 25.0, 35.0, 45.0, 55.0], abs=0.6)
    # a unit of a sector the site does not have gets no phone
    assert phones_for([FakeUnit("X-1", "nowhere")], config, geometry) == []


@settings(max_examples=200, deadline=None)
@given(index=st.integers(0, 5), time_s=st.floats(0.0, 1.0e6))
def test_phones_stay_on_the_home_side(
    volyn: tuple[SiteConfig, SiteGeometry],
    volyn_phones: list[SimulatedPhone],
    index: int,
    time_s: float,
) -> None:
    config, geometry = volyn
    phone = volyn_phones[index]
    border = geometry.borders["ua-by"]
    xy, _ = phone.local_at(time_s)
    assert border.side_names(xy)[0] == border.home_side == "UA"
    inland = INLAND_M + (index % 2) * STEP_M
    assert abs(float(border.signed_distance_m(xy).distance_m[0])) >= inland / 2 - BEAT_STEP_M / 2
    # and it is still its sector's ground (a walker never wanders into the next sector)
    assert geometry.sectors.sector_of(xy)[0] == config.sectors[index // 2].id


def test_every_metre_of_every_beat_is_home_and_in_its_sector(
    volyn: tuple[SiteConfig, SiteGeometry], volyn_phones: list[SimulatedPhone]
) -> None:
    """The property test above samples; this sweeps each beat every 5 m, end to end."""
    config, geometry = volyn
    border = geometry.borders["ua-by"]
    for index, phone in enumerate(volyn_phones):
        beat = phone.beat
        xy = np.array([beat.at(d)[0] for d in np.arange(0.0, beat.length_m, 5.0)])
        inland = INLAND_M + (index % 2) * STEP_M
        d = border.signed_distance_m(xy).distance_m
        assert float((-d).min()) >= inland / 2 - BEAT_STEP_M / 2  # UA is the right side
        assert set(geometry.sectors.sector_of(xy).tolist()) == {config.sectors[index // 2].id}
        assert beat.length_m > 15_000.0  # most of the 20 km sector


def test_walking_speed_between_fixes(volyn_phones: list[SimulatedPhone]) -> None:
    phone = volyn_phones[2]
    frame = phone.frame
    a, b = phone.position_at(100.0), phone.position_at(110.0)
    xy = frame.lonlat_to_xy(np.array([[a.lon, a.lat], [b.lon, b.lat]]))
    assert float(np.hypot(*(xy[1] - xy[0]))) == pytest.approx(14.0, abs=0.5)
    assert a.speed_mps == pytest.approx(1.4)


# --- the events -------------------------------------------------------------------------


def _field_unit(data: bytes) -> FieldUnitPosition:
    (event,) = decode_datagram(data)
    assert isinstance(event, CotEvent), event
    unit = field_unit_of(event)
    assert unit is not None
    return unit


def test_self_sa_parses_into_a_field_unit(volyn_phones: list[SimulatedPhone]) -> None:
    for phone in volyn_phones[:2]:
        event = phone.event_at(42.0, T0, stale_s=60.0)
        data = to_xml(event)
        unit = _field_unit(data)
        fix = phone.position_at(42.0)
        assert (unit.uid, unit.callsign, unit.type) == (phone.uid, phone.callsign, SELF_SA_TYPE)
        assert unit.lat == pytest.approx(fix.lat, abs=1e-7)
        assert unit.lon == pytest.approx(fix.lon, abs=1e-7)
        assert unit.ce == pytest.approx(8.0)
        assert unit.time == T0
        assert (unit.stale - unit.time).total_seconds() == pytest.approx(60.0)
        text = data.decode()
        assert '<__group name="Cyan" role="Team Member"/>' in text
        assert f'<track course="{fix.course_deg:.2f}" speed="1.40"/>' in text
        assert f'<contact callsign="{phone.callsign}"/>' in text


# --- over UDP -----------------------------------------------------------------------------


def _receiver() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5.0)
    return sock


def test_udp_round_trip_with_a_driven_clock(volyn_phones: list[SimulatedPhone]) -> None:
    clock = FakeClock(T0, monotonic_s=500.0)
    with _receiver() as rx:
        port = int(rx.getsockname()[1])
        service = SimulatedTakPhones(
            lambda: volyn_phones[:2], address=("127.0.0.1", port), clock=clock
        )
        with pytest.raises(SimulationError, match="not started"):
            service.step()
        service.open()
        try:
            assert service.step() == 2
            first = {u.uid: u for u in (_field_unit(rx.recv(65_535)) for _ in range(2))}
            clock.advance(10.0)
            assert service.step() == 2
            second = {u.uid: u for u in (_field_unit(rx.recv(65_535)) for _ in range(2))}
        finally:
            service.close()
    assert set(first) == set(second) == {p.uid for p in volyn_phones[:2]}
    assert service.sent == 4
    for phone in volyn_phones[:2]:
        a, b = first[phone.uid], second[phone.uid]
        assert (a.time, b.time) == (T0, T0.replace(second=10))
        fix = phone.position_at(0.0)  # walk time 0 is when the service opened
        assert (a.lat, a.lon) == pytest.approx((fix.lat, fix.lon), abs=1e-7)
        xy = phone.frame.lonlat_to_xy(np.array([[a.lon, a.lat], [b.lon, b.lat]]))
        assert float(np.hypot(*(xy[1] - xy[0]))) == pytest.approx(14.0, abs=0.5)


def test_service_sends_from_start_until_stop(volyn_phones: list[SimulatedPhone]) -> None:
    clock = FakeClock(T0)

    async def go() -> tuple[int, list[str]]:
        with _receiver() as rx:
            port = int(rx.getsockname()[1])
            service = SimulatedTakPhones(
                lambda: volyn_phones, address=("127.0.0.1", port), clock=clock, interval_s=60.0
            )
            await service.start()
            try:
                callsigns = [
                    _field_unit(await asyncio.to_thread(rx.recv, 65_535)).callsign
                    for _ in volyn_phones
                ]
            finally:
                await service.stop()
            with pytest.raises(SimulationError, match="not started"):
                service.step()
            return service.sent, callsigns

    sent, callsigns = asyncio.run(go())
    assert sent == len(volyn_phones)
    assert sorted(callsigns) == sorted(p.callsign for p in volyn_phones)


def test_the_node_tak_listener_hears_the_phones(volyn_phones: list[SimulatedPhone]) -> None:
    """The real TAK service of a node, listening on UDP, turns the phones into field units."""

    async def never(_delay: float) -> None:
        await asyncio.Event().wait()

    async def go() -> dict[str, FieldUnitPosition]:
        heard: dict[str, FieldUnitPosition] = {}
        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        with _receiver() as nobody:  # where the node sends its picture; not read here
            settings = TakSettings(
                notifier_id="tak",
                url=f"udp://127.0.0.1:{nobody.getsockname()[1]}",
                uid_prefix="kordon.volyn",
                listen_udp="127.0.0.1:0",
            )
            tak = TakService(
                settings,
                bus,
                frame=volyn_phones[0].frame,
                clock=lambda: T0,
                on_field_unit=lambda u: heard.__setitem__(u.uid, u),
                sleep=never,
            )
            phones = SimulatedTakPhones(
                lambda: volyn_phones,
                # the listener's port (0 in the settings) is known once the service started
                address=lambda: (
                    None
                    if tak.transport.listen_port is None
                    else ("127.0.0.1", tak.transport.listen_port)
                ),
                clock=FakeClock(T0),
            )
            with pytest.raises(SimulationError, match="listener the phones report to is not up"):
                phones.open()
            await tak.start()
            try:
                phones.open()
                assert phones.address == ("127.0.0.1", tak.transport.listen_port)
                try:
                    phones.step()
                    for _ in range(500):
                        if len(heard) == len(volyn_phones):
                            break
                        await asyncio.sleep(0.01)
                finally:
                    phones.close()
            finally:
                await tak.stop()
        return heard

    heard = asyncio.run(go())
    assert {u.uid: u.callsign for u in heard.values()} == {p.uid: p.callsign for p in volyn_phones}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"interval_s": 0.0}, "interval_s must be > 0"),
        ({"interval_s": math.nan}, "interval_s must be > 0"),
        ({"interval_s": 10.0, "stale_s": 5.0}, "stale_s must be >= interval_s"),
        ({"address": ("127.0.0.1", 0)}, "port 0 "),
        ({"address": ("127.0.0.1", 70_000)}, "port 70000 "),
        ({"address": ("", 6969)}, "cannot send to ''"),
    ],
)
def test_service_bad_settings(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"address": ("127.0.0.1", 6969), "clock": FakeClock(T0)}
    args.update(kwargs)
    with pytest.raises(SimulationError, match=message):
        SimulatedTakPhones(list, **args)  # type: ignore[arg-type]

"""Builders for the live radar tests: a clock the test drives, an intake, CAT062 tracks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceStatus
from kordon.geo.frame import LocalFrame
from kordon.sensors.asterix.encoder import fspec
from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.asterix.health import HealthSettings, RadarHealth
from kordon.sensors.asterix.intake import RadarIntake
from kordon.sensors.asterix.observer import RadarObserver
from kordon.sensors.ugs.flood import RateLimit
from tests.sensors.builders import signed

T0 = datetime(2026, 5, 4, 21, 0, 0, tzinfo=UTC)
FRAME = LocalFrame(51.6, 23.7)
SAC, SIC = 7, 3
SENSOR = "radar-1"


class ManualClock:
    """UTC ``now`` that only moves when the test says so."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def tod(moment: datetime) -> float:
    """Seconds since UTC midnight of ``moment``."""
    return moment.timestamp() % 86_400.0


@dataclass
class Collected:
    """What an intake delivered."""

    scans: list[SensorScan] = field(default_factory=list)
    statuses: list[DeviceStatus] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(s.observations) for s in self.scans)


def build_intake(
    clock: ManualClock,
    *,
    geometry: RadarGeometry | None = None,
    rate_hz: float = 1_000.0,
    burst: int = 1_000,
    period_s: float = 4.0,
    max_delay_s: float | None = None,
) -> tuple[RadarIntake, Collected]:
    collected = Collected()
    intake = RadarIntake(
        sac=SAC,
        sic=SIC,
        observer=RadarObserver(
            SENSOR,
            geometry or RadarGeometry(100.0, -50.0, 0.0, 0.0, 10.0, 0.5),
            FRAME,
            confidence=0.6,
            max_delay_s=max_delay_s,
        ),
        health=RadarHealth(SENSOR, HealthSettings(period_s), started=clock()),
        rate=RateLimit(rate_hz, burst),
        clock=clock,
        on_scan=collected.scans.append,
        on_status=collected.statuses.append,
    )
    return intake, collected


def cat062_track(
    *,
    sac: int = SAC,
    sic: int = SIC,
    time_of_day_s: float,
    lat: float,
    lon: float,
    track_number: int,
    apc_m: tuple[float, float] | None = None,
    cov_component_m: float | None = None,
) -> bytes:
    """One CAT062 record (edition 1.18): 010, 070, 105, 040 and, with ``apc_m``, 500
    (APC, and COV with ``cov_component_m``: sign(cov)·sqrt|cov| in m)."""
    frns = [1, 4, 5, 12]
    items = (
        bytes([sac, sic])
        + round(time_of_day_s * 128).to_bytes(3, "big")
        + signed(round(lat / (180 / 2**25)), 4)
        + signed(round(lon / (180 / 2**25)), 4)
        + track_number.to_bytes(2, "big")
    )
    if apc_m is not None:
        frns.append(27)
        primary = 0x80 | (0x40 if cov_component_m is not None else 0)
        items += bytes([primary])
        items += round(apc_m[0] / 0.5).to_bytes(2, "big") + round(apc_m[1] / 0.5).to_bytes(2, "big")
        if cov_component_m is not None:
            items += signed(round(cov_component_m / 0.5), 2)
    return fspec(frns) + items

"""``SimulatedAircraft``: a cooperative aircraft flying straight over the site, for the demo.

Each aircraft flies one straight pass at constant speed, track and flight level through the
site's local frame, then starts the pass again (the demo runs for hours). The simulated
radar reports it as ADS-B (CAT021) once a second, as an ADS-B ground station would.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_ICAO = re.compile(r"[0-9A-F]{6}")


@dataclass(frozen=True, slots=True)
class SimulatedAircraft:
    """One repeated straight pass; times are scenario seconds."""

    icao_address: str
    callsign: str
    start_east_m: float
    start_north_m: float
    """Where each pass starts, in the site's local frame."""
    track_deg: float
    """Grid bearing of the pass, clockwise from north."""
    ground_speed_mps: float
    flight_level: float
    pass_s: float
    """How long a pass lasts before the aircraft starts it again."""
    offset_s: float = 0.0
    """How far into its pass the aircraft is at scenario time 0."""
    emitter_category: int = 3
    """I021/020 ECAT: 1 light, 3 medium, 5 heavy."""

    def __post_init__(self) -> None:
        if not _ICAO.fullmatch(self.icao_address):
            raise ValueError(f"icao_address {self.icao_address!r}: six upper-case hex digits")
        values = (
            self.start_east_m,
            self.start_north_m,
            self.track_deg,
            self.ground_speed_mps,
            self.flight_level,
            self.offset_s,
        )
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"aircraft {self.callsign}: values must be finite")
        if not (self.ground_speed_mps > 0 and self.pass_s > 0):
            raise ValueError(f"aircraft {self.callsign}: ground speed and pass_s must be > 0")

    @property
    def geometric_height_ft(self) -> float:
        """Height in the standard atmosphere: the flight level's feet."""
        return self.flight_level * 100.0

    def east_north_m(self, time_s: float) -> tuple[float, float]:
        """Where the aircraft is at scenario time ``time_s``."""
        along = self.ground_speed_mps * ((time_s + self.offset_s) % self.pass_s)
        bearing = math.radians(self.track_deg)
        return (
            self.start_east_m + along * math.sin(bearing),
            self.start_north_m + along * math.cos(bearing),
        )


def crossing(
    icao_address: str,
    callsign: str,
    *,
    centre_en_m: tuple[float, float],
    track_deg: float,
    miss_m: float,
    span_m: float,
    ground_speed_mps: float,
    flight_level: float,
    offset_s: float = 0.0,
    emitter_category: int = 3,
) -> SimulatedAircraft:
    """An aircraft crossing ``span_m`` of sky on ``track_deg``, passing ``miss_m`` to the
    right of ``centre_en_m`` (negative: to the left) halfway through its pass."""
    bearing = math.radians(track_deg)
    ahead = (math.sin(bearing), math.cos(bearing))
    right = (ahead[1], -ahead[0])
    east = centre_en_m[0] + miss_m * right[0] - span_m / 2.0 * ahead[0]
    north = centre_en_m[1] + miss_m * right[1] - span_m / 2.0 * ahead[1]
    return SimulatedAircraft(
        icao_address=icao_address,
        callsign=callsign,
        start_east_m=east,
        start_north_m=north,
        track_deg=track_deg,
        ground_speed_mps=ground_speed_mps,
        flight_level=flight_level,
        pass_s=span_m / ground_speed_mps,
        offset_s=offset_s,
        emitter_category=emitter_category,
    )


def demo_aircraft(centre_en_m: tuple[float, float]) -> tuple[SimulatedAircraft, ...]:
    """Two aircraft over a radar at ``centre_en_m``: an airliner eastbound at FL 350 and a
    light aircraft north-westbound at FL 45, each crossing 40 km of sky around it, both
    a quarter of the way into their passes at scenario time 0 (so the map shows them at
    once). Callsigns and addresses are made up."""
    airliner_span, light_span = 40_000.0, 40_000.0
    return (
        crossing(
            "50AD01",
            "KRD101",
            centre_en_m=centre_en_m,
            track_deg=85.0,
            miss_m=-3_000.0,
            span_m=airliner_span,
            ground_speed_mps=230.0,
            flight_level=350.0,
            offset_s=airliner_span / 4 / 230.0,
            emitter_category=5,
        ),
        crossing(
            "50AD02",
            "KRD202",
            centre_en_m=centre_en_m,
            track_deg=325.0,
            miss_m=2_000.0,
            span_m=light_span,
            ground_speed_mps=60.0,
            flight_level=45.0,
            offset_s=light_span / 4 / 60.0,
            emitter_category=1,
        ),
    )

"""ASTERIX CAT021 (ADS-B target reports) encoding, for the simulated radar and for tests.

Written from the EUROCONTROL CAT021 specification (edition 2.x); the decoder in this
package reads it back. Items written:

- I021/010 SAC/SIC; I021/040 target report descriptor (one octet: 24-bit ICAO address);
  I021/161 track number (12 bits); I021/071 time of applicability for position and
  I021/073 time of message reception for position (LSB 1/128 s); I021/131 high-resolution
  position (LSB 180/2^30 degrees); I021/080 target address; I021/140 geometric height (LSB
  6.25 ft); I021/070 Mode 3/A code (four octal digits); I021/145 flight level (LSB 1/4
  FL); I021/160 airborne ground vector (ground speed LSB 2^-14 NM/s, track angle LSB
  360/2^16 degrees); I021/170 target identification (eight 6-bit IA-5 characters);
  I021/020 emitter category.

Values are rounded to the nearest LSB; a value the item cannot hold raises ``ValueError``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kordon.sensors.asterix.encoder import DAY_S, data_block, fspec
from kordon.sensors.asterix.fields import NM_M

_CALLSIGN = re.compile(r"[A-Z0-9 ]{0,8}")
_ICAO = re.compile(r"[0-9A-F]{6}")


@dataclass(frozen=True, slots=True)
class AdsbReport:
    """One CAT021 report of an aircraft; optional items are left out when ``None``."""

    sac: int
    sic: int
    time_of_day_s: float
    lat: float
    lon: float
    icao_address: str
    """Six upper-case hex digits."""
    track_number: int | None = None
    callsign: str | None = None
    """Up to eight characters of A-Z, 0-9 and space."""
    flight_level: float | None = None
    geometric_height_ft: float | None = None
    ground_speed_mps: float | None = None
    track_deg: float | None = None
    """With ``ground_speed_mps``: both or neither (I021/160 holds the two)."""
    emitter_category: int | None = None
    mode3a: str | None = None
    """The squawk: four octal digits."""


_MODE3A = re.compile(r"[0-7]{4}")


def _signed(value: float, lsb: float, octets: int, what: str) -> bytes:
    raw = round(value / lsb) if math.isfinite(value) else None
    half = 1 << (8 * octets - 1)
    if raw is None or not -half <= raw < half:
        raise ValueError(f"{what} {value} does not fit its item")
    return int(raw).to_bytes(octets, "big", signed=True)


def _time_of_day(time_of_day_s: float) -> bytes:
    if not (math.isfinite(time_of_day_s) and 0.0 <= time_of_day_s < DAY_S):
        raise ValueError(f"time of day {time_of_day_s} s is not within a day")
    return (round(time_of_day_s * 128.0) % (1 << 24)).to_bytes(3, "big")


def _ia5(text: str) -> bytes:
    if not _CALLSIGN.fullmatch(text):
        raise ValueError(f"callsign {text!r}: up to 8 characters of A-Z, 0-9 and space")
    bits = 0
    for char in text.ljust(8):
        code = 32 if char == " " else ord(char) - ord("A") + 1 if char.isalpha() else ord(char)
        bits = (bits << 6) | code
    return bits.to_bytes(6, "big")


def encode_adsb_report(report: AdsbReport) -> bytes:
    """One CAT021 record (FSPEC and items) for ``report``."""
    if not (0 <= report.sac <= 255 and 0 <= report.sic <= 255):
        raise ValueError(f"SAC/SIC must be 0..255, got {report.sac}/{report.sic}")
    if not _ICAO.fullmatch(report.icao_address):
        raise ValueError(f"icao_address {report.icao_address!r}: six upper-case hex digits")
    if not (-90.0 <= report.lat <= 90.0 and -180.0 <= report.lon < 180.0):
        raise ValueError(f"position {report.lat}, {report.lon} is not on the Earth")
    if (report.ground_speed_mps is None) != (report.track_deg is None):
        raise ValueError("ground_speed_mps and track_deg go together (I021/160)")
    tod = _time_of_day(report.time_of_day_s)
    lsb_deg = 180.0 / (1 << 30)
    # (FRN, item) in FRN order: the FSPEC announces them in this order
    items: list[tuple[int, bytes]] = [
        (1, bytes([report.sac, report.sic])),
        (2, bytes([0x00])),  # ATP 0: 24-bit ICAO address; no extension
    ]
    if report.track_number is not None:
        if not 0 <= report.track_number <= 0x0FFF:
            raise ValueError(f"track_number must be 0..4095, got {report.track_number}")
        items.append((3, report.track_number.to_bytes(2, "big")))
    items.append((5, tod))
    items.append(
        (
            7,
            _signed(report.lat, lsb_deg, 4, "lat") + _signed(report.lon, lsb_deg, 4, "lon"),
        )
    )
    items.append((11, bytes.fromhex(report.icao_address)))
    items.append((12, tod))
    if report.geometric_height_ft is not None:
        items.append((16, _signed(report.geometric_height_ft, 6.25, 2, "geometric_height_ft")))
    if report.mode3a is not None:
        if not _MODE3A.fullmatch(report.mode3a):
            raise ValueError(f"mode3a {report.mode3a!r}: four octal digits")
        items.append((19, int(report.mode3a, 8).to_bytes(2, "big")))
    if report.flight_level is not None:
        items.append((21, _signed(report.flight_level, 0.25, 2, "flight_level")))
    if report.ground_speed_mps is not None and report.track_deg is not None:
        speed = round(report.ground_speed_mps / NM_M / 2.0**-14)
        if not (math.isfinite(report.ground_speed_mps) and 0 <= speed <= 0x7FFF):
            raise ValueError(f"ground_speed_mps {report.ground_speed_mps} does not fit I021/160")
        if not math.isfinite(report.track_deg):
            raise ValueError(f"track_deg {report.track_deg} is not finite")
        track = round(report.track_deg % 360.0 / 360.0 * 65536.0) % 65536
        items.append((26, speed.to_bytes(2, "big") + track.to_bytes(2, "big")))
    if report.callsign is not None:
        items.append((29, _ia5(report.callsign)))
    if report.emitter_category is not None:
        if not 0 <= report.emitter_category <= 255:
            raise ValueError(f"emitter_category must be 0..255, got {report.emitter_category}")
        items.append((30, bytes([report.emitter_category])))
    return fspec(frn for frn, _ in items) + b"".join(item for _, item in items)


def adsb_block(reports: Sequence[AdsbReport]) -> bytes:
    """A CAT021 data block of these reports."""
    return data_block(21, [encode_adsb_report(r) for r in reports])

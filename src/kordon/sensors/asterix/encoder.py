"""ASTERIX encoding of what a simulated radar sends: CAT048 plots and CAT034 service messages.

Written from the EUROCONTROL category specifications (CAT048 edition 1.2x, CAT034 edition
1.2x), for the demo's simulated radar and for tests; the decoder in this package reads it
back. Only the items a primary surveillance radar needs are written:

- CAT048: I048/010 SAC/SIC, I048/140 time of day (LSB 1/128 s), I048/020 target report
  descriptor (TYP, SIM), I048/040 measured position in polar co-ordinates (RHO LSB
  1/256 NM, THETA LSB 360/2^16 degrees) and, for a local track, I048/161 track number
  (12 bits).
- CAT034: I034/010 SAC/SIC, I034/000 message type (1 north marker, 2 sector crossing),
  I034/030 time of day, I034/020 sector number (LSB 360/2^8 degrees) and I034/041
  antenna rotation period (LSB 1/128 s).

Values are rounded to the nearest LSB; a value the item cannot hold raises ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kordon.sensors.asterix.fields import NM_M

MAX_BLOCK_LEN = 0xFFFF
DAY_S = 86_400.0


def fspec(frns: Iterable[int]) -> bytes:
    """The FSPEC announcing these field reference numbers (1-based), FX bits chained."""
    present = sorted(set(frns))
    if not present or present[0] < 1:
        raise ValueError(f"an FSPEC needs field reference numbers >= 1, got {present}")
    octets = bytearray((present[-1] + 6) // 7)
    for frn in present:
        octets[(frn - 1) // 7] |= 0x80 >> ((frn - 1) % 7)
    for k in range(len(octets) - 1):
        octets[k] |= 0x01
    return bytes(octets)


def data_block(category: int, records: Sequence[bytes]) -> bytes:
    """A data block: CAT, LEN (the 3 header octets included), then the records."""
    if not 0 <= category <= 255:
        raise ValueError(f"category must be 0..255, got {category}")
    if not records:
        raise ValueError("a data block holds at least one record")
    body = b"".join(records)
    length = len(body) + 3
    if length > MAX_BLOCK_LEN:
        raise ValueError(f"block of {length} octets exceeds LEN's {MAX_BLOCK_LEN}")
    return bytes([category]) + length.to_bytes(2, "big") + body


def _uint(value: float, lsb: float, octets: int, what: str) -> bytes:
    raw = round(value / lsb)
    if not (math.isfinite(value) and 0 <= raw < (1 << (8 * octets))):
        raise ValueError(f"{what} {value} does not fit its item")
    return int(raw).to_bytes(octets, "big")


def _sac_sic(sac: int, sic: int) -> bytes:
    if not (0 <= sac <= 255 and 0 <= sic <= 255):
        raise ValueError(f"SAC/SIC must be 0..255, got {sac}/{sic}")
    return bytes([sac, sic])


def _time_of_day(time_of_day_s: float) -> bytes:
    if not (math.isfinite(time_of_day_s) and 0.0 <= time_of_day_s < DAY_S):
        raise ValueError(f"time of day {time_of_day_s} s is not within a day")
    return (round(time_of_day_s * 128.0) % (1 << 24)).to_bytes(3, "big")


def _angle16(deg: float) -> bytes:
    if not math.isfinite(deg):
        raise ValueError(f"azimuth {deg} is not finite")
    return (round(deg % 360.0 / 360.0 * 65536.0) % 65536).to_bytes(2, "big")


@dataclass(frozen=True, slots=True)
class Plot:
    """One CAT048 target report in polar co-ordinates."""

    sac: int
    sic: int
    time_of_day_s: float
    range_m: float
    azimuth_deg: float
    target_type: int = 1
    """I048/020 TYP: 1 single PSR detection, 2 SSR, 3 SSR + PSR, ..."""
    simulated: bool = False
    """I048/020 SIM: a simulated (test) target report, which receivers ignore."""
    track_number: int | None = None
    """I048/161, for a radar that sends local tracks; none for plain plots."""


def encode_plot(plot: Plot) -> bytes:
    """One CAT048 record (FSPEC and items) for ``plot``."""
    if not 0 <= plot.target_type <= 7:
        raise ValueError(f"target_type must be 0..7, got {plot.target_type}")
    frns = [1, 2, 3, 4]
    items = [
        _sac_sic(plot.sac, plot.sic),
        _time_of_day(plot.time_of_day_s),
        bytes([(plot.target_type << 5) | (0x10 if plot.simulated else 0)]),
        _uint(plot.range_m, NM_M / 256.0, 2, "range_m") + _angle16(plot.azimuth_deg),
    ]
    if plot.track_number is not None:
        if not 0 <= plot.track_number <= 0x0FFF:
            raise ValueError(f"track_number must be 0..4095, got {plot.track_number}")
        frns.append(11)
        items.append(plot.track_number.to_bytes(2, "big"))
    return fspec(frns) + b"".join(items)


NORTH_MARKER = 1
SECTOR_CROSSING = 2


@dataclass(frozen=True, slots=True)
class ServiceMessage:
    """One CAT034 message: a north marker, or the antenna crossing into a sector."""

    sac: int
    sic: int
    time_of_day_s: float
    message_type: int = NORTH_MARKER
    sector_deg: float | None = None
    antenna_period_s: float | None = None


def encode_service_message(message: ServiceMessage) -> bytes:
    """One CAT034 record (FSPEC and items) for ``message``."""
    if not 1 <= message.message_type <= 255:
        raise ValueError(f"message_type must be 1..255, got {message.message_type}")
    frns = [1, 2, 3]
    items = [
        _sac_sic(message.sac, message.sic),
        bytes([message.message_type]),
        _time_of_day(message.time_of_day_s),
    ]
    if message.sector_deg is not None:
        if not math.isfinite(message.sector_deg):
            raise ValueError("sector_deg is not finite")
        frns.append(4)
        items.append(bytes([round(message.sector_deg % 360.0 / 360.0 * 256.0) % 256]))
    if message.antenna_period_s is not None:
        frns.append(5)
        items.append(_uint(message.antenna_period_s, 1.0 / 128.0, 2, "antenna_period_s"))
    return fspec(frns) + b"".join(items)


def plots_block(plots: Sequence[Plot]) -> bytes:
    """A CAT048 data block of these plots."""
    return data_block(48, [encode_plot(p) for p in plots])


def service_block(messages: Sequence[ServiceMessage]) -> bytes:
    """A CAT034 data block of these messages."""
    return data_block(34, [encode_service_message(m) for m in messages])

"""Builders of small MAVLink telemetry logs (``.tlog``) and DataFlash logs for tests.

A ``.tlog`` is a sequence of (8-byte big-endian microseconds since 1970, MAVLink packet);
the packets come from pymavlink's own encoder. A DataFlash log is self-describing: FMT
messages (type 128) declare every other message's layout.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]


@dataclass(frozen=True)
class Fix:
    """One GLOBAL_POSITION_INT of a synthetic log."""

    time_s: float
    system_id: int
    lat: float
    lon: float
    alt_m: float


def tlog_bytes(fixes: list[Fix]) -> bytes:
    """A ``.tlog`` of one GLOBAL_POSITION_INT per fix, in the order given."""
    encoders: dict[int, mav.MAVLink] = {}
    out = bytearray()
    for f in fixes:
        enc = encoders.setdefault(f.system_id, mav.MAVLink(None, srcSystem=f.system_id))
        msg = mav.MAVLink_global_position_int_message(
            int(f.time_s * 1000) % (1 << 32),
            round(f.lat * 1e7),
            round(f.lon * 1e7),
            round(f.alt_m * 1000),
            round(f.alt_m * 1000),
            0,
            0,
            0,
            0,
        )
        out += struct.pack(">Q", round(f.time_s * 1e6)) + msg.pack(enc)
    return bytes(out)


def write_tlog(path: Path, fixes: list[Fix]) -> Path:
    path.write_bytes(tlog_bytes(fixes))
    return path


# --- DataFlash ---------------------------------------------------------------------------

_HEAD = bytes((0xA3, 0x95))
_SIZES = {"Q": 8, "B": 1, "I": 4, "H": 2, "L": 4, "e": 4, "f": 4, "c": 2, "n": 4, "N": 16, "Z": 64}
GPS_FORMAT = (
    "GPS",
    130,
    "QBIHBcLLefff",
    "TimeUS,Status,GMS,GWk,NSats,HDop,Lat,Lng,Alt,Spd,GCrs,VZ",
)
ATT_FORMAT = ("ATT", 131, "Qffff", "TimeUS,Roll,Pitch,Yaw,ErrRP")
_STRUCT = {"Q": "Q", "B": "B", "I": "I", "H": "H", "L": "i", "e": "i", "f": "f", "c": "h"}


def _fmt(name: str, type_id: int, fmt: str, columns: str) -> bytes:
    length = 3 + sum(_SIZES[c] for c in fmt)
    return (
        _HEAD
        + bytes((128, type_id, length))
        + name.encode().ljust(4, b"\0")
        + fmt.encode().ljust(16, b"\0")
        + columns.encode().ljust(64, b"\0")
    )


def _record(type_id: int, fmt: str, values: tuple[int | float, ...]) -> bytes:
    return _HEAD + bytes((type_id,)) + struct.pack("<" + "".join(_STRUCT[c] for c in fmt), *values)


@dataclass(frozen=True)
class DataFlashFix:
    """One DataFlash GPS record: GPS week and ms of week, position, fix status."""

    time_us: int
    gps_week: int
    gps_ms: int
    lat: float
    lon: float
    alt_m: float
    status: int = 3


def dataflash_bytes(fixes: list[DataFlashFix]) -> bytes:
    """A DataFlash log: FMT for FMT, GPS and ATT, then one GPS and one ATT per fix."""
    out = bytearray(_fmt("FMT", 128, "BBnNZ", "Type,Length,Name,Format,Columns"))
    # The FMT of FMT uses 'Z' (64 chars); declare its length by hand (3 + 1 + 1 + 4 + 16 + 64).
    out[4] = 89
    out += _fmt(*GPS_FORMAT) + _fmt(*ATT_FORMAT)
    for i, f in enumerate(fixes):
        out += _record(
            GPS_FORMAT[1],
            GPS_FORMAT[2],
            (
                f.time_us, f.status, f.gps_ms, f.gps_week, 12, 80,
                round(f.lat * 1e7), round(f.lon * 1e7), round(f.alt_m * 100), 5.0, 90.0, 0.0,
            ),
        )  # fmt: skip
        out += _record(ATT_FORMAT[1], ATT_FORMAT[2], (f.time_us + 10, 1.5, -2.5, 10.0 * i, 0.0))
    return bytes(out)

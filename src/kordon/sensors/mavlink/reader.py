"""``TelemetryLogReader``: a ``.tlog`` or DataFlash ``.bin`` file to a :class:`TelemetryLog`.

The reader opens the file with pymavlink's own log classes (``mavmmaplog`` for telemetry
logs, ``DFReader_binary`` for DataFlash) rather than ``mavutil.mavlink_connection``: that
factory picks a transport from the *name*, so a path containing ``:`` would become a UDP
socket and one containing ``/bin/`` would be executed as a program.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pymavlink import DFReader, mavutil  # type: ignore[import-untyped]

from kordon.domain.errors import KordonError
from kordon.sensors.mavlink.samples import (
    AttitudeSample,
    BatterySample,
    DropReason,
    ModeSample,
    PositionSample,
    PositionSource,
    TelemetryLog,
)
from kordon.sensors.mavlink.screen import PositionScreen

TLOG_SUFFIXES = (".tlog",)
DATAFLASH_SUFFIXES = (".bin",)
_MAV_AUTOPILOT_INVALID = 8
_UINT16_MAX = 65535
_DF_UNKNOWN_PCT = 255
_MAX_ALT_M = 100_000.0
_MIN_ALT_M = -12_000.0
_DATAFLASH_HEAD = bytes((0xA3, 0x95, 0x80))


class TelemetryReadError(KordonError, ValueError):
    """A telemetry log cannot be read at all (missing, not a log, unsupported format)."""


class _Message(Protocol):
    """What the reader uses of a pymavlink message (MAVLink or DataFlash)."""

    _timestamp: float

    def get_type(self) -> str: ...


def _utc(timestamp: float) -> datetime | None:
    if not math.isfinite(timestamp):
        return None
    try:
        return datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _position_ok(lat: float, lon: float, alt_m: float) -> bool:
    return (
        math.isfinite(lat)
        and math.isfinite(lon)
        and math.isfinite(alt_m)
        and -90.0 <= lat <= 90.0
        and -180.0 <= lon <= 180.0
        and _MIN_ALT_M <= alt_m <= _MAX_ALT_M
    )


def _check_dataflash_head(path: Path) -> None:
    """Refuse a file that does not start with a DataFlash FMT message.

    pymavlink's DataFlash reader would otherwise print a line for every byte of a file
    that is not a log at all.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(3)
    except OSError as exc:
        raise TelemetryReadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if head != _DATAFLASH_HEAD:
        raise TelemetryReadError(
            f"{path}: not a DataFlash log (starts with {head.hex()}, expected "
            f"{_DATAFLASH_HEAD.hex()}: a FMT message)"
        )


class TelemetryLogReader:
    """Reads one drone log into screened samples; bad messages are counted, never raised.

    Only the file as a whole can fail (:class:`TelemetryReadError`): missing, not a
    regular file, an unsupported extension, or no decodable message at all.
    """

    def __init__(self, *, max_speed_mps: float = 150.0, min_jump_m: float = 500.0) -> None:
        PositionScreen(max_speed_mps=max_speed_mps, min_jump_m=min_jump_m)  # validate now
        self._max_speed_mps = max_speed_mps
        self._min_jump_m = min_jump_m

    def read(self, path: Path) -> TelemetryLog:
        """Read ``path`` (``.tlog`` or DataFlash ``.bin``) from start to end."""
        suffix = path.suffix.lower()
        if suffix not in TLOG_SUFFIXES + DATAFLASH_SUFFIXES:
            raise TelemetryReadError(
                f"{path}: unsupported log type {path.suffix!r} (expected .tlog or .bin)"
            )
        try:
            if not path.is_file():
                raise TelemetryReadError(f"{path}: not a regular file or does not exist")
            if path.stat().st_size == 0:
                raise TelemetryReadError(f"{path}: the file is empty")
        except OSError as exc:
            raise TelemetryReadError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if suffix in DATAFLASH_SUFFIXES:
            _check_dataflash_head(path)
        log = TelemetryLog()
        screen = PositionScreen(max_speed_mps=self._max_speed_mps, min_jump_m=self._min_jump_m)
        if suffix in TLOG_SUFFIXES:
            self._read_tlog(path, log, screen)
        else:
            self._read_dataflash(path, log, screen)
        if log.messages == 0:
            raise TelemetryReadError(
                f"{path}: no decodable MAVLink {'DataFlash ' if suffix == '.bin' else ''}"
                f"message (bad or unreadable data: {sum(log.dropped.values())} dropped)"
            )
        return log

    # --- file kinds ----------------------------------------------------------------------

    def _messages(self, path: Path, opener: Any, log: TelemetryLog) -> Iterator[Any]:
        """Messages of ``opener(path)``; a parser failure ends the file with a counted drop."""
        # pymavlink raises assorted exception types (struct.error, IndexError, ValueError,
        # KeyError, ...) on malformed files; none of them may escape as a crash.
        try:
            conn = opener(str(path))
        except Exception as exc:
            raise TelemetryReadError(f"{path}: not a readable log: {exc}") from None
        try:
            while True:
                try:
                    msg = conn.recv_match()
                except Exception as exc:
                    log.drop(DropReason.UNREADABLE_REST, f"parser stopped: {exc!r}")
                    return
                if msg is None:
                    return
                yield conn, msg
        finally:
            close = getattr(conn, "close", None)
            if callable(close):
                # closing a half-parsed log must not mask the result
                with contextlib.suppress(Exception):
                    close()

    def _read_tlog(self, path: Path, log: TelemetryLog, screen: PositionScreen) -> None:
        modes: dict[int, str] = {}
        for _conn, msg in self._messages(path, mavutil.mavmmaplog, log):
            kind = msg.get_type()
            if kind == "BAD_DATA":
                log.drop(DropReason.BAD_DATA, str(getattr(msg, "reason", "bad data")))
                continue
            log.messages += 1
            if kind not in _TLOG_KINDS:
                continue
            time = _utc(float(getattr(msg, "_timestamp", math.nan)))
            if time is None:
                log.drop(DropReason.BAD_TIME, f"{kind} without a usable timestamp")
                continue
            system_id = int(msg.get_srcSystem())
            if kind == "GLOBAL_POSITION_INT":
                if msg.lat == 0 and msg.lon == 0:
                    log.drop(DropReason.NO_FIX, f"system {system_id} {kind} at 0/0")
                    continue
                self._accept(
                    screen,
                    log,
                    PositionSample(
                        time,
                        system_id,
                        msg.lat * 1e-7,
                        msg.lon * 1e-7,
                        msg.alt / 1000.0,
                        PositionSource.GLOBAL_POSITION_INT,
                    ),
                )
            elif kind == "GPS_RAW_INT":
                if msg.fix_type < 2 or (msg.lat == 0 and msg.lon == 0):
                    log.drop(DropReason.NO_FIX, f"system {system_id} {kind} fix {msg.fix_type}")
                    continue
                self._accept(
                    screen,
                    log,
                    PositionSample(
                        time,
                        system_id,
                        msg.lat * 1e-7,
                        msg.lon * 1e-7,
                        msg.alt / 1000.0,
                        PositionSource.GPS_RAW_INT,
                    ),
                )
            elif kind == "ATTITUDE":
                log.attitudes.append(
                    AttitudeSample(
                        time,
                        system_id,
                        math.degrees(msg.roll),
                        math.degrees(msg.pitch),
                        math.degrees(msg.yaw) % 360.0,
                    )
                )
            elif kind == "SYS_STATUS":
                log.batteries.append(
                    BatterySample(
                        time,
                        system_id,
                        None
                        if msg.voltage_battery in (0, _UINT16_MAX)
                        else msg.voltage_battery / 1000.0,
                        None if msg.current_battery < 0 else msg.current_battery / 100.0,
                        None if msg.battery_remaining < 0 else float(msg.battery_remaining),
                    )
                )  # fmt: skip
            elif kind == "HEARTBEAT" and msg.autopilot != _MAV_AUTOPILOT_INVALID:
                mode = str(mavutil.mode_string_v10(msg))
                if modes.get(system_id) != mode:
                    modes[system_id] = mode
                    log.modes.append(ModeSample(time, system_id, mode, int(msg.custom_mode)))

    def _read_dataflash(self, path: Path, log: TelemetryLog, screen: PositionScreen) -> None:
        system_id = 1
        clock_checked = False
        last_mode: str | None = None
        for conn, msg in self._messages(path, DFReader.DFReader_binary, log):
            if not clock_checked:
                clock_checked = True
                # Without GPS time in the log the clock counts from boot (timebase 0).
                log.utc_clock = isinstance(
                    conn.clock, DFReader.DFReaderClock_gps_interpolated
                ) or bool(getattr(conn.clock, "timebase", 0))
                sysid = conn.params.get("SYSID_THISMAV")
                if sysid is not None and math.isfinite(sysid) and 0 < sysid < 256:
                    system_id = int(sysid)
            kind = msg.get_type()
            if kind == "BAD_DATA":
                log.drop(DropReason.BAD_DATA, str(getattr(msg, "reason", "bad data")))
                continue
            log.messages += 1
            if kind not in _DF_KINDS:
                continue
            if getattr(msg, "I", getattr(msg, "Instance", 0)) != 0:
                continue  # second GPS / battery: the primary one is the vehicle's
            time = _utc(float(getattr(msg, "_timestamp", math.nan)))
            if time is None:
                log.drop(DropReason.BAD_TIME, f"{kind} without a usable timestamp")
                continue
            if kind == "GPS":
                if msg.Status < 2 or (msg.Lat == 0 and msg.Lng == 0):
                    log.drop(DropReason.NO_FIX, f"DataFlash GPS status {msg.Status}")
                    continue
                self._accept(
                    screen,
                    log,
                    PositionSample(
                        time,
                        system_id,
                        float(msg.Lat),
                        float(msg.Lng),
                        float(msg.Alt),
                        PositionSource.DATAFLASH_GPS,
                    ),
                )
            elif kind == "ATT":
                log.attitudes.append(
                    AttitudeSample(
                        time, system_id, float(msg.Roll), float(msg.Pitch), float(msg.Yaw) % 360.0
                    )
                )
            elif kind == "BAT":
                remaining = getattr(msg, "RemPct", _DF_UNKNOWN_PCT)
                log.batteries.append(
                    BatterySample(
                        time,
                        system_id,
                        float(msg.Volt),
                        float(msg.Curr),
                        None if remaining == _DF_UNKNOWN_PCT else float(remaining),
                    )
                )
            elif kind == "MODE":
                mode = str(conn.flightmode)
                if mode != last_mode:
                    last_mode = mode
                    number = int(getattr(msg, "ModeNum", getattr(msg, "Mode", -1)))
                    log.modes.append(ModeSample(time, system_id, mode, number))

    @staticmethod
    def _accept(screen: PositionScreen, log: TelemetryLog, sample: PositionSample) -> None:
        if not _position_ok(sample.lat, sample.lon, sample.alt_m):
            log.drop(
                DropReason.OUT_OF_RANGE,
                f"system {sample.system_id} {sample.source.value} lat {sample.lat} "
                f"lon {sample.lon} alt {sample.alt_m} m",
            )
            return
        verdict = screen.check(sample)
        if verdict is not None:
            log.drop(*verdict)
            return
        log.positions.append(sample)


_TLOG_KINDS = frozenset(
    {"GLOBAL_POSITION_INT", "GPS_RAW_INT", "ATTITUDE", "SYS_STATUS", "HEARTBEAT"}
)
_DF_KINDS = frozenset({"GPS", "ATT", "BAT", "MODE"})

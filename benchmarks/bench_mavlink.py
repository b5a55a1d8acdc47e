"""Telemetry ingest: MAVLink messages per second through ``TelemetryLogReader`` on one core.

Reads the real VTOL SITL ``.tlog`` from ``../shared/data/mavlink`` when present, else a
synthetic log of GLOBAL_POSITION_INT messages from pymavlink's encoder. Every message is
parsed and CRC-checked; the figure counts all of them (the reader keeps the telemetry kinds).
The second row is the live path: the same frames through ``TelemetryIngest`` (parse, screen,
merge per vehicle, build a ``DroneState`` with its camera footprint for every position).
``python -m benchmarks.bench_mavlink`` prints the rows as JSON.
"""

from __future__ import annotations

import struct
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

from benchmarks.common import BenchRow, main_for, shared_data_dir
from kordon.sensors.mavlink import TelemetryLogReader
from kordon.sensors.mavlink.endpoint import tlog_frames
from kordon.sensors.mavlink.ingest import IngestLimits, TelemetryIngest

_SYNTHETIC_MESSAGES = 20_000


def _synthetic(path: Path) -> Path:
    enc = mav.MAVLink(None, srcSystem=1)
    out = bytearray()
    t0 = 1_700_000_000.0
    for i in range(_SYNTHETIC_MESSAGES):
        msg = mav.MAVLink_global_position_int_message(
            i * 100, 515_000_000 + i * 10, 240_000_000, 200_000, 100_000, 0, 0, 0, 0
        )
        out += struct.pack(">Q", round((t0 + i * 0.1) * 1e6)) + msg.pack(enc)
    path.write_bytes(bytes(out))
    return path


def run() -> list[BenchRow]:
    data = shared_data_dir()
    with tempfile.TemporaryDirectory() as tmp:
        if data is not None and (data / "mavlink" / "UAVLogViewer_vtol_SITL.tlog").is_file():
            path, what = data / "mavlink" / "UAVLogViewer_vtol_SITL.tlog", "real VTOL SITL tlog"
        else:
            path, what = _synthetic(Path(tmp) / "synthetic.tlog"), "synthetic tlog"
        reader = TelemetryLogReader()
        best = 0.0
        messages = 0
        for _ in range(3):
            t0 = time.process_time()
            log = reader.read(path)
            cpu_s = time.process_time() - t0
            messages = log.messages
            best = max(best, messages / cpu_s)
        live, states = _live_rate(path)
    return [
        BenchRow(
            "mavlink",
            "telemetry ingest",
            best,
            "messages/s",
            f"{what}, {messages} messages, best of 3, CPU time of one process (target ≥ 5,000)",
        ),
        BenchRow(
            "mavlink",
            "telemetry to DroneState",
            live,
            "messages/s",
            f"{what} through TelemetryIngest, {states} drone states with camera footprints, "
            "best of 3, CPU time (target ≥ 5,000)",
        ),
    ]


def _live_rate(path: Path) -> tuple[float, int]:
    frames = tlog_frames(path.read_bytes())
    times = [datetime.fromtimestamp(t, UTC) for t, _ in frames]
    best, states = 0.0, 0
    for _ in range(3):
        ingest = TelemetryIngest(
            "bench",
            [1],
            started=times[0],
            limits=IngestLimits(default_hfov_deg=60.0, min_publish_interval_s=0.0),
        )
        t0 = time.process_time()
        states = 0
        for (_, frame), now in zip(frames, times, strict=True):
            states += len(ingest.feed(frame, now).states)
        cpu_s = time.process_time() - t0
        best = max(best, (ingest.messages + sum(ingest.counts.values())) / cpu_s)
    return best, states


if __name__ == "__main__":
    main_for(run)

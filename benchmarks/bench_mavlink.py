"""Telemetry ingest: MAVLink messages per second through ``TelemetryLogReader`` on one core.

Reads the real VTOL SITL ``.tlog`` from ``../shared/data/mavlink`` when present, else a
synthetic log of GLOBAL_POSITION_INT messages from pymavlink's encoder. Every message is
parsed and CRC-checked; the figure counts all of them (the reader keeps the telemetry kinds).
The second row is the live path: the same frames through ``TelemetryIngest`` (parse, screen,
merge per vehicle, build a ``DroneState`` with its camera footprint for every position).
The last rows are the latency from telemetry to the map: a vehicle (pymavlink's encoder, on
a thread) sends positions at 10 Hz, attitude and a load of other telemetry at
``FLOOD_HZ`` over UDP loopback to a real ``MavlinkService`` (its ``udpin`` endpoint and
receive thread), whose drone states go on the in-process bus's ``drones`` channel to a
subscriber on the event loop that serialises each as the live WebSocket hub does
(``DronePublic`` JSON); latency = that moment − the wall time the position was sent (its
sequence number is in its latitude). The WebSocket write itself is not included.
``python -m benchmarks.bench_mavlink`` prints the rows as JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import statistics
import struct
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

from benchmarks.common import BenchRow, main_for, shared_data_dir
from kordon.api.schemas.drones import DronePublic
from kordon.bus.channels import DRONES
from kordon.bus.inprocess import InProcessBus
from kordon.bus.protocol import route
from kordon.config.integrations import MavlinkSensor
from kordon.domain.drone import DroneState
from kordon.domain.status import DeviceStatus
from kordon.sensors.mavlink import TelemetryLogReader
from kordon.sensors.mavlink.endpoint import tlog_frames
from kordon.sensors.mavlink.ingest import IngestLimits, TelemetryIngest
from kordon.sensors.mavlink.service import MavlinkService
from kordon.video.source.clock import SystemClock

_SYNTHETIC_MESSAGES = 20_000
LATENCY_S = 20.0
POSITION_HZ = 10.0
FLOOD_HZ = 1_000.0
"""Other telemetry the vehicle sends (attitude, system status): ~20× a real autopilot."""
LAT0, LON0 = 51.55, 23.65


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
    latencies_ms, sent = _map_latency()
    latency_note = (
        f"UDP loopback → MavlinkService → bus → DronePublic JSON; positions at "
        f"{POSITION_HZ:g} Hz among {FLOOD_HZ:g} msg/s of other telemetry for {LATENCY_S:g} s, "
        f"{len(latencies_ms)} of {sent} positions became drone states (at most 5/s); "
        "target p95 ≤ 200 ms"
    )
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
        BenchRow(
            "mavlink",
            "telemetry to map p50",
            statistics.median(latencies_ms),
            "ms",
            latency_note,
        ),
        BenchRow("mavlink", "telemetry to map p95", _p95(latencies_ms), "ms", latency_note),
        BenchRow("mavlink", "telemetry to map max", max(latencies_ms), "ms", latency_note),
    ]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _vehicle(port: int, sent: dict[int, float]) -> None:
    """Send for ``LATENCY_S``: a heartbeat a second, positions at ``POSITION_HZ`` (the
    sequence number in the latitude, 1e-7° a step), other telemetry at ``FLOOD_HZ``."""
    enc = mav.MAVLink(None, srcSystem=1, srcComponent=1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        address = ("127.0.0.1", port)
        start = time.monotonic()
        tick_s = 0.01
        per_tick = round(FLOOD_HZ * tick_s)
        ticks = round(LATENCY_S / tick_s)
        every = round(1.0 / (POSITION_HZ * tick_s))
        seq = 0
        for k in range(ticks):
            boot_ms = round(k * tick_s * 1000)
            frames: list[bytes] = []
            if k % 100 == 0:
                beat = mav.MAVLink_heartbeat_message(
                    mav.MAV_TYPE_QUADROTOR,
                    mav.MAV_AUTOPILOT_ARDUPILOTMEGA,
                    mav.MAV_MODE_FLAG_SAFETY_ARMED,
                    0,
                    mav.MAV_STATE_ACTIVE,
                    3,
                )
                frames.append(bytes(beat.pack(enc)))
            for i in range(per_tick):
                if i % 2:
                    msg = mav.MAVLink_attitude_message(boot_ms, 0.01, -0.02, 0.5, 0, 0, 0)
                else:
                    msg = mav.MAVLink_sys_status_message(
                        0, 0, 0, 300, 15_800, 1_200, 80, 0, 0, 0, 0, 0, 0
                    )
                frames.append(bytes(msg.pack(enc)))
            for frame in frames:
                sock.sendto(frame, address)
            if k % every == 0:
                gpi = mav.MAVLink_global_position_int_message(
                    boot_ms, round(LAT0 * 1e7) + seq, round(LON0 * 1e7), 250_000, 50_000, 0, 0, 0, 0
                )
                sent[seq] = time.time()
                sock.sendto(bytes(gpi.pack(enc)), address)
                seq += 1
            delay = start + (k + 1) * tick_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)


def _map_latency() -> tuple[list[float], int]:
    """(latency of each position that became a drone state on the map, ms; positions sent)."""
    port = _udp_port()
    sensor = MavlinkSensor.model_validate(
        {
            "kind": "mavlink",
            "id": "bench",
            "url": f"udpin:127.0.0.1:{port}",
            "camera_hfov_deg": 60.0,
        }
    )
    sent: dict[int, float] = {}
    latencies_ms: list[float] = []

    async def on_drone(state: DroneState) -> None:
        DronePublic.of(state).model_dump_json()  # what the live hub sends each browser
        arrived = time.time()
        seq = round(state.position.lat * 1e7) - round(LAT0 * 1e7)
        if seq in sent and math.isclose(state.position.lon, LON0):
            latencies_ms.append((arrived - sent[seq]) * 1e3)

    def ignore(_status: DeviceStatus) -> None:
        return None

    async def measure() -> None:
        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        subscription = bus.subscribe(route(DRONES, on_drone))

        async def pump() -> None:
            while True:
                await subscription.deliver_next()

        def publish(state: DroneState) -> None:
            bus.publish(DRONES, state)

        pumping = asyncio.create_task(pump())
        service = MavlinkService(sensor, clock=SystemClock(), on_state=publish, on_status=ignore)
        await service.start()
        try:
            sender = threading.Thread(target=_vehicle, args=(port, sent), daemon=True)
            sender.start()
            await asyncio.to_thread(sender.join)
            await asyncio.sleep(0.5)  # the last states
        finally:
            await service.stop()
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping

    asyncio.run(measure())
    return latencies_ms, len(sent)


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

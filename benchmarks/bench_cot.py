"""Cursor-on-Target throughput, one core: events out (site tracks encoded) and in (decoded).

Out: a site picture of 100 confirmed tracks (covariances, velocities) → CoT events
(``track_events``: type, CE90, course/speed, remarks) → XML or TAK protocol bytes; and the
same events through a ``TakTransport`` over a loopback TCP socket to a reader that counts
them. In: a stream of ATAK-like self-SA events (XML or TAK protocol stream framing) fed in
64 KiB pieces to ``StreamDecoder`` (hardened parser) → ``field_unit_of``.
Goals (issue 14): ≥ 2,000 events/s each way. ``python -m benchmarks.bench_cot`` prints a
table on stderr and the rows as JSON on stdout.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from benchmarks.common import BenchRow, main_for
from kordon.domain.site_tracks import SiteTracks
from kordon.geo.frame import LocalFrame
from kordon.interop.cot.ce90 import ce90_m
from kordon.interop.cot.encode import OutEvent, node, stream_frame, to_takproto, to_xml
from kordon.interop.cot.inbound import StreamDecoder, field_unit_of
from kordon.interop.cot.site import UidScheme, track_events
from kordon.tak.settings import TakSettings
from kordon.tak.transport import TakTransport

FRAME = LocalFrame(51.2, 24.1)
UIDS = UidScheme("kordon.bench")
T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
TRACKS = 100
CHUNK = 65_536


def _picture(step: int) -> SiteTracks:
    rng = np.random.default_rng(step)
    n = TRACKS
    a = rng.uniform(2.0, 20.0, n)
    cov = np.zeros((n, 2, 2))
    cov[:, 0, 0] = a * a
    cov[:, 1, 1] = (a * 0.5) ** 2
    cov[:, 0, 1] = cov[:, 1, 0] = 0.1 * a * a * 0.5
    return SiteTracks(
        time_s=T0.timestamp() + step,
        site_track_id=np.arange(n, dtype=np.int64),
        east_north_m=rng.uniform(-5_000.0, 5_000.0, (n, 2)),
        velocity_mps=rng.normal(0.0, 2.0, (n, 2)),
        position_cov_m2=cov,
        confirmed=np.ones(n, np.bool_),
        last_update_s=np.zeros(n),
        class_name=np.asarray(["person", "car"] * (n // 2), dtype=np.str_),
        confidence=np.full(n, 0.7),
        sensor_ids=tuple(("cam-1", "radar-1") for _ in range(n)),
    )


def _out_rows(steps: int = 100) -> list[BenchRow]:
    pictures = [_picture(s) for s in range(steps)]
    ce90_m(np.eye(2))  # builds the CE90 table once (a one-off at node start, not per event)
    rows = []
    for name, encode in (("XML", to_xml), ("TAK protocol", to_takproto)):
        t0 = time.perf_counter()
        n = 0
        size = 0
        for tracks in pictures:
            lonlat = FRAME.xy_to_lonlat(tracks.east_north_m)
            for event in track_events(tracks, lonlat, uids=UIDS, hostile={1, 2}, stale_s=30.0):
                size += len(encode(event))
                n += 1
        elapsed = time.perf_counter() - t0
        rows.append(
            BenchRow(
                "cot",
                f"CoT out, site tracks → {name}",
                n / elapsed,
                "events/s",
                f"{steps} pictures × {TRACKS} tracks (local → WGS84, CE90, type, course), "
                f"mean {size / n:.0f} B/event, one core; goal ≥ 2,000",
            )
        )
    return rows


async def _socket_row(events: int = 20_000) -> BenchRow:
    received = 0
    expected = -1
    done = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal received
        while data := await reader.read(CHUNK):
            received += len(data)
            if received == expected:
                done.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport = TakTransport(
        TakSettings(
            notifier_id="bench",
            url=f"tcp://127.0.0.1:{port}",
            uid_prefix="kordon.bench",
            alarm_queue_size=events,
        ),
        on_event=lambda _e: None,
    )
    tracks = _picture(0)
    lonlat = FRAME.xy_to_lonlat(tracks.east_north_m)
    base = list(track_events(tracks, lonlat, uids=UIDS, hostile=(), stale_s=30.0))
    sizes = [len(to_xml(e)) for e in base]
    expected = sum(sizes[i % len(base)] for i in range(events))
    await transport.start()
    await transport.connected.wait()
    t0 = time.perf_counter()
    for i in range(events):
        transport.send_alarm(base[i % len(base)])
        if i % 500 == 0:
            await asyncio.sleep(0)
    await asyncio.wait_for(done.wait(), 120.0)
    elapsed = time.perf_counter() - t0
    assert transport.counters().sent == events
    await transport.stop()
    server.close()
    await server.wait_closed()
    return BenchRow(
        "cot",
        "CoT out, encode + queue + loopback TCP",
        events / elapsed,
        "events/s",
        f"{events} track events encoded and sent through TakTransport (XML) to a reader "
        "on 127.0.0.1 until every byte arrived; sender and reader share one core",
    )


def _sa(i: int) -> OutEvent:
    t = T0 + timedelta(seconds=i)
    return OutEvent(
        uid=f"ANDROID-{i % 500:04d}",
        type="a-f-G-U-C",
        how="m-g",
        time=t,
        start=t,
        stale=t + timedelta(minutes=5),
        lat=51.2 + (i % 1000) * 1e-4,
        lon=24.1 + (i % 700) * 1e-4,
        hae=180.0,
        ce=6.0,
        le=9.0,
        callsign=f"UNIT {i % 500}",
        course_deg=float(i % 360),
        speed_mps=1.4,
        detail=(
            node("__group", name="Cyan", role="Team Member"),
            node("takv", device="Pixel", platform="ATAK-CIV", os="34", version="5.2"),
            node("status", battery="87"),
            node("precisionlocation", geopointsrc="GPS", altsrc="GPS"),
        ),
    )


def _in_rows(events: int = 20_000) -> list[BenchRow]:
    rows = []
    sources = {
        "XML": b"".join(to_xml(_sa(i)) for i in range(events)),
        "TAK protocol": b"".join(stream_frame(to_takproto(_sa(i))) for i in range(events)),
    }
    for name, data in sources.items():
        decoder = StreamDecoder()
        units = 0
        t0 = time.perf_counter()
        for pos in range(0, len(data), CHUNK):
            for item in decoder.feed(data[pos : pos + CHUNK]):
                if not isinstance(item, Exception) and field_unit_of(item) is not None:
                    units += 1
        elapsed = time.perf_counter() - t0
        assert units == events, units
        assert decoder.errors == 0, decoder.errors
        rows.append(
            BenchRow(
                "cot",
                f"CoT in, {name} stream → field units",
                events / elapsed,
                "events/s",
                f"{events} ATAK-like self SA ({len(data) // events} B each) in 64 KiB pieces, "
                "hardened parser, one core; goal ≥ 2,000",
            )
        )
    return rows


def bench_rows() -> list[BenchRow]:
    rows = [*_out_rows(), asyncio.run(_socket_row()), *_in_rows()]
    width = max(len(r.name) for r in rows)
    print(f"{'figure':<{width}}  {'value':>12}  unit", file=sys.stderr)
    for r in rows:
        print(f"{r.name:<{width}}  {r.value:>12,.0f}  {r.unit}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    main_for(bench_rows)

"""Radar latency: from a CAT048 plot's UDP datagram to the fused track on an operator's screen.

Starts a real all-in-one node (``kordon run``) on a temporary copy of the Volyn example
site, with the demo's radar turned from a simulated one into a plain ASTERIX listener
turning every ``PERIOD_S``; twice: the whole demo (its two simulated cameras, ground
sensor and drone running as in ``make run``), then the radar alone (cameras disabled,
other sensors removed: the radar path without the demo's rendering and detection load).
This module is the radar: it sends real ASTERIX over UDP to the node's radar port, one
CAT048 datagram per plot at the moment its beam passes each of ``TARGETS`` walkers (spread
in azimuth, 1.5 to 4 km out, walking across the beam), and a CAT034 north marker each
turn. Each plot is stamped (I048/140) with its send time.

A supervisor listens on ``/api/live``; a reader thread stamps every message on arrival.
A plot has reached the operator when a ``track`` message arrives for its walker's track
(radar-only, confirmed, nearest the walker's true position, within ``MATCH_M``) stamped at
or after the plot's time: the site picture steps in event time, so such a track has had
the plot. Latency = that arrival − the datagram's send time (one clock, one machine), for
every plot sent after its walker's track was first shown (the plots before confirm it:
3 of 5 looks). It splits into the picture's hold (the message's event time − the plot's)
and how far the node runs behind the wall clock (arrival − the message's event time),
which the cameras' track messages on the same node show too.
"""

from __future__ import annotations

import json
import math
import queue
import socket
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import numpy as np
import yaml
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from benchmarks.common import REPO_ROOT, BenchRow, main_for
from kordon.sensors.asterix.encoder import (
    NORTH_MARKER,
    Plot,
    ServiceMessage,
    plots_block,
    service_block,
)
from tests.support.demo_site import (
    create_user,
    running_kordon,
    volyn_copy,
)

USERNAME = "bench-radar"
PASSWORD = "bench-Radar-Sweep-42"
START_TIMEOUT_S = 90.0
SEND_S = 100.0
"""How long the radar sends (25 turns of 4 s)."""
DRAIN_S = 2.0
STOP_TIMEOUT_S = 15.0
PERIOD_S = 4.0
TARGETS = 12
WALK_MPS = 1.4
RANGE_SIGMA_M = 10.0
AZIMUTH_SIGMA_DEG = 0.3
MATCH_M = 150.0
RADAR_ID = "radar-1"
DAY_S = 86_400.0
EARTH_M_PER_DEG = 111_320.0


@dataclass(frozen=True, slots=True)
class Walker:
    """A walker in the radar's polar co-ordinates, walking across the beam."""

    range_m: float
    azimuth0_deg: float

    def azimuth_deg(self, t_s: float) -> float:
        return (self.azimuth0_deg + math.degrees(WALK_MPS * t_s / self.range_m)) % 360.0


@dataclass(frozen=True, slots=True)
class Sent:
    """One plot's datagram: when it was sent (wall, POSIX s), the plot's time (as the
    node decodes I048/140) and its walker."""

    sent_s: float
    plot_s: float
    walker: int


@dataclass(frozen=True, slots=True)
class Arrival:
    received_s: float
    kind: str
    data: dict[str, object]


@dataclass(frozen=True, slots=True)
class Radar:
    sac: int
    sic: int
    lat: float
    lon: float
    height_m: float
    port: int


def _walkers() -> list[Walker]:
    ranges = np.linspace(1_500.0, 4_000.0, TARGETS)
    return [Walker(float(r), 360.0 * (i + 0.5) / TARGETS) for i, r in enumerate(ranges)]


def _prepare(directory: Path, *, radar_only: bool) -> tuple[Path, Radar]:
    """The Volyn copy, its radar a plain listener (no simulated twin) turning every
    ``PERIOD_S``; with ``radar_only`` its cameras disabled and its other sensors removed
    (the radar path alone, without the demo's rendering and detection load)."""
    site_file = volyn_copy(directory)
    config = yaml.safe_load(site_file.read_text(encoding="utf-8"))
    radars = [s for s in config.get("sensors", []) if s.get("kind") == "radar_asterix"]
    if len(radars) != 1 or radars[0].get("id") != RADAR_ID:
        raise RuntimeError(f"the Volyn site should have one radar {RADAR_ID!r}")
    radar = radars[0]
    if radar_only:
        for camera in config.get("cameras", []):
            camera["enabled"] = False
        config["sensors"] = [radar]
    radar.pop("simulated_world", None)
    radar["rotation_period_s"] = PERIOD_S
    radar["range_sigma_m"] = RANGE_SIGMA_M
    radar["azimuth_sigma_deg"] = AZIMUTH_SIGMA_DEG
    radar["north_offset_deg"] = 0.0
    site_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return site_file, Radar(
        sac=int(radar["sac"]),
        sic=int(radar["sic"]),
        lat=float(radar["lat"]),
        lon=float(radar["lon"]),
        height_m=float(radar.get("height_m", 0.0)),
        port=int(radar["udp_port"]),
    )


def _tod_s(posix_s: float) -> float:
    """I048/140 as encoded (1/128 s) and decoded back to POSIX seconds of the same day."""
    day = math.floor(posix_s / DAY_S) * DAY_S
    return day + round((posix_s - day) * 128.0) / 128.0


def _send(radar: Radar, walkers: list[Walker], start_s: float, stop: threading.Event) -> list[Sent]:
    """Sweep for ``SEND_S`` from wall time ``start_s``: one datagram per plot as the beam
    passes each walker (the antenna at azimuth 0 at ``start_s``), a north marker a turn."""
    rng = np.random.default_rng(7)
    sent: list[Sent] = []
    schedule: list[tuple[float, int]] = []  # (offset s, walker; -1: north marker)
    for turn in range(math.ceil(SEND_S / PERIOD_S)):
        schedule.append((turn * PERIOD_S, -1))
        for i, w in enumerate(walkers):
            schedule.append((turn * PERIOD_S + w.azimuth_deg(turn * PERIOD_S) / 360 * PERIOD_S, i))
    schedule.sort()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for offset_s, who in schedule:
            if stop.is_set() or offset_s >= SEND_S:
                break
            wait = start_s + offset_s - time.time()
            if wait > 0:
                time.sleep(wait)
            now_s = time.time()
            tod = now_s % DAY_S
            if who < 0:
                block = service_block(
                    [ServiceMessage(radar.sac, radar.sic, tod, NORTH_MARKER, None, PERIOD_S)]
                )
                sock.sendto(block, ("127.0.0.1", radar.port))
                continue
            w = walkers[who]
            ground = w.range_m + float(rng.normal(0.0, RANGE_SIGMA_M))
            slant = math.hypot(ground, radar.height_m)
            azimuth = (w.azimuth_deg(offset_s) + float(rng.normal(0.0, AZIMUTH_SIGMA_DEG))) % 360
            block = plots_block([Plot(radar.sac, radar.sic, tod, slant, azimuth)])
            sent_s = time.time()
            sock.sendto(block, ("127.0.0.1", radar.port))
            sent.append(Sent(sent_s, _tod_s(now_s), who))
    return sent


def _lonlat(radar: Radar, w: Walker, t_s: float) -> tuple[float, float]:
    """A walker's position (flat earth around the radar: metres, not the node's frame)."""
    az = math.radians(w.azimuth_deg(t_s))
    north, east = w.range_m * math.cos(az), w.range_m * math.sin(az)
    lat = radar.lat + north / EARTH_M_PER_DEG
    lon = radar.lon + east / (EARTH_M_PER_DEG * math.cos(math.radians(radar.lat)))
    return lon, lat


def _read(ws: ClientConnection, out: queue.SimpleQueue[Arrival], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            raw = ws.recv(timeout=0.5)
        except TimeoutError:
            continue
        except ConnectionClosed:
            return
        received_s = time.time()
        message = json.loads(raw)
        data = message.get("data")
        if isinstance(data, dict):
            out.put(Arrival(received_s, str(message.get("type")), data))


@dataclass(frozen=True, slots=True)
class Measured:
    latency_ms: list[float]
    """Per measured plot: datagram sent → track message received."""
    hold_ms: list[float]
    """Per measured plot: the message's event time − the plot's time (how far past the
    plot the picture had stepped when it showed it)."""
    delivery_ms: list[float]
    """Per measured plot: message received − its event time (the node behind the wall
    clock: processing backlog, bus, WebSocket)."""
    other_lag_ms: list[float]
    """Every other sensors' track message: received − its event time (the same node's
    load, for comparison)."""
    plots_sent: int
    walkers_tracked: int
    radar_tracks: int


def _match(
    radar: Radar, walkers: list[Walker], start_s: float, sent: list[Sent], arrivals: list[Arrival]
) -> Measured:
    """Each plot's latency to the first track message of its walker that has had it."""
    cos_lat = math.cos(math.radians(radar.lat))
    first_shown: set[int] = set()
    pending: dict[int, list[Sent]] = {i: [] for i in range(len(walkers))}
    by_send = sorted(sent, key=lambda s: s.sent_s)
    latency: list[float] = []
    hold: list[float] = []
    delivery: list[float] = []
    other: list[float] = []
    radar_tracks: set[str] = set()
    k = 0
    for arrival in sorted(arrivals, key=lambda a: a.received_s):
        # plots sent before this message arrived may be in it
        while k < len(by_send) and by_send[k].sent_s <= arrival.received_s:
            pending[by_send[k].walker].append(by_send[k])
            k += 1
        data = arrival.data
        stamp = data.get("time")
        if arrival.kind != "track" or not isinstance(stamp, str):
            continue
        time_s = datetime.fromisoformat(stamp).timestamp()
        if data.get("sensors") != [RADAR_ID]:
            other.append((arrival.received_s - time_s) * 1e3)
            continue
        lat, lon = data.get("lat"), data.get("lon")
        if not (data.get("confirmed") and isinstance(lat, float) and isinstance(lon, float)):
            continue
        radar_tracks.add(str(data.get("track_id")))
        best, best_m = -1, MATCH_M
        for i, w in enumerate(walkers):
            wlon, wlat = _lonlat(radar, w, time_s - start_s)
            d = math.hypot((lon - wlon) * EARTH_M_PER_DEG * cos_lat, (lat - wlat) * EARTH_M_PER_DEG)
            if d < best_m:
                best, best_m = i, d
        if best < 0:
            continue
        done = [p for p in pending[best] if p.plot_s <= time_s + 1e-6]
        pending[best] = [p for p in pending[best] if p.plot_s > time_s + 1e-6]
        if best not in first_shown:
            first_shown.add(best)  # the plots that confirmed it: shown turns later
            continue
        latency += [(arrival.received_s - p.sent_s) * 1e3 for p in done]
        hold += [(time_s - p.plot_s) * 1e3 for p in done]
        delivery += [(arrival.received_s - time_s) * 1e3 for _ in done]
    return Measured(latency, hold, delivery, other, len(sent), len(first_shown), len(radar_tracks))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _rows(m: Measured, *, radar_only: bool) -> list[BenchRow]:
    node = (
        "Volyn site, cameras disabled, the radar its only sensor"
        if radar_only
        else "Volyn demo: 2 simulated cameras, ground sensor, drone"
    )
    tag = "radar-only node" if radar_only else "demo node"
    note = (
        "CAT048 datagram sent (UDP, loopback) → track message with that plot received on "
        "/api/live: ASTERIX decode, radar intake, site picture (watermark hold, fusion), "
        f"map feed, bus, WebSocket send; 1 node ({node}), radar turning every "
        f"{PERIOD_S:g} s, {TARGETS} radar-only walkers, {SEND_S:.0f} s"
    )
    rows = [
        BenchRow("radar_alert", f"{tag}: plots sent", float(m.plots_sent), "plots", note),
        BenchRow(
            "radar_alert",
            f"{tag}: walkers with a confirmed radar-only track",
            float(m.walkers_tracked),
            "walkers",
            f"of {TARGETS}; {m.radar_tracks} radar-only site tracks shown",
        ),
        BenchRow(
            "radar_alert",
            f"{tag}: plots measured",
            float(len(m.latency_ms)),
            "plots",
            "plots sent after their walker's track was first shown",
        ),
    ]
    figures = (
        ("plot → track", m.latency_ms, note),
        ("of which picture hold", m.hold_ms, "message event time − plot time"),
        ("of which node behind", m.delivery_ms, "message received − its event time"),
        (
            "other sensors' track lag",
            m.other_lag_ms,
            "cameras' tracks on the same node: received − event time (the node's load)",
        ),
    )
    for label, values, why in figures:
        if not values:
            continue
        rows += [
            BenchRow("radar_alert", f"{tag}: {label} p50", statistics.median(values), "ms", why),
            BenchRow("radar_alert", f"{tag}: {label} p95", _percentile(values, 0.95), "ms", why),
        ]
    if m.latency_ms:
        rows.append(
            BenchRow("radar_alert", f"{tag}: plot → track max", max(m.latency_ms), "ms", note)
        )
    return rows


def _run_node(*, radar_only: bool) -> list[BenchRow]:
    walkers = _walkers()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        site_file, radar = _prepare(directory, radar_only=radar_only)
        create_user(site_file, USERNAME, PASSWORD, "supervisor")
        with running_kordon(
            site_file,
            directory / "node.log",
            cwd=REPO_ROOT,
            start_timeout_s=START_TIMEOUT_S,
            stop_timeout_s=STOP_TIMEOUT_S,
        ) as url:
            with httpx.Client(base_url=url, timeout=10.0) as client:
                login = client.post(
                    "/api/auth/login", json={"username": USERNAME, "password": PASSWORD}
                )
                login.raise_for_status()
                cookie = f"kordon_session={client.cookies['kordon_session']}"
            arrivals: queue.SimpleQueue[Arrival] = queue.SimpleQueue()
            stop = threading.Event()
            ws_url = url.replace("http://", "ws://") + "/api/live"
            with connect(ws_url, origin=Origin(url), additional_headers={"Cookie": cookie}) as ws:
                reader = threading.Thread(target=_read, args=(ws, arrivals, stop), daemon=True)
                reader.start()
                start_s = time.time() + 0.5
                sent = _send(radar, walkers, start_s, stop)
                time.sleep(DRAIN_S)
                stop.set()
                reader.join(timeout=5)
    received: list[Arrival] = []
    while not arrivals.empty():
        received.append(arrivals.get())
    return _rows(_match(radar, walkers, start_s, sent, received), radar_only=radar_only)


def bench_rows() -> list[BenchRow]:
    return _run_node(radar_only=False) + _run_node(radar_only=True)


if __name__ == "__main__":
    main_for(bench_rows)

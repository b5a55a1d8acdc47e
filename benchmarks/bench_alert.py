"""Alert latency: from the frame on which a rule fires to the incident on an operator's screen.

Starts a real all-in-one node (``kordon run``) on a temporary copy of the Volyn example site
(simulated camera, free port, data in a temporary directory), creates a supervisor account,
logs in and listens on ``/api/live`` for ``LISTEN_S`` seconds. A reader thread stamps every
message with its arrival wall time. For each event id first seen in an ``incident`` message,
latency = arrival − the event's ``attributes["detected_at"]`` (the time of the frame on which
the rule fired; the simulated camera stamps frames with their real-time render time on the
node's clock). Events are fetched with ``GET /api/events/{id}`` after listening, so the
requests never delay the reader. The same is reported for ``event`` messages.

The demo site fuses its two cameras, ground sensor and radar, so the figures are split by
where the rule ran: the site picture (border crossing, approach and zone rules on fused
tracks; their ``detected_at`` is the newest measurement the picture had taken in when
the rule fired, so the time the picture waits for the other sensors is counted) and the
cameras' own image rules (which never pass through the fusion stage).
"""

from __future__ import annotations

import json
import queue
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from benchmarks.common import REPO_ROOT, BenchRow, main_for
from tests.support.demo_site import (
    create_user,
    running_kordon,
    volyn_copy,
)

USERNAME = "bench-alert"
PASSWORD = "bench-Alert-Horse-42"
START_TIMEOUT_S = 90.0
LISTEN_S = 120.0
STOP_TIMEOUT_S = 15.0


@dataclass(frozen=True, slots=True)
class Arrival:
    """One live message and the wall time (POSIX seconds) it was received."""

    received_s: float
    kind: str
    data: dict[str, object]


@dataclass(frozen=True, slots=True)
class Latencies:
    incident_ms: list[float]
    event_ms: list[float]
    track_lag_ms: list[float]
    incident_messages: int
    missing_detected_at: int
    site_incident_ms: list[float]
    """Of ``incident_ms``: events of the site picture's rules (through the fusion stage)."""
    site_crossing_ms: list[float]
    """Of ``site_incident_ms``: border crossings."""


def _read(ws: ClientConnection, out: queue.SimpleQueue[Arrival], stop: threading.Event) -> None:
    """Stamp each message on arrival; parsing happens here, bookkeeping elsewhere."""
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


def _listen(url: str, cookie: str) -> list[Arrival]:
    arrivals: queue.SimpleQueue[Arrival] = queue.SimpleQueue()
    stop = threading.Event()
    ws_url = url.replace("http://", "ws://") + "/api/live"
    with connect(ws_url, origin=Origin(url), additional_headers={"Cookie": cookie}) as ws:
        reader = threading.Thread(target=_read, args=(ws, arrivals, stop), daemon=True)
        reader.start()
        time.sleep(LISTEN_S)
        stop.set()
        reader.join(timeout=5)
    result: list[Arrival] = []
    while not arrivals.empty():
        result.append(arrivals.get())
    return result


def _latencies(client: httpx.Client, arrivals: list[Arrival]) -> Latencies:
    first_incident_s: dict[str, float] = {}
    first_event_s: dict[str, float] = {}
    incident_messages = 0
    track_lag_ms: list[float] = []
    for arrival in arrivals:
        stamp = arrival.data.get("time")
        if arrival.kind == "track" and isinstance(stamp, str):
            track_lag_ms.append(
                (arrival.received_s - datetime.fromisoformat(stamp).timestamp()) * 1e3
            )
        if arrival.kind == "incident":
            incident_messages += 1
            ids = arrival.data.get("event_ids")
            for event_id in ids if isinstance(ids, list) else []:
                first_incident_s.setdefault(str(event_id), arrival.received_s)
        elif arrival.kind == "event" and "id" in arrival.data:
            first_event_s.setdefault(str(arrival.data["id"]), arrival.received_s)
    detected_s: dict[str, float] = {}
    site: set[str] = set()
    crossings: set[str] = set()
    missing = 0
    for event_id in sorted(first_incident_s.keys() | first_event_s.keys()):
        response = client.get(f"/api/events/{event_id}")
        response.raise_for_status()
        body = response.json()
        attributes = body.get("attributes", {})
        stamp = attributes.get("detected_at")
        if not isinstance(stamp, str):
            missing += 1  # not a sensor event (e.g. a storage alarm)
            continue
        detected_s[event_id] = datetime.fromisoformat(stamp).timestamp()
        if "site_track_id" in attributes:  # raised by the site picture's rules
            site.add(event_id)
            if body.get("kind") == "border_crossing":
                crossings.add(event_id)
    incident_ms = {
        i: (t - detected_s[i]) * 1000.0 for i, t in first_incident_s.items() if i in detected_s
    }
    return Latencies(
        site_incident_ms=[ms for i, ms in incident_ms.items() if i in site],
        site_crossing_ms=[ms for i, ms in incident_ms.items() if i in crossings],
        incident_ms=[
            (t - detected_s[i]) * 1000.0 for i, t in first_incident_s.items() if i in detected_s
        ],
        event_ms=[
            (t - detected_s[i]) * 1000.0 for i, t in first_event_s.items() if i in detected_s
        ],
        track_lag_ms=track_lag_ms,
        incident_messages=incident_messages,
        missing_detected_at=missing,
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _rows(latencies: Latencies) -> list[BenchRow]:
    note = (
        "detected_at (frame the rule fired on) → incident message received on /api/live: "
        "detection, tracking, georeferencing, site picture (watermark hold, fusion, rules) "
        "or image rules, incident correlation + store write, bus, WebSocket send (frames "
        "are stamped with the wall time they are rendered at, so this is the whole path); "
        f"1 node, 2 simulated 1280x720 cameras + ground sensor + radar, {LISTEN_S:.0f} s, "
        f"{latencies.incident_messages} incident messages"
    )
    values = latencies.incident_ms
    rows = [BenchRow("alert", "events reaching an incident", float(len(values)), "events", note)]
    if values:
        rows += [
            BenchRow("alert", "alert latency p50", statistics.median(values), "ms", note),
            BenchRow("alert", "alert latency p95", _percentile(values, 0.95), "ms", note),
            BenchRow("alert", "alert latency max", max(values), "ms", note),
        ]
    for label, part, part_note in (
        (
            "site picture events",
            latencies.site_incident_ms,
            "events of the site rules on fused tracks (through the fusion stage); "
            "detected_at = newest measurement the picture had taken in when the rule fired",
        ),
        ("site border crossings", latencies.site_crossing_ms, "of those: border crossings"),
    ):
        rows.append(BenchRow("alert", f"{label}", float(len(part)), "events", part_note))
        if part:
            rows += [
                BenchRow(
                    "alert", f"alert latency p50, {label}", statistics.median(part), "ms", part_note
                ),
                BenchRow(
                    "alert",
                    f"alert latency p95, {label}",
                    _percentile(part, 0.95),
                    "ms",
                    part_note,
                ),
            ]
    if latencies.event_ms:
        event_note = "frame the rule fired on → event message received on /api/live"
        rows.append(
            BenchRow(
                "alert",
                "event message latency p50",
                statistics.median(latencies.event_ms),
                "ms",
                f"{event_note}; {len(latencies.event_ms)} events",
            )
        )
    if latencies.track_lag_ms:
        lag_note = (
            "arrival of track messages − their frame time: the fastest "
            "detect→track→geo→WebSocket path, for comparison with the alert latency"
        )
        track_min = min(latencies.track_lag_ms)
        rows += [
            BenchRow("alert", "track message lag min", track_min, "ms", lag_note),
            BenchRow(
                "alert",
                "track message lag p50",
                statistics.median(latencies.track_lag_ms),
                "ms",
                f"{len(latencies.track_lag_ms)} track messages",
            ),
        ]
        if values:
            rows.append(
                BenchRow(
                    "alert",
                    "alert latency p95 − track lag min",
                    _percentile(values, 0.95) - track_min,
                    "ms",
                    "what the alert path adds beyond the fastest track delivery (rules, "
                    "incident correlation, store write)",
                )
            )
    return rows


def bench_rows() -> list[BenchRow]:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        site_file = volyn_copy(directory)
        create_user(site_file, USERNAME, PASSWORD, "supervisor")
        with (
            running_kordon(
                site_file,
                directory / "node.log",
                cwd=REPO_ROOT,
                start_timeout_s=START_TIMEOUT_S,
                stop_timeout_s=STOP_TIMEOUT_S,
            ) as url,
            httpx.Client(base_url=url, timeout=10.0) as client,
        ):
            login = client.post(
                "/api/auth/login", json={"username": USERNAME, "password": PASSWORD}
            )
            login.raise_for_status()
            cookie = f"kordon_session={client.cookies['kordon_session']}"
            arrivals = _listen(url, cookie)
            latencies = _latencies(client, arrivals)
    return _rows(latencies)


if __name__ == "__main__":
    main_for(bench_rows)
